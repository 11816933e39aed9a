using System;
using System.Collections.Generic;
using BpfDotnet.KernelModel;

namespace BpfDotnet.Compiler.Object
{
    /// <summary>
    /// Lays out a relocatable ELF64 little-endian object for <c>EM_BPF</c>: the caller adds sections,
    /// symbols and relocations; <see cref="Write"/> appends one <c>.rel&lt;section&gt;</c> after each
    /// section that has relocations, then <c>.symtab</c>, <c>.strtab</c> and <c>.shstrtab</c>.
    /// </summary>
    /// <remarks>Output is a pure function of the calls made, in the order they were made.</remarks>
    internal sealed class ElfWriter
    {
        public const uint SHT_PROGBITS = 1;
        public const uint SHT_SYMTAB = 2;
        public const uint SHT_STRTAB = 3;
        public const uint SHT_NOBITS = 8;
        public const uint SHT_REL = 9;

        public const ulong SHF_WRITE = 0x1;
        public const ulong SHF_ALLOC = 0x2;
        public const ulong SHF_EXECINSTR = 0x4;
        public const ulong SHF_INFO_LINK = 0x40;

        public const byte STB_LOCAL = 0;
        public const byte STB_GLOBAL = 1;
        public const byte STT_NOTYPE = 0;
        public const byte STT_OBJECT = 1;
        public const byte STT_FUNC = 2;
        public const byte STT_SECTION = 3;

        /// <summary><c>R_BPF_64_64</c>: the 64-bit immediate of an <c>ld_imm64</c>.</summary>
        public const uint R_BPF_64_64 = 1;
        /// <summary><c>R_BPF_64_32</c>: the 32-bit immediate of a BPF-to-BPF <c>call</c>.</summary>
        public const uint R_BPF_64_32 = 10;

        private const ushort ET_REL = 1;
        private const ushort EM_BPF = 247;
        private const int HeaderSize = 64;
        private const int SectionHeaderSize = 64;
        private const int SymbolSize = 24;
        private const int RelSize = 16;

        private readonly List<Section> _sections = new List<Section>();
        private readonly List<Symbol> _symbols = new List<Symbol>();

        /// <summary>Adds a section and returns its handle (not its final ELF index).</summary>
        public int AddSection(string name, uint type, ulong flags, ulong alignment, byte[] data)
        {
            _sections.Add(new Section(name, type, flags, alignment, data));
            return _sections.Count - 1;
        }

        /// <summary>Adds a symbol defined in <paramref name="section"/> (a handle from <see cref="AddSection"/>) and returns its handle.</summary>
        public int AddSymbol(string name, byte binding, byte type, int section, ulong value, ulong size)
        {
            if (section < 0 || section >= _sections.Count) throw new ArgumentOutOfRangeException(nameof(section));
            _symbols.Add(new Symbol(name, binding, type, section, value, size));
            return _symbols.Count - 1;
        }

        /// <summary>Adds an <c>Elf64_Rel</c> at byte <paramref name="offset"/> of <paramref name="section"/> against <paramref name="symbol"/>.</summary>
        public void AddRelocation(int section, ulong offset, int symbol, uint type)
        {
            if (symbol < 0 || symbol >= _symbols.Count) throw new ArgumentOutOfRangeException(nameof(symbol));
            _sections[section].Relocations.Add(new Relocation(offset, symbol, type));
        }

        public byte[] Write()
        {
            // Final section order and indices: [0] null, each user section followed by its .rel, then tables.
            var sectionIndex = new int[_sections.Count];
            var relIndex = new int[_sections.Count];
            int next = 1;
            for (int i = 0; i < _sections.Count; i++)
            {
                sectionIndex[i] = next++;
                relIndex[i] = _sections[i].Relocations.Count > 0 ? next++ : 0;
            }
            int symtabIndex = next++;
            int strtabIndex = next++;
            int shstrtabIndex = next++;
            int sectionCount = next;

            // Symbols: null, locals, then globals (sh_info of .symtab is the first global's index).
            var strtab = new StringTable();
            var order = new List<int>();
            for (int i = 0; i < _symbols.Count; i++) if (_symbols[i].Binding == STB_LOCAL) order.Add(i);
            int firstGlobal = order.Count + 1;
            for (int i = 0; i < _symbols.Count; i++) if (_symbols[i].Binding != STB_LOCAL) order.Add(i);
            var symbolIndex = new int[_symbols.Count];
            var symtab = new ByteBuffer();
            for (int i = 0; i < SymbolSize; i++) symtab.U8(0);
            for (int n = 0; n < order.Count; n++)
            {
                var symbol = _symbols[order[n]];
                symbolIndex[order[n]] = n + 1;
                symtab.U32(strtab.Add(symbol.Name));
                symtab.U8((byte)((symbol.Binding << 4) | (symbol.Type & 0xf)));
                symtab.U8(0); // STV_DEFAULT
                symtab.U16((ushort)sectionIndex[symbol.Section]);
                symtab.U64(symbol.Value);
                symtab.U64(symbol.Size);
            }

            var shstrtab = new StringTable();
            var headers = new SectionHeader[sectionCount];
            var file = new ByteBuffer();
            for (int i = 0; i < HeaderSize; i++) file.U8(0);

            for (int i = 0; i < _sections.Count; i++)
            {
                var section = _sections[i];
                headers[sectionIndex[i]] = Place(file, shstrtab.Add(section.Name), section.Type, section.Flags,
                    section.Alignment, section.Data, link: 0, info: 0, entrySize: 0);
                if (relIndex[i] == 0) continue;
                var rel = new ByteBuffer();
                foreach (var relocation in section.Relocations)
                {
                    rel.U64(relocation.Offset);
                    rel.U64(((ulong)(uint)symbolIndex[relocation.Symbol] << 32) | relocation.Type);
                }
                headers[relIndex[i]] = Place(file, shstrtab.Add(".rel" + section.Name), SHT_REL, SHF_INFO_LINK, 8,
                    rel.ToArray(), link: (uint)symtabIndex, info: (uint)sectionIndex[i], entrySize: RelSize);
            }
            headers[symtabIndex] = Place(file, shstrtab.Add(".symtab"), SHT_SYMTAB, 0, 8, symtab.ToArray(),
                link: (uint)strtabIndex, info: (uint)firstGlobal, entrySize: SymbolSize);
            headers[strtabIndex] = Place(file, shstrtab.Add(".strtab"), SHT_STRTAB, 0, 1, strtab.ToArray(), 0, 0, 0);
            uint shstrtabName = shstrtab.Add(".shstrtab");
            headers[shstrtabIndex] = Place(file, shstrtabName, SHT_STRTAB, 0, 1, shstrtab.ToArray(), 0, 0, 0);

            file.Align(8);
            int sectionHeaderOffset = file.Length;
            for (int i = 0; i < sectionCount; i++)
            {
                var h = headers[i];
                file.U32(h.Name);
                file.U32(h.Type);
                file.U64(h.Flags);
                file.U64(0); // sh_addr
                file.U64(h.Offset);
                file.U64(h.Size);
                file.U32(h.Link);
                file.U32(h.Info);
                file.U64(h.Alignment);
                file.U64(h.EntrySize);
            }

            var bytes = file.ToArray();
            WriteHeader(bytes, sectionHeaderOffset, sectionCount, shstrtabIndex);
            return bytes;
        }

        private static SectionHeader Place(ByteBuffer file, uint name, uint type, ulong flags, ulong alignment,
            byte[] data, uint link, uint info, ulong entrySize)
        {
            file.Align((int)Math.Max(1, alignment));
            ulong offset = (ulong)file.Length;
            if (type != SHT_NOBITS) file.Bytes(data);
            return new SectionHeader(name, type, flags, offset, (ulong)data.Length, link, info, alignment, entrySize);
        }

        private static void WriteHeader(byte[] bytes, int sectionHeaderOffset, int sectionCount, int shstrtabIndex)
        {
            var header = new ByteBuffer();
            header.Bytes(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2 /* ELFCLASS64 */, 1 /* LE */, 1 /* EV_CURRENT */, 0 /* SYSV */ });
            header.U64(0); // ABI version + padding
            header.U16(ET_REL);
            header.U16(EM_BPF);
            header.U32(1); // e_version
            header.U64(0); // e_entry
            header.U64(0); // e_phoff
            header.U64((ulong)sectionHeaderOffset);
            header.U32(0); // e_flags
            header.U16(HeaderSize);
            header.U16(0); // e_phentsize
            header.U16(0); // e_phnum
            header.U16(SectionHeaderSize);
            header.U16((ushort)sectionCount);
            header.U16((ushort)shstrtabIndex);
            Buffer.BlockCopy(header.ToArray(), 0, bytes, 0, HeaderSize);
        }

        private sealed class Section
        {
            public Section(string name, uint type, ulong flags, ulong alignment, byte[] data)
            {
                Name = name;
                Type = type;
                Flags = flags;
                Alignment = alignment;
                Data = data;
            }

            public string Name { get; }
            public uint Type { get; }
            public ulong Flags { get; }
            public ulong Alignment { get; }
            public byte[] Data { get; }
            public List<Relocation> Relocations { get; } = new List<Relocation>();
        }

        private readonly record struct Symbol(string Name, byte Binding, byte Type, int Section, ulong Value, ulong Size);

        private readonly record struct Relocation(ulong Offset, int Symbol, uint Type);

        private readonly record struct SectionHeader(uint Name, uint Type, ulong Flags, ulong Offset, ulong Size,
            uint Link, uint Info, ulong Alignment, ulong EntrySize);
    }
}
