using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using static BpfDotnet.Interop.BpfSyscalls;

namespace BpfDotnet.Loader
{
    /// <summary>One section of a BPF ELF object.</summary>
    internal sealed class ElfSection
    {
        public int Index;
        public string Name = "";
        public uint Type;          // sh_type
        public ulong Flags;        // sh_flags
        public uint Link;          // sh_link
        public uint Info;          // sh_info
        public ulong Size;
        public byte[] Data = Array.Empty<byte>();   // empty for SHT_NOBITS

        public const uint ShtProgbits = 1;
        public const uint ShtSymtab = 2;
        public const uint ShtNobits = 8;
        public const uint ShtRel = 9;
        public const ulong ShfExecinstr = 0x4;

        public bool IsExecutable => Type == ShtProgbits && (Flags & ShfExecinstr) != 0;
    }

    /// <summary>One entry of the symbol table (Elf64_Sym).</summary>
    internal sealed class ElfSymbol
    {
        public int Index;
        public string Name = "";
        public byte Bind;          // STB_*
        public byte SymType;       // STT_*
        public int SectionIndex;   // st_shndx
        public ulong Value;
        public ulong Size;

        public const byte SttObject = 1;
        public const byte SttFunc = 2;
        public const byte SttSection = 3;
        public const byte StbLocal = 0;
        public const byte StbGlobal = 1;
        public const byte StbWeak = 2;
    }

    /// <summary>One Elf64_Rel entry.</summary>
    internal readonly record struct ElfRelocation(ulong Offset, uint Type, int SymbolIndex);

    /// <summary>
    /// The parts of a relocatable EM_BPF ELF object the loader needs: sections (read with ELFSharp),
    /// the symbol table and the <c>.rel*</c> sections (decoded here, so symbol indices stay exact).
    /// </summary>
    internal sealed class ElfObjectFile
    {
        public const int EmBpf = 247;

        public List<ElfSection> Sections { get; } = new List<ElfSection>();
        public List<ElfSymbol> Symbols { get; } = new List<ElfSymbol>();

        public static ElfObjectFile Parse(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
                throw new BpfException("The data is not an ELF file (bad magic). Pass the bytes of a BPF object (*.bpf.o) built by BpfDotnet or clang -target bpf.");
            if (bytes[4] != 2 || bytes[5] != 1)
                throw new BpfException("The ELF object is not 64-bit little-endian; BPF objects must be ELF64 LSB (clang -target bpf or bpfel).");
            ushort machine = (ushort)(bytes[18] | bytes[19] << 8);
            if (machine != EmBpf)
                throw new BpfException($"The ELF object's machine is {machine}, not EM_BPF (247); it is not a BPF object.");

            ValidateSectionHeaders(bytes);
            IELF elf;
            try
            {
                elf = ELFReader.Load(new MemoryStream(bytes.ToArray(), writable: false), true);
            }
            catch (Exception e)
            {
                throw new BpfException("The BPF object is not a valid ELF file: " + e.Message, e);
            }

            var obj = new ElfObjectFile();
            using (elf)
            {
                try
                {
                    ReadSections(bytes, elf, obj);
                }
                catch (Exception e) when (e is not BpfException)
                {
                    // ELFSharp reads names and contents lazily; what it cannot read is a malformed object.
                    throw new BpfException("The BPF object is not a valid ELF file: " + e.Message, e);
                }
            }
            ReadSymbols(obj);
            return obj;
        }

        /// <summary>Largest SHT_NOBITS section accepted (a .bss this large could not be a map value anyway).</summary>
        private const ulong MaxNobitsSize = 1UL << 26;

        /// <summary>
        /// Checks the section header table and every section's extent against the object before anything reads them,
        /// so that no header can make a reader run past the data or allocate more than the object holds.
        /// </summary>
        private static void ValidateSectionHeaders(ReadOnlySpan<byte> bytes)
        {
            ulong length = (ulong)bytes.Length;
            ulong shoff = R64(bytes, 0x28);
            ushort shentsize = (ushort)(bytes[0x3a] | bytes[0x3b] << 8);
            ushort shnum = (ushort)(bytes[0x3c] | bytes[0x3d] << 8);
            ushort shstrndx = (ushort)(bytes[0x3e] | bytes[0x3f] << 8);
            if (shentsize != 64 || shnum == 0 || shoff > length || (ulong)shnum * 64 > length - shoff)
                throw new BpfException($"The BPF object's section header table ({shnum} entries of {shentsize} bytes at offset {shoff}) does not lie inside the {length}-byte object; the file is truncated or corrupt.");
            if (shstrndx >= shnum)
                throw new BpfException($"The BPF object's section name table index ({shstrndx}) is not one of its {shnum} sections; the file is corrupt.");
            for (int i = 0; i < shnum; i++)
            {
                int header = (int)shoff + i * 64;
                uint type = R32(bytes, header + 4);
                ulong offset = R64(bytes, header + 24);
                ulong size = R64(bytes, header + 32);
                if (type == ElfSection.ShtNobits ? size > MaxNobitsSize : type != 0 && (offset > length || size > length - offset))
                    throw new BpfException($"Section {i} of the BPF object claims {size} bytes at offset {offset}, beyond the {length}-byte object; the file is truncated or corrupt.");
            }
        }

        private static void ReadSections(ReadOnlySpan<byte> bytes, IELF elf, ElfObjectFile obj)
        {
            // The header table was checked to lie inside the object, with 64-byte entries.
            int shoff = (int)R64(bytes, 0x28);
            int index = 0;
            foreach (ISection s in elf.Sections)
            {
                var sec = new ElfSection { Index = index++, Name = s.Name ?? "", Type = (uint)s.Type, Flags = (ulong)s.Flags };
                if (s is Section<ulong> s64)
                {
                    sec.Size = s64.Size;
                    sec.Flags = s64.RawFlags;
                }
                // ELFSharp does not expose sh_link/sh_info; read them from the section header table.
                int hdr = shoff + sec.Index * 64;
                if (hdr + 64 <= bytes.Length)
                {
                    sec.Link = R32(bytes, hdr + 40);
                    sec.Info = R32(bytes, hdr + 44);
                }
                if (sec.Type != ElfSection.ShtNobits && sec.Type != 0)
                {
                    sec.Data = s.GetContents();
                }
                obj.Sections.Add(sec);
            }
        }

        private static void ReadSymbols(ElfObjectFile obj)
        {
            ElfSection? symtab = obj.Sections.Find(s => s.Type == ElfSection.ShtSymtab);
            if (symtab == null)
                throw new BpfException("The BPF object has no symbol table (SHT_SYMTAB); it looks stripped. Do not strip BPF objects: the loader finds programs and maps by their symbols.");
            byte[] strtab = symtab.Link < obj.Sections.Count ? obj.Sections[(int)symtab.Link].Data : Array.Empty<byte>();
            ReadOnlySpan<byte> st = symtab.Data;
            for (int i = 0; i + 24 <= st.Length; i += 24)
            {
                uint nameOff = R32(st, i);
                byte info = st[i + 4];
                ushort shndx = (ushort)(st[i + 6] | st[i + 7] << 8);
                obj.Symbols.Add(new ElfSymbol
                {
                    Index = i / 24,
                    Name = ReadString(strtab, nameOff),
                    Bind = (byte)(info >> 4),
                    SymType = (byte)(info & 0xf),
                    SectionIndex = shndx,
                    Value = R64(st, i + 8),
                    Size = R64(st, i + 16),
                });
            }
        }

        public ElfSection? FindSection(string name) => Sections.Find(s => s.Name == name);

        /// <summary>The SHT_REL section that applies to section <paramref name="target"/>, if any.</summary>
        public List<ElfRelocation> RelocationsFor(ElfSection target)
        {
            var list = new List<ElfRelocation>();
            foreach (ElfSection s in Sections)
            {
                if (s.Type != ElfSection.ShtRel || s.Info != target.Index) continue;
                ReadOnlySpan<byte> d = s.Data;
                for (int i = 0; i + 16 <= d.Length; i += 16)
                {
                    ulong info = R64(d, i + 8);
                    list.Add(new ElfRelocation(R64(d, i), (uint)(info & 0xffffffff), (int)(info >> 32)));
                }
            }
            return list;
        }

        internal static string ReadString(byte[] table, uint offset)
        {
            if (offset >= table.Length) return "";
            int end = Array.IndexOf(table, (byte)0, (int)offset);
            if (end < 0) end = table.Length;
            return Encoding.UTF8.GetString(table, (int)offset, end - (int)offset);
        }
    }
}
