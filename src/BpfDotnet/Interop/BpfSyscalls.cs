using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using BpfDotnet.KernelModel;

namespace BpfDotnet.Interop
{
    /// <summary>
    /// Typed wrappers around the <c>bpf(2)</c> commands. Each command's attribute is the kernel model's struct for it
    /// (<c>Uapi/BpfAttr.cs</c>, at the offsets of <c>union bpf_attr</c> in include/uapi/linux/bpf.h), written at the start
    /// of a zeroed buffer of <see cref="AttrSize"/> bytes.
    /// </summary>
    internal static unsafe class BpfSyscalls
    {
        /// <summary>Size of the attribute buffer passed to the kernel; unused tail bytes are zero.</summary>
        internal const int AttrSize = 144;

        /// <summary>BPF_OBJ_NAME_LEN: object names hold at most 15 characters plus the terminator.</summary>
        internal const int ObjNameLen = 16;

        internal static void W32(Span<byte> a, int off, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(a.Slice(off), v);

        internal static void W64(Span<byte> a, int off, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(a.Slice(off), v);

        internal static uint R32(ReadOnlySpan<byte> a, int off) => BinaryPrimitives.ReadUInt32LittleEndian(a.Slice(off));

        internal static ulong R64(ReadOnlySpan<byte> a, int off) => BinaryPrimitives.ReadUInt64LittleEndian(a.Slice(off));

        /// <summary>Writes a kernel object name: printable ASCII only, at most 15 bytes, NUL-terminated.</summary>
        internal static void WriteObjName(Span<byte> a, int off, string name)
        {
            int n = 0;
            foreach (char c in name)
            {
                if (n == ObjNameLen - 1) break;
                // The kernel accepts [A-Za-z0-9_.] only.
                if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.')) continue;
                a[off + n++] = (byte)c;
            }
        }

        /// <summary>Name as the kernel stores it (truncated to 15 allowed characters).</summary>
        internal static string KernelObjName(string name)
        {
            var sb = new StringBuilder();
            foreach (char c in name)
            {
                if (sb.Length == ObjNameLen - 1) break;
                if (char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.') sb.Append(c);
            }
            return sb.ToString();
        }

        // ---- maps ---------------------------------------------------------------------

        internal static int MapCreate(uint type, uint keySize, uint valueSize, uint maxEntries, uint flags, string name,
            int btfFd, uint btfKeyTypeId, uint btfValueTypeId, out int errno, int innerMapFd = -1)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            var attr = new MapCreateAttr { MapType = type, KeySize = keySize, ValueSize = valueSize, MaxEntries = maxEntries, MapFlags = flags };
            if (innerMapFd >= 0) attr.InnerMapFd = (uint)innerMapFd;
            if (btfFd >= 0 && (btfKeyTypeId != 0 || btfValueTypeId != 0))
            {
                attr.BtfFd = (uint)btfFd;
                attr.BtfKeyTypeId = btfKeyTypeId;
                attr.BtfValueTypeId = btfValueTypeId;
            }
            MemoryMarshal.Write(a, in attr);
            WriteObjName(a, MapCreateAttr.NameOffset, name);
            return (int)Native.Bpf(BpfCommand.MapCreate, a, out errno);
        }

        internal static int MapElem(BpfCommand cmd, int mapFd, void* key, void* valueOrNextKey, ulong flags, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            var attr = new MapElemAttr { MapFd = (uint)mapFd, Key = (ulong)key, Value = (ulong)valueOrNextKey, Flags = flags };
            MemoryMarshal.Write(a, in attr);
            return (int)Native.Bpf(cmd, a, out errno);
        }

        /// <summary>BPF_MAP_LOOKUP_BATCH: up to <paramref name="count"/> elements from the token in <paramref name="inBatch"/> (null: the start).</summary>
        internal static int MapLookupBatch(int mapFd, void* inBatch, void* outBatch, void* keys, void* values, ref uint count, out int errno)
            => MapBatch(BpfCommand.MapLookupBatch, mapFd, inBatch, outBatch, keys, values, ref count, 0, out errno);

        /// <summary>
        /// A batch command (BPF_MAP_LOOKUP_BATCH, UPDATE_BATCH, DELETE_BATCH) on <paramref name="count"/> elements; on
        /// return, <paramref name="count"/> is how many the kernel processed, also when it stopped early.
        /// </summary>
        internal static int MapBatch(BpfCommand command, int mapFd, void* inBatch, void* outBatch, void* keys, void* values, ref uint count, ulong elemFlags, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            var attr = new MapBatchAttr { InBatch = (ulong)inBatch, OutBatch = (ulong)outBatch, Keys = (ulong)keys, Values = (ulong)values, Count = count, MapFd = (uint)mapFd, ElemFlags = elemFlags };
            MemoryMarshal.Write(a, in attr);
            int r = (int)Native.Bpf(command, a, out errno);
            // The kernel writes back how many elements it copied, also when it stops at the end (ENOENT).
            count = MemoryMarshal.Read<MapBatchAttr>(a).Count;
            return r;
        }

        internal static int MapFreeze(int mapFd, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            var attr = new MapElemAttr { MapFd = (uint)mapFd };
            MemoryMarshal.Write(a, in attr);
            return (int)Native.Bpf(BpfCommand.MapFreeze, a, out errno);
        }

        // ---- programs -----------------------------------------------------------------

        internal struct ProgLoadArgs
        {
            public uint ProgType;
            public uint ExpectedAttachType;
            public string Name;
            public byte[] Instructions;
            public string License;
            public int BtfFd;
            public byte[]? FuncInfo;
            public uint FuncInfoRecSize;
            public uint FuncInfoCount;
            public byte[]? LineInfo;
            public uint LineInfoRecSize;
            public uint LineInfoCount;
            /// <summary>For tracing programs: the vmlinux BTF id of what they attach to (0: none).</summary>
            public uint AttachBtfId;
            /// <summary><c>BPF_F_*</c> load flags.</summary>
            public uint Flags;
        }

        /// <summary>BPF_PROG_LOAD. <paramref name="log"/> receives the verifier log when <paramref name="logLevel"/> &gt; 0.</summary>
        internal static int ProgLoad(in ProgLoadArgs p, uint logLevel, uint logSize, out string log, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            byte[] license = Encoding.ASCII.GetBytes(p.License + "\0");
            byte[]? logBuf = logLevel > 0 ? new byte[Math.Max(logSize, 4096u)] : null;
            fixed (byte* insns = p.Instructions)
            fixed (byte* lic = license)
            fixed (byte* fi = p.FuncInfo)
            fixed (byte* li = p.LineInfo)
            fixed (byte* lb = logBuf)
            {
                var attr = new ProgLoadAttr
                {
                    ProgType = p.ProgType,
                    InsnCount = (uint)(p.Instructions.Length / 8),
                    Insns = (ulong)insns,
                    License = (ulong)lic,
                    ExpectedAttachType = p.ExpectedAttachType,
                    AttachBtfId = p.AttachBtfId,
                    ProgFlags = p.Flags,
                };
                if (logBuf != null)
                {
                    attr.LogLevel = logLevel;
                    attr.LogSize = (uint)logBuf.Length;
                    attr.LogBuf = (ulong)lb;
                }
                if (p.BtfFd >= 0 && (p.FuncInfoCount > 0 || p.LineInfoCount > 0))
                {
                    attr.ProgBtfFd = (uint)p.BtfFd;
                    if (p.FuncInfoCount > 0)
                    {
                        attr.FuncInfoRecSize = p.FuncInfoRecSize;
                        attr.FuncInfo = (ulong)fi;
                        attr.FuncInfoCount = p.FuncInfoCount;
                    }
                    if (p.LineInfoCount > 0)
                    {
                        attr.LineInfoRecSize = p.LineInfoRecSize;
                        attr.LineInfo = (ulong)li;
                        attr.LineInfoCount = p.LineInfoCount;
                    }
                }
                MemoryMarshal.Write(a, in attr);
                WriteObjName(a, ProgLoadAttr.NameOffset, p.Name ?? "");
                int fd = (int)Native.Bpf(BpfCommand.ProgLoad, a, out errno);
                log = logBuf != null ? CString(logBuf) : "";
                return fd;
            }
        }

        // ---- BTF ----------------------------------------------------------------------

        internal static int BtfLoad(byte[] btf, uint logLevel, uint logSize, out string log, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            byte[]? logBuf = logLevel > 0 ? new byte[Math.Max(logSize, 4096u)] : null;
            fixed (byte* b = btf)
            fixed (byte* lb = logBuf)
            {
                var attr = new BtfLoadAttr { Btf = (ulong)b, BtfSize = (uint)btf.Length };
                if (logBuf != null)
                {
                    attr.LogBuf = (ulong)lb;
                    attr.LogSize = (uint)logBuf.Length;
                    attr.LogLevel = logLevel;
                }
                MemoryMarshal.Write(a, in attr);
                int fd = (int)Native.Bpf(BpfCommand.BtfLoad, a, out errno);
                log = logBuf != null ? CString(logBuf) : "";
                return fd;
            }
        }

        // ---- ids and info ---------------------------------------------------------------

        internal static List<uint> GetIds(BpfCommand cmd)
        {
            var ids = new List<uint>();
            uint start = 0;
            Span<byte> a = stackalloc byte[AttrSize];
            while (true)
            {
                a.Clear();
                var attr = new GetNextIdAttr { StartId = start };
                MemoryMarshal.Write(a, in attr);
                if (Native.Bpf(cmd, a, out int errno) < 0)
                {
                    if (errno == Native.ENOENT) break;
                    throw BpfErrors.FromErrno(errno, $"listing kernel object ids ({cmd})");
                }
                start = MemoryMarshal.Read<GetNextIdAttr>(a).NextId;
                ids.Add(start);
            }
            return ids;
        }

        /// <summary>BPF_OBJ_GET_INFO_BY_FD into <paramref name="info"/>; returns the length the kernel filled.</summary>
        internal static int ObjGetInfo(int fd, Span<byte> info, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            fixed (byte* p = info)
            {
                var attr = new ObjGetInfoAttr { BpfFd = (uint)fd, InfoLength = (uint)info.Length, Info = (ulong)p };
                MemoryMarshal.Write(a, in attr);
                int r = (int)Native.Bpf(BpfCommand.ObjGetInfoByFd, a, out errno);
                return r < 0 ? r : (int)MemoryMarshal.Read<ObjGetInfoAttr>(a).InfoLength;
            }
        }

        /// <summary>The kernel id of a BPF object (program, map, link, BTF): the u32 at offset 4 of its info, 0 for BTF at offset 8.</summary>
        internal static uint ObjId(int fd, int idOffset)
        {
            Span<byte> info = stackalloc byte[64];
            info.Clear();
            if (ObjGetInfo(fd, info, out _) < 0) return 0;
            return R32(info, idOffset);
        }

        /// <summary>BPF_PROG_TEST_RUN with a context only (raw_tp, syscall programs); returns the program's return value.</summary>
        /// <remarks>A syscall program's kernel copies the context it leaves back into <paramref name="context"/>'s memory.</remarks>
        internal static int ProgTestRun(int progFd, ReadOnlySpan<byte> context, out uint returnValue, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            fixed (byte* ctx = context)
            {
                var attr = new ProgTestRunAttr { ProgFd = (uint)progFd, ContextSizeIn = (uint)context.Length, ContextIn = context.Length == 0 ? 0 : (ulong)ctx };
                MemoryMarshal.Write(a, in attr);
                int r = (int)Native.Bpf(BpfCommand.ProgTestRun, a, out errno);
                returnValue = MemoryMarshal.Read<ProgTestRunAttr>(a).ReturnValue;
                return r;
            }
        }

        /// <summary>BPF_PROG_TEST_RUN with a packet (XDP, tc, socket filter programs): the result in <paramref name="result"/>.</summary>
        internal static int ProgTestRunPacket(int progFd, ReadOnlySpan<byte> packet, Span<byte> packetOut, uint repeat, out ProgTestRunAttr result, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            fixed (byte* data = packet)
            fixed (byte* dataOut = packetOut)
            {
                var attr = new ProgTestRunAttr
                {
                    ProgFd = (uint)progFd,
                    DataSizeIn = (uint)packet.Length,
                    DataIn = (ulong)data,
                    DataSizeOut = (uint)packetOut.Length,
                    DataOut = (ulong)dataOut,
                    Repeat = repeat,
                };
                MemoryMarshal.Write(a, in attr);
                int r = (int)Native.Bpf(BpfCommand.ProgTestRun, a, out errno);
                result = MemoryMarshal.Read<ProgTestRunAttr>(a);
                return r;
            }
        }

        // ---- pins -----------------------------------------------------------------------

        /// <summary>BPF_OBJ_PIN: makes <paramref name="path"/> on a BPF filesystem hold the object of <paramref name="fd"/>.</summary>
        internal static int ObjPin(int fd, string path, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            byte[] name = Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* pn = name)
            {
                var attr = new ObjPinAttr { PathName = (ulong)pn, BpfFd = (uint)fd };
                MemoryMarshal.Write(a, in attr);
                return (int)Native.Bpf(BpfCommand.ObjPin, a, out errno);
            }
        }

        /// <summary>BPF_OBJ_GET: a new descriptor of the object pinned at <paramref name="path"/>.</summary>
        internal static int ObjGet(string path, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            byte[] name = Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* pn = name)
            {
                var attr = new ObjPinAttr { PathName = (ulong)pn };
                MemoryMarshal.Write(a, in attr);
                return (int)Native.Bpf(BpfCommand.ObjGet, a, out errno);
            }
        }

        // ---- links ----------------------------------------------------------------------

        internal static int LinkCreate(int progFd, int targetFd, uint attachType, uint flags, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            var attr = new LinkCreateAttr { ProgFd = (uint)progFd, TargetFd = (uint)targetFd, AttachType = attachType, Flags = flags };
            MemoryMarshal.Write(a, in attr);
            return (int)Native.Bpf(BpfCommand.LinkCreate, a, out errno);
        }

        /// <summary>BPF_LINK_CREATE of a netfilter program to a hook of this network namespace.</summary>
        internal static int LinkCreateNetfilter(int progFd, uint protocolFamily, uint hook, int priority, uint flags, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            var attr = new LinkCreateNetfilterAttr
            {
                ProgFd = (uint)progFd, AttachType = (uint)KernelModel.AttachType.Netfilter, ProtocolFamily = protocolFamily, Hook = hook, Priority = priority, NetfilterFlags = flags,
            };
            MemoryMarshal.Write(a, in attr);
            return (int)Native.Bpf(BpfCommand.LinkCreate, a, out errno);
        }

        /// <summary>BPF_LINK_CREATE of a program to the perf event <paramref name="perfFd"/>, with an attach cookie.</summary>
        internal static int LinkCreatePerfEvent(int progFd, int perfFd, ulong cookie, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            var attr = new LinkCreatePerfEventAttr { ProgFd = (uint)progFd, TargetFd = (uint)perfFd, AttachType = (uint)KernelModel.AttachType.PerfEvent, BpfCookie = cookie };
            MemoryMarshal.Write(a, in attr);
            return (int)Native.Bpf(BpfCommand.LinkCreate, a, out errno);
        }

        /// <summary>
        /// BPF_LINK_CREATE of an iterator program; <paramref name="mapFd"/> (or -1) names the map a map iterator walks,
        /// <paramref name="processId"/> (or 0) the process a task iterator is limited to.
        /// </summary>
        internal static int LinkCreateIterator(int progFd, int mapFd, int processId, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            // union bpf_iter_link_info: { map_fd } for map iterators, { tid, pid, pid_fd } for task ones; 16 bytes.
            Span<uint> info = stackalloc uint[4];
            info.Clear();
            if (mapFd >= 0) info[0] = (uint)mapFd;
            else if (processId > 0) info[1] = (uint)processId;
            bool any = mapFd >= 0 || processId > 0;
            fixed (uint* pi = info)
            {
                var attr = new LinkCreateIterAttr
                {
                    ProgFd = (uint)progFd, AttachType = (uint)KernelModel.AttachType.TraceIter,
                    IterInfo = any ? (ulong)pi : 0, IterInfoLength = any ? 16u : 0,
                };
                MemoryMarshal.Write(a, in attr);
                return (int)Native.Bpf(BpfCommand.LinkCreate, a, out errno);
            }
        }

        /// <summary>BPF_ITER_CREATE: a descriptor that reads one walk of the iterator link <paramref name="linkFd"/>.</summary>
        internal static int IterCreate(int linkFd, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            var attr = new IterCreateAttr { LinkFd = (uint)linkFd };
            MemoryMarshal.Write(a, in attr);
            return (int)Native.Bpf(BpfCommand.IterCreate, a, out errno);
        }

        /// <summary>BPF_LINK_CREATE of a kprobe_multi link: the program on the kernel functions named <paramref name="functions"/>, each with its cookie.</summary>
        internal static int LinkCreateKprobeMulti(int progFd, IReadOnlyList<string> functions, ReadOnlySpan<ulong> cookies, bool returnProbes, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            // The names, NUL-terminated, in one block; an array of pointers into it.
            var names = new List<byte>();
            var starts = new int[functions.Count];
            for (int i = 0; i < functions.Count; i++)
            {
                starts[i] = names.Count;
                names.AddRange(Encoding.ASCII.GetBytes(functions[i]));
                names.Add(0);
            }
            byte[] block = names.ToArray();
            var pointers = new ulong[functions.Count];
            fixed (byte* pb = block)
            fixed (ulong* pp = pointers)
            fixed (ulong* pc = cookies)
            {
                for (int i = 0; i < pointers.Length; i++) pointers[i] = (ulong)(pb + starts[i]);
                var attr = new LinkCreateKprobeMultiAttr
                {
                    ProgFd = (uint)progFd, AttachType = (uint)KernelModel.AttachType.TraceKprobeMulti, MultiFlags = returnProbes ? 1u : 0u,
                    Count = (uint)functions.Count, Symbols = (ulong)pp, Cookies = (ulong)pc,
                };
                MemoryMarshal.Write(a, in attr);
                return (int)Native.Bpf(BpfCommand.LinkCreate, a, out errno);
            }
        }

        /// <summary>BPF_LINK_CREATE of a uprobe_multi link: the program at <paramref name="offsets"/> of <paramref name="path"/>, each with its cookie.</summary>
        internal static int LinkCreateUprobeMulti(int progFd, string path, ReadOnlySpan<ulong> offsets, ReadOnlySpan<ulong> cookies, bool returnProbes, int pid, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            byte[] name = Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* pn = name)
            fixed (ulong* po = offsets)
            fixed (ulong* pc = cookies)
            {
                var attr = new LinkCreateUprobeMultiAttr
                {
                    ProgFd = (uint)progFd, AttachType = (uint)KernelModel.AttachType.TraceUprobeMulti, Path = (ulong)pn, Offsets = (ulong)po,
                    Cookies = (ulong)pc, Count = (uint)offsets.Length, MultiFlags = returnProbes ? 1u : 0u, Pid = pid > 0 ? (uint)pid : 0,
                };
                MemoryMarshal.Write(a, in attr);
                return (int)Native.Bpf(BpfCommand.LinkCreate, a, out errno);
            }
        }

        /// <summary>BPF_RAW_TRACEPOINT_OPEN; a null <paramref name="name"/> attaches a tracing program where its BTF id says.</summary>
        internal static int RawTracepointOpen(string? name, int progFd, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            byte[] n = Encoding.ASCII.GetBytes((name ?? "") + "\0");
            fixed (byte* pn = n)
            {
                var attr = new RawTracepointOpenAttr { Name = name is null ? 0 : (ulong)pn, ProgFd = (uint)progFd };
                MemoryMarshal.Write(a, in attr);
                return (int)Native.Bpf(BpfCommand.RawTracepointOpen, a, out errno);
            }
        }

        /// <summary>
        /// perf_event_open for a tracepoint (PERF_TYPE_TRACEPOINT): a counting event, enabled from the start (it records
        /// nothing, and a program runs on it only once attached), which spares the kernel the work of enabling it later.
        /// </summary>
        internal static int PerfEventOpenTracepoint(ulong tracepointId, int pid, int cpu, out int errno)
        {
            var attr = new PerfEventAttr
            {
                Type = PerfEventAttr.TypeTracepoint,
                Size = PerfEventAttr.SizeVer7,
                Config = tracepointId,
            };
            return Native.PerfEventOpen((byte*)&attr, pid, cpu, -1, Native.PerfFlagFdCloexec, out errno);
        }

        /// <summary>
        /// perf_event_open of the software event <c>bpf_perf_event_output</c> writes to, on <paramref name="cpu"/> for every
        /// process, sampling raw records, waking the reader for each.
        /// </summary>
        internal static int PerfEventOpenBpfOutput(int cpu, out int errno)
        {
            var attr = new PerfEventAttr
            {
                Type = PerfEventAttr.TypeSoftware,
                Size = PerfEventAttr.SizeVer7,
                Config = PerfEventAttr.CountSwBpfOutput,
                SamplePeriod = 1,
                SampleType = PerfEventAttr.SampleRaw,
                WakeupEvents = 1,
            };
            return Native.PerfEventOpen((byte*)&attr, -1, cpu, -1, Native.PerfFlagFdCloexec, out errno);
        }

        internal static string CString(ReadOnlySpan<byte> buf)
        {
            int n = buf.IndexOf((byte)0);
            if (n < 0) n = buf.Length;
            return Encoding.UTF8.GetString(buf.Slice(0, n));
        }
    }
}
