using System;
using System.Collections.Generic;
using System.IO;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;

namespace BpfDotnet
{
    /// <summary>
    /// The function symbols of an executable or shared object (<c>.symtab</c> and <c>.dynsym</c>, read with ELFSharp) and
    /// its loadable segments, which map file offsets to the addresses the symbols are given at.
    /// </summary>
    internal sealed class ElfSymbolFile
    {
        private readonly SymbolIndex _symbols;
        private readonly (ulong Offset, ulong Address, ulong Size)[] _segments;
        private readonly Dictionary<string, ulong> _byName;

        /// <summary>A USDT probe of the file's <c>.note.stapsdt</c>: its address and its semaphore's (0: none), adjusted as <c>.stapsdt.base</c> says.</summary>
        internal readonly record struct UsdtProbe(string Provider, string Name, ulong Address, ulong Semaphore, string Arguments);

        /// <summary>The USDT probes of the file, in note order.</summary>
        public IReadOnlyList<UsdtProbe> UsdtProbes { get; private set; } = Array.Empty<UsdtProbe>();

        private ElfSymbolFile(SymbolIndex symbols, (ulong, ulong, ulong)[] segments, Dictionary<string, ulong> byName)
        {
            _symbols = symbols;
            _segments = segments;
            _byName = byName;
        }

        /// <summary>The number of function symbols read.</summary>
        public int Count => _symbols.Count;

        /// <summary>Reads the file at <paramref name="path"/>, a binary a probe attaches to.</summary>
        /// <exception cref="BpfException">It is not a readable 64-bit ELF file.</exception>
        public static ElfSymbolFile Load(string path)
            => TryLoad(path) ?? throw new BpfException($"'{path}' is not a 64-bit ELF file this loader can read symbols from.");

        /// <summary>Reads the file at <paramref name="path"/>, or returns null when it is not a readable 64-bit ELF file.</summary>
        public static ElfSymbolFile? TryLoad(string path)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                return null;
            }
            IELF? elf;
            try
            {
                if (!ELFReader.TryLoad(new MemoryStream(bytes, writable: false), true, out elf) || elf is null || elf.Class != Class.Bit64) return null;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or OverflowException or IndexOutOfRangeException or EndOfStreamException)
            {
                return null;
            }
            using (elf)
            {
                try
                {
                    return Read(elf);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or OverflowException or IndexOutOfRangeException or EndOfStreamException)
                {
                    return null;
                }
            }
        }

        private static ElfSymbolFile Read(IELF elf)
        {
            var segments = new List<(ulong, ulong, ulong)>();
            foreach (var segment in elf.Segments)
            {
                if (segment is Segment<ulong> load && load.Type == SegmentType.Load)
                    segments.Add(((ulong)load.Offset, load.Address, (ulong)load.FileSize));
            }
            var symbols = new Dictionary<ulong, (ulong Size, string Name)>();
            // Every name, aliases too (getpgid and __getpgid share an address), with and without a version suffix.
            var byName = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var table in elf.GetSections<ISymbolTable>())
            {
                foreach (var entry in table.Entries)
                {
                    if (entry is not SymbolEntry<ulong> symbol || symbol.Type != SymbolType.Function || symbol.Value == 0 || symbol.Name.Length == 0) continue;
                    if (!byName.ContainsKey(symbol.Name)) byName[symbol.Name] = symbol.Value;
                    int version = symbol.Name.IndexOf('@');
                    if (version > 0 && !byName.ContainsKey(symbol.Name.Substring(0, version))) byName[symbol.Name.Substring(0, version)] = symbol.Value;
                    // The same function is often in both tables, and aliases share an address: keep the first global name.
                    if (symbols.TryGetValue(symbol.Value, out var known) && (known.Size >= symbol.Size || symbol.Binding != SymbolBinding.Global)) continue;
                    symbols[symbol.Value] = (symbol.Size, symbol.Name);
                }
            }
            var index = new List<(ulong, ulong, string, string?)>(symbols.Count);
            foreach (var pair in symbols) index.Add((pair.Key, pair.Value.Size, pair.Value.Name, null));
            return new ElfSymbolFile(new SymbolIndex(index), segments.ToArray(), byName) { UsdtProbes = ReadUsdtProbes(elf) };
        }

        /// <summary>
        /// The notes of <c>.note.stapsdt</c> (type 3, owner "stapsdt"): location, base and semaphore addresses, then the
        /// provider, the name and the argument specs as strings. Where the file has a <c>.stapsdt.base</c> section, the
        /// addresses move by its address less the base the note recorded (the file was prelinked).
        /// </summary>
        private static List<UsdtProbe> ReadUsdtProbes(IELF elf)
        {
            var probes = new List<UsdtProbe>();
            byte[]? notes = null;
            ulong? stapsdtBase = null;
            foreach (var section in elf.Sections)
            {
                if (section.Name == ".note.stapsdt" && section.Type == SectionType.Note) notes = section.GetContents();
                else if (section.Name == ".stapsdt.base" && section is Section<ulong> based) stapsdtBase = based.LoadAddress;
            }
            if (notes is null) return probes;
            int at = 0;
            while (at + 12 <= notes.Length)
            {
                int nameSize = BitConverter.ToInt32(notes, at), descSize = BitConverter.ToInt32(notes, at + 4), type = BitConverter.ToInt32(notes, at + 8);
                if (nameSize < 0 || descSize < 0) break;
                int nameAt = at + 12, descAt = nameAt + Align4(nameSize), next = descAt + Align4(descSize);
                if (next > notes.Length || next <= at) break;
                at = next;
                if (type != 3 || nameSize != 8 || CString(notes, nameAt, nameSize) != "stapsdt" || descSize < 27) continue;
                ulong location = BitConverter.ToUInt64(notes, descAt), noteBase = BitConverter.ToUInt64(notes, descAt + 8), semaphore = BitConverter.ToUInt64(notes, descAt + 16);
                int text = descAt + 24, end = descAt + descSize;
                string provider = CString(notes, text, end - text);
                text += provider.Length + 1;
                string name = text < end ? CString(notes, text, end - text) : "";
                text += name.Length + 1;
                string arguments = text < end ? CString(notes, text, end - text) : "";
                if (stapsdtBase is ulong actual && noteBase != 0)
                {
                    location += actual - noteBase;
                    if (semaphore != 0) semaphore += actual - noteBase;
                }
                if (provider.Length > 0 && name.Length > 0) probes.Add(new UsdtProbe(provider, name, location, semaphore, arguments));
            }
            return probes;
        }

        private static int Align4(int n) => (n + 3) & ~3;

        private static string CString(byte[] bytes, int start, int max)
        {
            int end = start;
            while (end < bytes.Length && end - start < max && bytes[end] != 0) end++;
            return System.Text.Encoding.UTF8.GetString(bytes, start, end - start);
        }

        /// <summary>Every function name the file's symbol tables hold (aliases, and versioned names without their version too).</summary>
        public IEnumerable<string> FunctionNames => _byName.Keys;

        /// <summary>The address the byte at <paramref name="fileOffset"/> is given by the file's segments, or null.</summary>
        public ulong? AddressOfFileOffset(ulong fileOffset)
        {
            foreach (var (offset, address, size) in _segments)
            {
                if (fileOffset >= offset && fileOffset - offset < size) return address + (fileOffset - offset);
            }
            return null;
        }

        /// <summary>The file offset of the byte at <paramref name="address"/>, or null when no segment holds it.</summary>
        public ulong? FileOffsetOfAddress(ulong address)
        {
            foreach (var (offset, start, size) in _segments)
            {
                if (address >= start && address - start < size) return offset + (address - start);
            }
            return null;
        }

        /// <summary>The function containing <paramref name="address"/> and the address's offset in it, or null.</summary>
        public (string Name, ulong Offset)? Resolve(ulong address) => _symbols.Resolve(address) is var (name, offset, _) ? (name, offset) : null;

        /// <summary>The address of the function named <paramref name="name"/> (with or without a <c>@VERSION</c> suffix), or null.</summary>
        public ulong? AddressOf(string name) => _byName.TryGetValue(name, out ulong address) ? address : null;
    }
}
