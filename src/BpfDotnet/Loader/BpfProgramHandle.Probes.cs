using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
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
            var symbols = ElfSymbolFile.Load(path);
            ulong address = symbols.AddressOf(function)
                ?? throw new BpfException($"'{path}' has no function named '{function}' in its symbol tables (.symtab, .dynsym).");
            ulong fileOffset = symbols.FileOffsetOfAddress(address + offset)
                ?? throw new BpfException($"Function '{function}' (+{offset}) of '{path}' is not in a loadable segment of the file.");
            return Track(OpenUprobe(path, function, fileOffset, returnProbe, processId));
        }

        /// <summary>
        /// The functions of <paramref name="binary"/> whose names match the glob <paramref name="pattern"/> (<c>*</c> any
        /// run of characters, <c>?</c> one), in ordinal order: the order <see cref="AttachUprobeMulti(string, System.Collections.Generic.IReadOnlyList{string}, bool, int)"/> gives them their
        /// cookies in when a section names a pattern.
        /// </summary>
        /// <exception cref="BpfException">The binary was not found, or has no symbols this loader can read.</exception>
        public static IReadOnlyList<string> FindFunctions(string binary, string pattern)
        {
            ArgumentNullException.ThrowIfNull(binary);
            ArgumentNullException.ThrowIfNull(pattern);
            return FunctionsMatching(ElfSymbolFile.Load(ResolveBinary(binary)), pattern);
        }

        private static List<string> FunctionsMatching(ElfSymbolFile symbols, string pattern)
        {
            var names = new List<string>();
            foreach (string name in symbols.FunctionNames)
            {
                if (name.IndexOf('@') < 0 && Glob(pattern, name)) names.Add(name);
            }
            names.Sort(StringComparer.Ordinal);
            return names;
        }

        /// <summary>
        /// Attaches the program (of type <c>Kprobe</c>, loaded from a <c>uprobe.multi</c> or <c>uretprobe.multi</c> section) to
        /// every function of <paramref name="functions"/> in <paramref name="binary"/> with one uprobe_multi link (kernel
        /// 6.6+): at their entries, or at their returns when <paramref name="returnProbes"/>. The program tells them apart by
        /// <c>Bpf.GetAttachCookie(ref ctx)</c>: the function's index in <paramref name="functions"/>.
        /// </summary>
        /// <param name="binary">An absolute path, or a library name found as <see cref="AttachUprobe"/> finds it.</param>
        /// <param name="functions">The functions' symbols (<see cref="FindFunctions"/> lists those a pattern matches).</param>
        /// <param name="returnProbes">True for uretprobes.</param>
        /// <param name="processId">The process to probe in; -1 for every process that runs the binary.</param>
        /// <exception cref="BpfException">A function was not found, the kernel has no uprobe_multi links, or it refused the probes.</exception>
        public BpfLink AttachUprobeMulti(string binary, IReadOnlyList<string> functions, bool returnProbes = false, int processId = -1)
        {
            ArgumentNullException.ThrowIfNull(binary);
            ArgumentNullException.ThrowIfNull(functions);
            _owner.ThrowIfDisposed();
            if (Type != BpfProgramType.Kprobe || _kind.ExpectedAttach != KernelModel.AttachType.TraceUprobeMulti)
                throw new BpfException($"Program '{Name}' is in section '{SectionName}'; a uprobe_multi link runs programs loaded from a 'uprobe.multi' or 'uretprobe.multi' section (declare it with [Section(\"uprobe.multi\")]).");
            if (functions.Count == 0) throw new BpfException($"No functions to attach program '{Name}' to in '{binary}'.");
            string path = ResolveBinary(binary);
            return AttachUprobeMulti(path, ElfSymbolFile.Load(path), functions, returnProbes, processId);
        }

        /// <summary>The uprobe_multi link of <see cref="AttachUprobeMulti(string, IReadOnlyList{string}, bool, int)"/>, on a binary already read.</summary>
        private BpfLink AttachUprobeMulti(string path, ElfSymbolFile symbols, IReadOnlyList<string> functions, bool returnProbes, int processId)
        {
            var offsets = new ulong[functions.Count];
            var cookies = new ulong[functions.Count];
            for (int i = 0; i < functions.Count; i++)
            {
                ulong address = symbols.AddressOf(functions[i]) ?? throw new BpfException($"'{path}' has no function named '{functions[i]}' in its symbol tables (.symtab, .dynsym).");
                offsets[i] = symbols.FileOffsetOfAddress(address) ?? throw new BpfException($"Function '{functions[i]}' of '{path}' is not in a loadable segment of the file.");
                cookies[i] = (ulong)i;
            }
            int lfd, errno;
            using (BpfFileDescriptor.Lease lease = Fd.Acquire())
            {
                lfd = BpfSyscalls.LinkCreateUprobeMulti(lease.Fd, path, offsets, cookies, returnProbes, processId, out errno);
            }
            if (lfd < 0)
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to {functions.Count} functions of '{path}' (BPF_LINK_CREATE, uprobe_multi)",
                    errno == Native.EINVAL ? "The kernel may predate uprobe_multi links (6.6), or a function's offset is not an instruction it can probe." : null);
            string what = (returnProbes ? "uretprobe.multi " : "uprobe.multi ") + path + ":" + (functions.Count == 1 ? functions[0] : functions[0] + " and " + (functions.Count - 1) + " more");
            return Track(new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>()));
        }

        private BpfLink AttachUprobeMultiFromSection()
        {
            // uprobe.multi/<binary>:<pattern>; the binary may itself hold ':' (a path), the pattern cannot.
            string target = SectionName.Substring(SectionName.IndexOf('/') + 1);
            int colon = target.LastIndexOf(':');
            if (colon <= 0 || colon == target.Length - 1)
                throw new BpfException($"Program '{Name}' is in section '{SectionName}', which does not name a binary and a pattern as uprobe.multi/<binary>:<pattern> does; attach it with AttachUprobeMulti(binary, functions).");
            string binary = target.Substring(0, colon), pattern = target.Substring(colon + 1);
            // The binary is read once, for the names and for their offsets.
            string path = ResolveBinary(binary);
            var symbols = ElfSymbolFile.Load(path);
            var functions = FunctionsMatching(symbols, pattern);
            if (functions.Count == 0) throw new BpfException($"No function of '{binary}' matches '{pattern}' (section '{SectionName}' of program '{Name}').");
            return AttachUprobeMulti(path, symbols, functions, SectionName.StartsWith("uretprobe", StringComparison.Ordinal), -1);
        }

        /// <summary>
        /// The kernel functions whose names match the glob <paramref name="pattern"/>, in ordinal order: those ftrace can
        /// trace (<c>available_filter_functions</c>), or, where that list cannot be read, the kernel's text symbols
        /// (<c>/proc/kallsyms</c>). The order <see cref="AttachKprobeMulti"/> gives them their cookies in when a section names a pattern.
        /// </summary>
        /// <exception cref="BpfException">Neither list can be read.</exception>
        public static IReadOnlyList<string> FindKernelFunctions(string pattern)
        {
            ArgumentNullException.ThrowIfNull(pattern);
            var names = new SortedSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (string line in File.ReadLines("/sys/kernel/tracing/available_filter_functions"))
                {
                    int end = line.IndexOf(' ');
                    string name = end < 0 ? line : line.Substring(0, end);
                    if (Glob(pattern, name)) names.Add(name);
                }
                return names.ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            try
            {
                foreach (string line in File.ReadLines("/proc/kallsyms"))
                {
                    // "<address> <type> <name>[\t[module]]": text symbols only, without compiler-made clones (name.cold, name.isra.0).
                    string[] fields = line.Split(' ', 3);
                    if (fields.Length < 3 || fields[1] is not ("t" or "T")) continue;
                    string name = fields[2].Split('\t')[0];
                    if (name.IndexOf('.') < 0 && Glob(pattern, name)) names.Add(name);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BpfException("Cannot read the kernel's functions from /sys/kernel/tracing/available_filter_functions or /proc/kallsyms: " + e.Message);
            }
            return names.ToList();
        }

        /// <summary>
        /// Attaches the program (of type <c>Kprobe</c>, loaded from a <c>kprobe.multi</c> or <c>kretprobe.multi</c> section)
        /// to every kernel function of <paramref name="functions"/> with one kprobe_multi link (fprobe based, kernel 5.18+,
        /// which needs no kprobes): at their entries, or at their returns when <paramref name="returnProbes"/>. The program
        /// tells them apart by <c>Bpf.GetAttachCookie(ref ctx)</c>: the function's index in <paramref name="functions"/>.
        /// </summary>
        /// <exception cref="BpfException">The kernel has no kprobe_multi links, a function cannot be traced, or the kernel refused.</exception>
        public BpfLink AttachKprobeMulti(IReadOnlyList<string> functions, bool returnProbes = false)
        {
            ArgumentNullException.ThrowIfNull(functions);
            _owner.ThrowIfDisposed();
            if (Type != BpfProgramType.Kprobe || _kind.ExpectedAttach != KernelModel.AttachType.TraceKprobeMulti)
                throw new BpfException($"Program '{Name}' is in section '{SectionName}'; a kprobe_multi link runs programs loaded from a 'kprobe.multi' or 'kretprobe.multi' section (declare it with [Section(\"kprobe.multi\")]).");
            if (functions.Count == 0) throw new BpfException($"No kernel functions to attach program '{Name}' to.");
            var cookies = new ulong[functions.Count];
            for (int i = 0; i < cookies.Length; i++) cookies[i] = (ulong)i;
            int lfd, errno;
            using (BpfFileDescriptor.Lease lease = Fd.Acquire())
            {
                lfd = BpfSyscalls.LinkCreateKprobeMulti(lease.Fd, functions, cookies, returnProbes, out errno);
            }
            string what = (returnProbes ? "kretprobe.multi " : "kprobe.multi ") + (functions.Count == 1 ? functions[0] : functions[0] + " and " + (functions.Count - 1) + " more");
            if (lfd < 0)
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to {functions.Count} kernel functions (BPF_LINK_CREATE, kprobe_multi: {what})",
                    errno switch
                    {
                        Native.EOPNOTSUPP => "The kernel was built without fprobe (CONFIG_FPROBE), which kprobe_multi links need; a tracepoint or raw tracepoint program can often observe the same event.",
                        Native.ESRCH or Native.ENOENT or Native.EINVAL => "A function may not exist or may not be traceable (see /sys/kernel/tracing/available_filter_functions); inlined and notrace functions cannot be probed.",
                        Native.EPERM or Native.EACCES => "The kernel refuses function tracing here even to root (a lockdown or security policy); a tracepoint or raw tracepoint program can often observe the same event.",
                        _ => null,
                    });
            return Track(new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>()));
        }

        private BpfLink AttachKprobeMultiFromSection()
        {
            string pattern = SectionName.Substring(SectionName.IndexOf('/') + 1);
            var functions = FindKernelFunctions(pattern);
            if (functions.Count == 0) throw new BpfException($"No kernel function matches '{pattern}' (section '{SectionName}' of program '{Name}').", Native.ENOENT);
            return AttachKprobeMulti(functions, SectionName.StartsWith("kretprobe", StringComparison.Ordinal));
        }

        /// <summary>A glob match: '*' any run of characters, '?' any one.</summary>
        private static bool Glob(string pattern, string name)
        {
            int p = 0, n = 0, star = -1, mark = 0;
            while (n < name.Length)
            {
                if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n])) { p++; n++; }
                else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = n; }
                else if (star >= 0) { p = star + 1; n = ++mark; }
                else return false;
            }
            while (p < pattern.Length && pattern[p] == '*') p++;
            return p == pattern.Length;
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
            if (SectionName.StartsWith("ksyscall/", StringComparison.Ordinal) || SectionName.StartsWith("kretsyscall/", StringComparison.Ordinal))
            {
                // libbpf's ksyscall: a probe on the system call's wrapper for this architecture (its pt_regs argument holds the caller's registers).
                if (KernelModel.SyscallNumbers.Of(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture) is not { } numbers)
                    throw new BpfException($"Program '{Name}' is in section '{SectionName}', but this loader does not know the system call functions of {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}; attach it with AttachKprobe(function).");
                return AttachKprobe(numbers.WrapperPrefix + target, offset, SectionName.StartsWith("kretsyscall", StringComparison.Ordinal));
            }
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
        /// <param name="pmu">The PMU's directory under <c>/sys/bus/event_source/devices</c>.</param>
        /// <param name="target">The file's path (uprobe) or the function's name (kprobe).</param>
        /// <param name="description">What the link's description and errors call the probe.</param>
        /// <param name="offset">The file offset (uprobe) or the offset into the function (kprobe).</param>
        /// <param name="returnProbe">A return probe (uretprobe, kretprobe).</param>
        /// <param name="processId">The process to probe (uprobes), or -1 for every process.</param>
        /// <param name="kind">"uprobe" or "kprobe", for messages.</param>
        /// <param name="refCounterOffset">A uprobe's semaphore (a USDT probe's), as a file offset the kernel counts attached probes in; 0 for none.</param>
        /// <param name="cookie">What <c>bpf_get_attach_cookie</c> gives the program at this probe.</param>
        private BpfLink OpenProbe(string pmu, string target, string description, ulong offset, bool returnProbe, int processId, string kind,
            ulong refCounterOffset = 0, ulong cookie = 0)
        {
            int pmuType = ReadPmuNumber(pmu + "/type", "the " + kind + " event source");
            // The uprobe PMU takes the semaphore's offset in config's upper half (format/ref_ctr_offset: config:32-63).
            ulong config = refCounterOffset << 32;
            if (returnProbe)
            {
                // format/retprobe reads "config:<bit>".
                string format = ReadSysfsText(pmu + "/format/retprobe");
                int at = format.IndexOf(':');
                if (at < 0 || !int.TryParse(format.Substring(at + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int bit) || bit > 63)
                    throw new BpfException($"Cannot read which bit asks for a return probe from {pmu}/format/retprobe ('{format.Trim()}').");
                config |= 1UL << bit;
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
            // The link holds the event: its own descriptor is closed once the link is made, so that detaching is one close.
            int lfd;
            using (new BpfFileDescriptor(pfd))
            using (BpfFileDescriptor.Lease prog = Fd.Acquire())
            {
                lfd = BpfSyscalls.LinkCreatePerfEvent(prog.Fd, pfd, cookie, out errno);
            }
            if (lfd < 0) throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to {what} (BPF_LINK_CREATE)");
            return new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>());
        }

        /// <summary>
        /// The file a binary name means: an absolute path as it is; a library name (<c>libc</c>, <c>libc.so.6</c>) as the
        /// file this process has mapped whose name starts with it, else the first match in the standard library directories;
        /// else a program of that name on <c>PATH</c> (<c>python3</c>).
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
            // A program's name (python3), as a shell finds it on PATH.
            if (binary.IndexOf('/') < 0)
            {
                foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
                {
                    string candidate = Path.Combine(directory, binary);
                    if (File.Exists(candidate)) return candidate;
                }
            }
            throw new BpfException($"Library '{binary}' was not found in this process's mappings or the standard library directories, nor a program of that name on PATH; give its absolute path.", Native.ENOENT);
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
