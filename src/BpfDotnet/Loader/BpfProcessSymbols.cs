using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace BpfDotnet
{
    /// <summary>
    /// Resolves user-space addresses of one process to symbols: an address in a file mapping (<c>/proc/PID/maps</c>) to the
    /// function of that executable or shared object that contains it (its ELF <c>.symtab</c> and <c>.dynsym</c>), and an
    /// address in code generated at run time to the name the runtime wrote to <c>/tmp/perf-PID.map</c> (.NET writes it
    /// when the process runs with <c>DOTNET_PerfMapEnabled=1</c>; so do the JVM's and V8's perf-map agents).
    /// </summary>
    /// <remarks>
    /// The mappings are read when first needed; call <see cref="Refresh"/> after the process loads more code. Each file's
    /// symbols are read once. A process that has exited, or an address no mapping holds, resolves to a frame with no
    /// symbol rather than an exception, since stacks often outlive the processes they were taken in.
    /// </remarks>
    public sealed class BpfProcessSymbols
    {
        private readonly Dictionary<string, ElfSymbolFile?> _files = new(StringComparer.Ordinal);
        private List<Mapping>? _mappings;
        private PerfMap? _perfMap;

        /// <summary>Creates a resolver for the process <paramref name="processId"/>.</summary>
        public BpfProcessSymbols(int processId)
        {
            if (processId <= 0) throw new ArgumentOutOfRangeException(nameof(processId), processId, "A process id is positive.");
            ProcessId = processId;
        }

        /// <summary>The process whose addresses are resolved.</summary>
        public int ProcessId { get; }

        /// <summary>Forgets the mappings and the perf map, so the next resolution reads them again (files' symbols are kept).</summary>
        public void Refresh()
        {
            _mappings = null;
            _perfMap = null;
        }

        /// <summary>
        /// The frame of <paramref name="address"/>: the function that contains it, its offset there, and the file (or
        /// <c>[perf-map]</c>) it comes from; the address alone when nothing names it.
        /// </summary>
        public BpfStackFrame Resolve(ulong address)
        {
            var mappings = _mappings ??= ReadMappings();
            string? module = null;
            foreach (var mapping in mappings)
            {
                if (address < mapping.Start || address >= mapping.End) continue;
                // A file mapping of an ELF file: its symbols. Others (anonymous memory, and the memfd mappings .NET
                // writes its code through) hold code a runtime generated.
                if (mapping.Path.StartsWith('/') && SymbolsOf(mapping.Path) is ElfSymbolFile file)
                {
                    module = Path.GetFileName(mapping.Path);
                    if (file.AddressOfFileOffset(address - mapping.Start + mapping.Offset) is ulong at && file.Resolve(at) is var (name, offset))
                        return new BpfStackFrame(address, name, offset, module);
                }
                break;
            }
            if (module is null)
            {
                var perfMap = _perfMap ??= PerfMap.Read("/tmp/perf-" + ProcessId.ToString(CultureInfo.InvariantCulture) + ".map");
                if (perfMap.Resolve(address) is var (jitted, jittedOffset)) return new BpfStackFrame(address, jitted, jittedOffset, "[perf-map]");
            }
            return new BpfStackFrame(address, null, 0, module);
        }

        private ElfSymbolFile? SymbolsOf(string path)
        {
            if (_files.TryGetValue(path, out var known)) return known;
            // The process may see another file system (a container): read the file through its root.
            string rooted = "/proc/" + ProcessId.ToString(CultureInfo.InvariantCulture) + "/root" + path;
            var file = ElfSymbolFile.TryLoad(File.Exists(rooted) ? rooted : path);
            _files[path] = file;
            return file;
        }

        private List<Mapping> ReadMappings()
        {
            var mappings = new List<Mapping>();
            string[] lines;
            try
            {
                lines = File.ReadAllLines("/proc/" + ProcessId.ToString(CultureInfo.InvariantCulture) + "/maps");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return mappings;
            }
            foreach (string line in lines)
            {
                if (Mapping.TryParse(line) is Mapping mapping) mappings.Add(mapping);
            }
            return mappings;
        }

        /// <summary>One line of <c>/proc/PID/maps</c>: <c>start-end perms offset dev inode path</c>.</summary>
        private readonly record struct Mapping(ulong Start, ulong End, ulong Offset, string Path)
        {
            public static Mapping? TryParse(string line)
            {
                var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 5) return null;
                int dash = fields[0].IndexOf('-');
                if (dash < 0
                    || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
                    || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end)
                    || !ulong.TryParse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong offset))
                    return null;
                string path = fields.Length == 6 ? fields[5].Trim() : "";
                const string Deleted = " (deleted)";
                if (path.EndsWith(Deleted, StringComparison.Ordinal)) path = path[..^Deleted.Length];
                return new Mapping(start, end, offset, path);
            }
        }

        /// <summary>A perf map: lines of <c>START SIZE name</c>, the numbers in hexadecimal.</summary>
        private sealed class PerfMap
        {
            private readonly SymbolIndex _symbols;

            private PerfMap(SymbolIndex symbols) => _symbols = symbols;

            public static PerfMap Read(string path)
            {
                var entries = new List<(ulong Start, ulong Size, string Name)>();
                try
                {
                    if (File.Exists(path))
                    {
                        foreach (string line in File.ReadLines(path))
                        {
                            // .NET writes "0x7f135b0edf10 11 name"; perf's format has no 0x.
                            var text = line.StartsWith("0x", StringComparison.Ordinal) ? line.AsSpan(2) : line.AsSpan();
                            int first = text.IndexOf(' ');
                            int second = first < 0 ? -1 : text[(first + 1)..].IndexOf(' ') + first + 1;
                            if (first < 0 || second <= first
                                || !ulong.TryParse(text[..first], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
                                || !ulong.TryParse(text[(first + 1)..second], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong size))
                                continue;
                            entries.Add((start, size, text[(second + 1)..].ToString()));
                        }
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
                // Code can be replaced at the same address (tiered compilation): the last line written for it wins. An
                // entry of no size holds its start address only.
                var byStart = new Dictionary<ulong, (ulong Size, string Name)>();
                foreach (var (start, size, name) in entries) byStart[start] = (Math.Max(size, 1UL), name);
                var symbols = new List<(ulong, ulong, string, string?)>(byStart.Count);
                foreach (var pair in byStart) symbols.Add((pair.Key, pair.Value.Size, pair.Value.Name, null));
                return new PerfMap(new SymbolIndex(symbols));
            }

            public (string Name, ulong Offset)? Resolve(ulong address) => _symbols.Resolve(address) is var (name, offset, _) ? (name, offset) : null;
        }
    }
}
