using System;
using System.Collections.Generic;
using System.IO;
using BpfDotnet.Interop;
using BpfDotnet.Loader;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>A program loaded into the kernel as part of a <see cref="BpfObject"/>.</summary>
    public sealed partial class BpfProgramHandle
    {
        private readonly BpfObject _owner;
        private readonly ProgramKind _kind;

        internal BpfProgramHandle(BpfObject owner, string name, string sectionName, ProgramKind kind, BpfFileDescriptor fd)
        {
            _owner = owner;
            _kind = kind;
            Name = name;
            SectionName = sectionName;
            Fd = fd;
        }

        /// <summary>The program's function (symbol) name in the object.</summary>
        public string Name { get; }

        /// <summary>The ELF section the program came from, such as <c>tracepoint/syscalls/sys_enter_openat</c>.</summary>
        public string SectionName { get; }

        /// <summary>The kernel program type, derived from the section name.</summary>
        public BpfProgramType Type => (BpfProgramType)_kind.Type;

        /// <summary>The program's kernel id (as <c>bpftool prog list</c> shows it).</summary>
        public uint Id => Fd.KernelId(4);

        /// <summary>The program's file descriptor; owned by the <see cref="BpfObject"/>.</summary>
        public BpfFileDescriptor Fd { get; }

        /// <summary>
        /// For a program <see cref="Attach"/> cannot attach from its section alone: the call that attaches it, with what
        /// it needs (an interface, a cgroup, a socket, an event); null otherwise.
        /// </summary>
        internal string? ManualAttach => CanAutoAttach ? null : Type switch
        {
            BpfProgramType.Xdp => "AttachXdp(interface)",
            BpfProgramType.SchedCls => "AttachTc(interface, direction) or AttachTcx(interface, direction)",
            BpfProgramType.PerfEvent => "AttachPerfEvent(event, frequency or period)",
            BpfProgramType.SocketFilter => "AttachToSocket(socket)",
            BpfProgramType.SkLookup or BpfProgramType.FlowDissector => "AttachNetworkNamespace(path)",
            BpfProgramType.SkMsg or BpfProgramType.SkSkb => "AttachToSockMap(map)",
            BpfProgramType.Netfilter => "AttachNetfilter(protocol, hook)",
            BpfProgramType.LwtIn or BpfProgramType.LwtOut or BpfProgramType.LwtXmit => "AttachToRoute(destination, interface), a route whose BPF encapsulation holds it",
            BpfProgramType.CgroupSkb or BpfProgramType.CgroupSock or BpfProgramType.CgroupSockAddr or BpfProgramType.CgroupSockopt
                or BpfProgramType.CgroupSysctl or BpfProgramType.CgroupDevice or BpfProgramType.SockOps => "AttachCgroup(path)",
            BpfProgramType.Tracing when WalksAMap => "AttachIterator(map)",
            BpfProgramType.Kprobe => SectionName.StartsWith("kprobe.multi", StringComparison.Ordinal) || SectionName.StartsWith("kretprobe.multi", StringComparison.Ordinal) ? "AttachKprobeMulti(functions)"
                : SectionName.StartsWith("uprobe.multi", StringComparison.Ordinal) || SectionName.StartsWith("uretprobe.multi", StringComparison.Ordinal) ? "AttachUprobeMulti(binary, functions)"
                : SectionName.StartsWith("k", StringComparison.Ordinal) ? "AttachKprobe(function)"
                : SectionName.StartsWith("usdt", StringComparison.Ordinal) ? "AttachUsdt(binary, provider, name)" : "AttachUprobe(binary, function)",
            _ => "no attach call of this loader yet",
        };

        /// <summary>True when <see cref="Attach"/> knows how to attach this program from its section name alone.</summary>
        public bool CanAutoAttach => _kind.Attach != ProgramAttach.None && !WalksAMap;

        /// <summary>
        /// Attaches the program where its section name says: <c>tracepoint/&lt;category&gt;/&lt;name&gt;</c> (or <c>tp/</c>),
        /// <c>raw_tracepoint/&lt;name&gt;</c> (or <c>raw_tp/</c>), <c>uprobe/&lt;binary&gt;:&lt;function&gt;</c> and
        /// <c>uretprobe/&lt;binary&gt;:&lt;function&gt;</c>. The returned link is also owned by the object and is
        /// disposed with it; dispose it earlier to detach.
        /// </summary>
        /// <remarks>Iterators (<c>iter/&lt;target&gt;</c>) attach as <see cref="AttachIterator"/> does; those that walk a map need it named there.</remarks>
        /// <returns>The link.</returns>
        /// <exception cref="BpfException">The kind is not attachable yet, tracefs is missing, the tracepoint does not exist,
        /// or the kernel refused the attachment.</exception>
        public BpfLink Attach()
        {
            _owner.ThrowIfDisposed();
            BpfLink link = _kind.Attach switch
            {
                ProgramAttach.Tracepoint => AttachTracepoint(),
                ProgramAttach.RawTracepoint => AttachRawTracepoint(),
                ProgramAttach.Uprobe => AttachUprobeFromSection(),
                ProgramAttach.UprobeMulti => AttachUprobeMultiFromSection(),
                ProgramAttach.KprobeMulti => AttachKprobeMultiFromSection(),
                ProgramAttach.Kprobe => AttachKprobeFromSection(),
                ProgramAttach.Tracing => AttachTracing(),
                ProgramAttach.Iterator => AttachIteratorFromSection(),
                ProgramAttach.Usdt => AttachUsdtFromSection(),
                _ => throw new BpfException(
                    $"Program '{Name}' (section '{SectionName}', type {Type}) cannot be attached automatically: attaching '{_kind.Prefix}' programs is not supported by this loader yet. " +
                    "Supported: tracepoint/<category>/<name>, tp/<category>/<name>, raw_tracepoint/<name>, raw_tp/<name>, uprobe/<binary>:<function>, uretprobe/<binary>:<function>."),
            };
            return Track(link);
        }

        /// <summary>
        /// BPF_LINK_CREATE of this program to <paramref name="target"/> (a perf event, an interface, a cgroup): the link's
        /// descriptor, or -1 with the errno.
        /// </summary>
        private int CreateLink(int target, AttachType attachType, uint flags, out int errno)
        {
            using BpfFileDescriptor.Lease prog = Fd.Acquire();
            return BpfSyscalls.LinkCreate(prog.Fd, target, (uint)attachType, flags, out errno);
        }

        private BpfLink Track(BpfLink link)
        {
            _owner.TrackLink(link);
            return link;
        }

        /// <summary>
        /// Runs the program once in the kernel on <paramref name="context"/> (<c>BPF_PROG_TEST_RUN</c>) and returns its
        /// return value; a syscall program's changes to its context come back in <paramref name="context"/>. Raw tracepoint
        /// programs take their arguments (<see cref="RawTracepointArgs"/>), syscall programs any struct they declare.
        /// The same method runs as .NET code on the same struct, for a test to compare.
        /// </summary>
        /// <exception cref="BpfException">The kernel refused the run (for example, the program type cannot be test-run).</exception>
        public uint TestRun<TContext>(ref TContext context) where TContext : unmanaged
        {
            // A syscall program's kernel copies its context back where it read it: into this struct.
            return TestRun(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<TContext>(ref context)));
        }

        /// <summary>
        /// Runs the program once in the kernel on <paramref name="context"/> (<c>BPF_PROG_TEST_RUN</c>) and returns
        /// its return value. Raw tracepoint programs take their arguments as the context: up to 12 64-bit values.
        /// </summary>
        /// <param name="context">The bytes the program sees as its context.</param>
        /// <exception cref="BpfException">The kernel refused the run (for example, the program type cannot be test-run).</exception>
        public uint TestRun(ReadOnlySpan<byte> context)
        {
            int r, errno;
            uint returnValue;
            using (BpfFileDescriptor.Lease lease = Fd.Acquire())
            {
                r = BpfSyscalls.ProgTestRun(lease.Fd, context, out returnValue, out errno);
            }
            if (r < 0)
                throw BpfErrors.FromErrno(errno, $"to test-run program '{Name}' ({Type}) with a {context.Length}-byte context (BPF_PROG_TEST_RUN); raw_tracepoint programs accept at most 96 bytes");
            return returnValue;
        }

        /// <summary>
        /// Runs the program in the kernel on <paramref name="packet"/> (<c>BPF_PROG_TEST_RUN</c>), as an XDP, tc or socket
        /// filter program sees a packet: the packet starts with its Ethernet header. <paramref name="repeat"/> runs time it.
        /// </summary>
        /// <param name="packet">The packet (at least an Ethernet header, 14 bytes).</param>
        /// <param name="repeat">How many times to run it (the duration is their average).</param>
        /// <returns>The program's return value (its verdict), the packet as the program left it, and the time per run.</returns>
        /// <exception cref="BpfException">The kernel refused the run (a program type it cannot test-run, a packet too short).</exception>
        public BpfTestRunResult TestRun(ReadOnlySpan<byte> packet, uint repeat)
        {
            // Room for a program that grows the packet (xdp_adjust_head/tail move it by at most a page).
            var output = new byte[packet.Length + 4096];
            int r, errno;
            KernelModel.ProgTestRunAttr result;
            using (BpfFileDescriptor.Lease lease = Fd.Acquire())
            {
                r = BpfSyscalls.ProgTestRunPacket(lease.Fd, packet, output, Math.Max(1, repeat), out result, out errno);
            }
            if (r < 0)
                throw BpfErrors.FromErrno(errno, $"to test-run program '{Name}' ({Type}) on a {packet.Length}-byte packet (BPF_PROG_TEST_RUN)",
                    errno is Interop.Native.ENOTSUPP or Interop.Native.EOPNOTSUPP
                        ? $"The kernel test-runs XDP, tc, socket filter, cgroup skb, lwt and flow dissector programs on a packet; a {Type} program cannot be (raw tracepoint and syscall programs take a context: TestRun(ref context))."
                    : errno != Interop.Native.EINVAL ? null
                    : packet.Length < 14 ? "A packet starts with a 14-byte Ethernet header; give at least that."
                    : Type != BpfProgramType.Xdp && packet.Length >= 14 && (packet[12] << 8 | packet[13]) is 0x0800 or 0x86DD
                        ? "The kernel builds an skb from the packet and needs the whole IPv4 (34 bytes) or IPv6 (54 bytes) header its Ethernet header announces; give at least that, or test a truncated packet with an XDP program."
                    : null);
            int length = (int)Math.Min(result.DataSizeOut, (uint)output.Length);
            return new BpfTestRunResult(result.ReturnValue, output.AsSpan(0, length).ToArray(), TimeSpan.FromTicks(result.Duration / 100));
        }

        /// <summary>
        /// Runs a flow dissector program in the kernel on <paramref name="packet"/> (an Ethernet frame, <c>BPF_PROG_TEST_RUN</c>)
        /// and returns its verdict and the flow keys it filled, as <c>FlowDissectorContext.ForPacket</c> runs it as .NET code.
        /// </summary>
        /// <exception cref="BpfException">The program is not a flow dissector, or the kernel refused the run.</exception>
        public FlowDissectorResult TestRunFlowDissector(ReadOnlySpan<byte> packet, out BpfFlowKeys keys)
        {
            if (Type != BpfProgramType.FlowDissector)
                throw new BpfException($"Program '{Name}' is a {Type} program; TestRunFlowDissector runs flow dissector programs (section flow_dissector).");
            var result = TestRun(packet, 1);
            if (result.Packet.Length < System.Runtime.CompilerServices.Unsafe.SizeOf<BpfFlowKeys>())
                throw new BpfException($"The kernel gave back {result.Packet.Length} bytes of flow keys for program '{Name}'; a struct bpf_flow_keys is {System.Runtime.CompilerServices.Unsafe.SizeOf<BpfFlowKeys>()}.");
            keys = System.Runtime.InteropServices.MemoryMarshal.Read<BpfFlowKeys>(result.Packet);
            return (FlowDissectorResult)result.ReturnValue;
        }

        /// <summary>Reads the kernel's information about the program (BPF_OBJ_GET_INFO_BY_FD).</summary>
        /// <returns>Id, sizes, verifier statistics and run statistics.</returns>
        public BpfProgramInfo GetInfo() => ReadInfo(Fd);

        internal static BpfProgramInfo ReadInfo(BpfFileDescriptor fd)
        {
            Span<byte> info = stackalloc byte[232];   // sizeof(struct bpf_prog_info) up to attach_btf_id
            info.Clear();
            int r, errno;
            using (BpfFileDescriptor.Lease lease = fd.Acquire())
            {
                r = BpfSyscalls.ObjGetInfo(lease.Fd, info, out errno);
            }
            if (r < 0)
                throw BpfErrors.FromErrno(errno, "to read program information (BPF_OBJ_GET_INFO_BY_FD)");
            return new BpfProgramInfo
            {
                Type = (BpfProgramType)BpfSyscalls.R32(info, 0),
                Id = BpfSyscalls.R32(info, 4),
                Tag = Convert.ToHexString(info.Slice(8, 8)).ToLowerInvariant(),
                JitedLength = BpfSyscalls.R32(info, 16),
                XlatedLength = BpfSyscalls.R32(info, 20),
                MapCount = BpfSyscalls.R32(info, 52),
                Name = BpfSyscalls.CString(info.Slice(64, 16)),
                BtfId = BpfSyscalls.R32(info, 128),
                FuncInfoCount = BpfSyscalls.R32(info, 144),
                LineInfoCount = BpfSyscalls.R32(info, 148),
                RunTimeNs = BpfSyscalls.R64(info, 192),
                RunCount = BpfSyscalls.R64(info, 200),
                VerifiedInstructions = BpfSyscalls.R32(info, 216),
            };
        }

        private BpfLink AttachTracepoint()
        {
            string rest = SectionName.Substring(_kind.Prefix.Length);
            int slash = rest.IndexOf('/');
            if (slash <= 0 || slash == rest.Length - 1)
                throw new BpfException($"Program '{Name}': section '{SectionName}' does not name a tracepoint; write it as {_kind.Prefix}<category>/<name>, e.g. tracepoint/syscalls/sys_enter_openat.");
            string category = rest.Substring(0, slash), name = rest.Substring(slash + 1);
            ulong id = ReadTracepointId(category, name);

            // The program is attached to the tracepoint itself, so a single perf event (pid -1, cpu 0) makes
            // it run on every CPU, as libbpf does.
            int pfd = BpfSyscalls.PerfEventOpenTracepoint(id, -1, 0, out int errno);
            if (pfd < 0)
                throw BpfErrors.FromErrno(errno, $"to open a perf event for tracepoint {category}/{name} (perf_event_open)",
                    errno is Native.EPERM or Native.EACCES ? "Run as root or grant CAP_PERFMON; check kernel.perf_event_paranoid." : null);
            // The link holds the event: its own descriptor is closed once the link is made (as libbpf does), so that
            // detaching is one close, one wait for the kernel's readers, rather than two.
            int lfd;
            using (new BpfFileDescriptor(pfd)) lfd = CreateLink(pfd, AttachType.PerfEvent, 0, out errno);
            if (lfd < 0)
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to tracepoint {category}/{name} (BPF_LINK_CREATE)",
                    errno == Native.EACCES ? ReadsPastRecord(category, name) : null);
            // The event was opened enabled: the program runs from here on.
            return new BpfLink(new BpfFileDescriptor(lfd), $"tracepoint {category}/{name} -> {Name}", new List<BpfFileDescriptor>());
        }

        /// <summary>
        /// The advice for EACCES from attaching a tracepoint program: the kernel refuses a program whose context reads reach
        /// past the tracepoint's record. The record's size comes from the tracepoint's format file, when it can be read.
        /// </summary>
        private static string ReadsPastRecord(string category, string name)
        {
            string format = Path.Combine(BpfSystem.TracefsPath ?? "/sys/kernel/tracing", "events", category, name, "format");
            string size = "";
            try
            {
                int end = 0;
                foreach (string line in File.ReadLines(format))
                {
                    // "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;"
                    int offsetAt = line.IndexOf("offset:", StringComparison.Ordinal), sizeAt = line.IndexOf("size:", StringComparison.Ordinal);
                    if (offsetAt < 0 || sizeAt < 0) continue;
                    if (int.TryParse(line.AsSpan(offsetAt + 7, line.IndexOf(';', offsetAt) - offsetAt - 7), out int offset)
                        && int.TryParse(line.AsSpan(sizeAt + 5, line.IndexOf(';', sizeAt) - sizeAt - 5), out int bytes))
                    {
                        end = Math.Max(end, offset + bytes);
                    }
                }
                if (end > 0) size = $" (the record is {end} bytes)";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
            }
            return $"The program reads its context past the end of the tracepoint's record{size}: make its context struct match {format}.";
        }

        private static ulong ReadTracepointId(string category, string name)
        {
            // Where tracefs usually is, read directly; anywhere else, or on any failure, found and explained below.
            Span<byte> idText = stackalloc byte[32];
            int read = category is "." or ".." || name is "." or ".." ? -1
                : Native.ReadSmallFile("/sys/kernel/tracing/events/" + category + "/" + name + "/id", idText, out _);
            if (read > 0 && ulong.TryParse(System.Text.Encoding.ASCII.GetString(idText[..read]).Trim(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out ulong direct)) return direct;

            string? tracefs = BpfSystem.TracefsPath;
            if (tracefs == null)
                throw new BpfException(BpfSystem.ExplainMissingTracefs(), Native.ENOENT);
            string path = Path.Combine(tracefs, "events", category, name, "id");
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new BpfException(
                    $"Tracepoint {category}/{name} does not exist: {path} was not found. " +
                    $"Check the category and name against {Path.Combine(tracefs, "available_events")} (format category:name).", Native.ENOENT);
            }
            catch (UnauthorizedAccessException)
            {
                throw new BpfException($"Cannot read {path}: permission denied. Run as root or make tracefs readable.", Native.EACCES);
            }
            if (!ulong.TryParse(text.Trim(), out ulong id))
                throw new BpfException($"Unexpected content in {path}: '{text.Trim()}'.");
            return id;
        }

        /// <summary>A tracing program (tp_btf, fentry, fexit, fmod_ret, LSM): attached where the BTF id it was loaded with says.</summary>
        private BpfLink AttachTracing()
        {
            int lfd, errno;
            using (BpfFileDescriptor.Lease prog = Fd.Acquire())
            {
                lfd = BpfSyscalls.RawTracepointOpen(null, prog.Fd, out errno);
            }
            if (lfd < 0) throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' ({SectionName}) (BPF_RAW_TRACEPOINT_OPEN)");
            return new BpfLink(new BpfFileDescriptor(lfd), SectionName + " -> " + Name, new List<BpfFileDescriptor>());
        }

        private BpfLink AttachRawTracepoint()
        {
            string tp = SectionName.Substring(_kind.Prefix.Length);
            int lfd, errno;
            using (BpfFileDescriptor.Lease prog = Fd.Acquire())
            {
                lfd = BpfSyscalls.RawTracepointOpen(tp, prog.Fd, out errno);
            }
            if (lfd < 0)
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to raw tracepoint '{tp}' (BPF_RAW_TRACEPOINT_OPEN)",
                    errno == Native.ENOENT ? $"The kernel has no raw tracepoint named '{tp}'; raw tracepoint names are the tracepoint names without category (e.g. sys_enter, sched_switch)." : null);
            return new BpfLink(new BpfFileDescriptor(lfd), $"raw_tracepoint {tp} -> {Name}", new List<BpfFileDescriptor>());
        }

        /// <inheritdoc />
        public override string ToString() => $"{Name} ({SectionName}, {Type}, id {Id})";

        /// <summary>
        /// Pins the program at <paramref name="path"/> on a BPF filesystem (<c>/sys/fs/bpf/...</c>), so that it outlives this
        /// process (<c>bpftool prog show pinned</c>); delete the file to unpin it. To keep it attached, pin its link.
        /// </summary>
        /// <exception cref="BpfException">The path is taken, its directory is missing, or it is not on a BPF filesystem.</exception>
        public void Pin(string path) => Pins.Pin(Fd, path, "program '" + Name + "'");
    }
}
