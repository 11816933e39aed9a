using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>
    /// Uprobes and uretprobes (a function of an executable or library, found by its ELF symbols) and kprobes and
    /// kretprobes (a kernel function by name), each a perf event of its PMU linked to the program.
    /// </summary>
    public sealed partial class BpfProgramHandle
    {
        private const string UprobePmu = "/sys/bus/event_source/devices/uprobe";

        /// <summary>
        /// Attaches the program, a <c>[Uprobe]</c> or <c>[Uretprobe]</c> program (or any of type <c>Kprobe</c> loaded from a
        /// <c>uprobe</c> section), to a function of a user-space binary: at its entry (plus <paramref name="offset"/>), or
        /// at its returns when <paramref name="returnProbe"/>.
        /// </summary>
        /// <param name="binary">An absolute path, or a library name (<c>libc</c>, <c>libssl.so.3</c>) found in this process's mappings or the standard library directories.</param>
        /// <param name="function">The function's symbol (<c>.symtab</c> or <c>.dynsym</c>, without a version).</param>
        /// <param name="offset">Bytes past the function's start.</param>
        /// <param name="returnProbe">True for a uretprobe.</param>
        /// <param name="processId">The process to probe in; -1 for every process that runs the binary.</param>
        /// <returns>The link; disposing it detaches the program.</returns>
        /// <exception cref="BpfException">The binary or function was not found, or the kernel refused the probe.</exception>
        public BpfLink AttachUprobe(string binary, string function, ulong offset = 0, bool returnProbe = false, int processId = -1)
        {
            ArgumentNullException.ThrowIfNull(binary);
            ArgumentNullException.ThrowIfNull(function);
            _owner.ThrowIfDisposed();
            if (Type != BpfProgramType.Kprobe)
                throw new BpfException($"Program '{Name}' is a {Type} program; a uprobe runs programs of type Kprobe (declare it with [Uprobe] or [Uretprobe]).");
            string path = ResolveBinary(binary);
            var symbols = ElfSymbolFile.TryLoad(path)
                ?? throw new BpfException($"'{path}' is not a 64-bit ELF file this loader can read symbols from.");
            ulong address = symbols.AddressOf(function)
                ?? throw new BpfException($"'{path}' has no function named '{function}' in its symbol tables (.symtab, .dynsym).");
            ulong fileOffset = symbols.FileOffsetOfAddress(address + offset)
                ?? throw new BpfException($"Function '{function}' (+{offset}) of '{path}' is not in a loadable segment of the file.");
            return Track(OpenUprobe(path, function, fileOffset, returnProbe, processId));
        }

        private const string KprobePmu = "/sys/bus/event_source/devices/kprobe";

        /// <summary>
        /// Attaches the program (a <c>[Kprobe]</c> program, of type <c>Kprobe</c>) to kernel function
        /// <paramref name="function"/>: at its entry (plus <paramref name="offset"/>), or at its returns when
        /// <paramref name="returnProbe"/>.
        /// </summary>
        /// <exception cref="BpfException">The kernel has no kprobes, no such function, or refused the probe.</exception>
        public BpfLink AttachKprobe(string function, ulong offset = 0, bool returnProbe = false)
        {
            ArgumentNullException.ThrowIfNull(function);
            _owner.ThrowIfDisposed();
            if (Type != BpfProgramType.Kprobe)
                throw new BpfException($"Program '{Name}' is a {Type} program; a kprobe runs programs of type Kprobe (declare it with [Kprobe]).");
            if (!System.IO.Directory.Exists(KprobePmu))
                throw new BpfException($"This kernel has no kprobes ({KprobePmu} does not exist: it is built without CONFIG_KPROBES or CONFIG_KPROBE_EVENTS), "
                    + $"so program '{Name}' loaded but cannot attach to '{function}'. Use a tracepoint, a raw tracepoint or (with BTF) an fentry program where the kernel offers one.", Native.ENOENT);
            return Track(OpenProbe(KprobePmu, function, function + (offset == 0 ? "" : "+" + offset), offset, returnProbe, -1, "kprobe"));
        }

        private BpfLink AttachKprobeFromSection()
        {
            string target = SectionName.Substring(SectionName.IndexOf('/') + 1);
            ulong offset = 0;
            int plus = target.IndexOf('+');
            if (plus > 0 && ulong.TryParse(target.Substring(plus + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong parsed))
            {
                offset = parsed;
                target = target.Substring(0, plus);
            }
            if (target.Length == 0) throw new BpfException($"Program '{Name}' is in section '{SectionName}', which names no kernel function; attach it with AttachKprobe(function).");
            return AttachKprobe(target, offset, SectionName.StartsWith("kretprobe", StringComparison.Ordinal));
        }

        private BpfLink AttachUprobeFromSection()
        {
            // uprobe/<binary>:<function>[+<offset>]; the binary may itself hold ':' (a path), the function cannot.
            string target = SectionName.Substring(SectionName.IndexOf('/') + 1);
            bool returnProbe = SectionName.StartsWith("uretprobe", StringComparison.Ordinal);
            int colon = target.LastIndexOf(':');
            if (colon <= 0 || colon == target.Length - 1)
                throw new BpfException($"Program '{Name}' is in section '{SectionName}', which does not name a binary and a function as uprobe/<binary>:<function> does; attach it with AttachUprobe(binary, function).");
            string binary = target.Substring(0, colon), function = target.Substring(colon + 1);
            ulong offset = 0;
            int plus = function.IndexOf('+');
            if (plus > 0)
            {
                string text = function.Substring(plus + 1);
                bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
                if (!ulong.TryParse(hex ? text.Substring(2) : text, hex ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                    throw new BpfException($"Section '{SectionName}' gives the offset '{text}', which is not a number.");
                function = function.Substring(0, plus);
            }
            return AttachUprobe(binary, function, offset, returnProbe);
        }

        private BpfLink OpenUprobe(string path, string function, ulong fileOffset, bool returnProbe, int processId)
            => OpenProbe(UprobePmu, path, path + ":" + function, fileOffset, returnProbe, processId, "uprobe");

        /// <summary>
        /// A perf event of the uprobe or kprobe PMU (<paramref name="pmu"/>): <paramref name="target"/> (a file's path, or a
        /// kernel function's name) at <paramref name="offset"/>, linked to the program.
        /// </summary>
        private BpfLink OpenProbe(string pmu, string target, string description, ulong offset, bool returnProbe, int processId, string kind)
        {
            int pmuType = ReadPmuNumber(pmu + "/type", "the " + kind + " event source");
            ulong config = 0;
            if (returnProbe)
            {
                // format/retprobe reads "config:<bit>".
                string format = ReadSysfsText(pmu + "/format/retprobe");
                int at = format.IndexOf(':');
                if (at < 0 || !int.TryParse(format.Substring(at + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int bit) || bit > 63)
                    throw new BpfException($"Cannot read which bit asks for a return probe from {pmu}/format/retprobe ('{format.Trim()}').");
                config = 1UL << bit;
            }
            int pfd, errno;
            unsafe
            {
                byte[] name = Encoding.UTF8.GetBytes(target + "\0");
                fixed (byte* p = name)
                {
                    var attr = new PerfEventAttr
                    {
                        Type = (uint)pmuType,
                        Size = PerfEventAttr.SizeVer7,
                        Config = config,
                        Config1 = (ulong)p,
                        Config2 = offset,
                    };
                    // Every process (pid -1) needs a CPU: the probe is on the file, so CPU 0 covers all CPUs, as libbpf does.
                    pfd = Native.PerfEventOpen(&attr, processId, processId < 0 ? 0 : -1, -1, Native.PerfFlagFdCloexec, out errno);
                }
            }
            string what = (returnProbe ? kind.Replace("probe", "retprobe") : kind) + " " + description + (processId < 0 ? "" : " in process " + processId);
            if (pfd < 0)
                throw BpfErrors.FromErrno(errno, $"to open a perf event for {what} (perf_event_open, offset 0x{offset:x})",
                    errno switch
                    {
                        Native.ESRCH => $"There is no process {processId}.",
                        Native.ENOENT or Native.EINVAL when kind == "kprobe" => $"The kernel has no function '{target}' it can probe (see /proc/kallsyms; inlined and notrace functions cannot be).",
                        Native.EPERM or Native.EACCES => "Run as root or grant CAP_PERFMON and CAP_BPF.",
                        _ => null,
                    });
            var perf = new BpfFileDescriptor(pfd);
            try
            {
                int lfd = CreateLink(pfd, AttachType.PerfEvent, 0, out errno);
                if (lfd < 0) throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to {what} (BPF_LINK_CREATE)");
                return new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor> { perf });
            }
            catch
            {
                perf.Dispose();
                throw;
            }
        }

        /// <summary>
        /// The file a binary name means: an absolute path as it is; a library name (<c>libc</c>, <c>libc.so.6</c>) as the
        /// file this process has mapped whose name starts with it, else the first match in the standard library directories.
        /// </summary>
        internal static string ResolveBinary(string binary)
        {
            if (binary.StartsWith("/", StringComparison.Ordinal))
            {
                if (!File.Exists(binary)) throw new BpfException($"'{binary}' does not exist.", Native.ENOENT);
                return binary;
            }
            string stem = binary.StartsWith("lib", StringComparison.Ordinal) || binary.Contains(".so", StringComparison.Ordinal) ? binary : "lib" + binary;
            bool Matches(string fileName) => fileName == stem || fileName.StartsWith(stem + ".so", StringComparison.Ordinal) || fileName.StartsWith(stem + "-", StringComparison.Ordinal);
            try
            {
                foreach (string line in File.ReadLines("/proc/self/maps"))
                {
                    int slash = line.IndexOf('/');
                    if (slash < 0) continue;
                    string path = line.Substring(slash).Trim();
                    if (Matches(Path.GetFileName(path)) && File.Exists(path)) return path;
                }
            }
            catch (IOException)
            {
            }
            string machine = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
            foreach (string directory in new[] { "/lib/" + machine, "/usr/lib/" + machine, "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib" })
            {
                if (!Directory.Exists(directory)) continue;
                foreach (string file in Directory.EnumerateFiles(directory, stem + "*"))
                {
                    if (Matches(Path.GetFileName(file))) return file;
                }
            }
            throw new BpfException($"Library '{binary}' was not found in this process's mappings or the standard library directories; give its absolute path.", Native.ENOENT);
        }

        private static int ReadPmuNumber(string path, string what)
        {
            string text = ReadSysfsText(path);
            if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
                throw new BpfException($"Cannot read the type of {what} from {path} ('{text.Trim()}').");
            return value;
        }

        private static string ReadSysfsText(string path)
        {
            Span<byte> buffer = stackalloc byte[64];
            int read = Native.ReadSmallFile(path, buffer, out int errno);
            if (read < 0)
                throw BpfErrors.FromErrno(errno, $"to read {path}",
                    errno == Native.ENOENT ? "The kernel has no such event source (is it built with CONFIG_UPROBE_EVENTS, and is sysfs mounted?)." : null);
            return Encoding.ASCII.GetString(buffer[..read]);
        }
    }
}
