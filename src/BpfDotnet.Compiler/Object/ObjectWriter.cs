using System;
using System.Collections.Generic;
using System.Text;
using BpfDotnet.Compiler.Isa;
using BpfDotnet.Compiler.Model;

namespace BpfDotnet.Compiler.Object
{
    /// <summary>
    /// Writes an <see cref="ObjectSpec"/> as an eBPF ELF object in libbpf's conventions: one executable
    /// section per program, BTF-defined maps in <c>.maps</c>, a <c>license</c> section, <c>.BTF</c>
    /// (types, FUNC/FUNC_PROTO, map VARs, the <c>.maps</c> DATASEC) and <c>.BTF.ext</c>
    /// (func_info and line_info). <c>bpftool prog loadall</c>, libbpf and cilium/ebpf load the result.
    /// </summary>
    /// <remarks>
    /// The output is deterministic: the same spec gives byte-identical objects. Program, parameter, map and
    /// type names are made valid C identifiers (every other character becomes <c>_</c>); ELF symbols use the
    /// same sanitised names as BTF. Map keys or values of size 0 (ring buffers) get no <c>key</c>/<c>value</c>
    /// member.
    /// </remarks>
    public static class ObjectWriter
    {
        private const string MapsSection = ".maps";
        private const string LicenseSection = "license";
        private const string LicenseSymbol = "LICENSE";
        private const int PointerSize = 8;

        /// <summary>Writes <paramref name="spec"/> as ELF bytes.</summary>
        /// <exception cref="ArgumentException">The spec is inconsistent: duplicate program, section or map names,
        /// an empty program, or a relocation that is not on an <c>ld_imm64</c> or names an unknown map.</exception>
        public static byte[] Write(ObjectSpec spec)
        {
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            Validate(spec);

            var btf = new BtfBuilder();
            var elf = new ElfWriter();
            var btfExt = new BtfExtWriter();

            var programSections = new int[spec.Programs.Count];
            for (int p = 0; p < spec.Programs.Count; p++)
            {
                var program = spec.Programs[p];
                programSections[p] = elf.AddSection(program.Section, ElfWriter.SHT_PROGBITS,
                    ElfWriter.SHF_ALLOC | ElfWriter.SHF_EXECINSTR, 8, Instruction.EncodeAll(program.Code.AsSpan()));
                elf.AddSymbol(CIdentifier.Sanitize(program.Name), ElfWriter.STB_GLOBAL, ElfWriter.STT_FUNC, programSections[p],
                    0, (ulong)(program.Code.Count * Instruction.Size));

                int funcId = AddFunction(btf, program);
                uint sectionName = btf.AddString(program.Section);
                btfExt.AddFuncInfos(sectionName, new[] { new FuncInfo(0, funcId) });
                btfExt.AddLineInfos(sectionName, LineRecords(btf, program));
            }

            var licenseBytes = Encoding.UTF8.GetBytes(spec.License + "\0");
            int license = elf.AddSection(LicenseSection, ElfWriter.SHT_PROGBITS, ElfWriter.SHF_ALLOC | ElfWriter.SHF_WRITE, 1, licenseBytes);

            var mapSymbols = new Dictionary<string, int>(StringComparer.Ordinal);
            if (spec.Maps.Count > 0)
            {
                var variables = new List<(int Var, int ByteOffset, int ByteSize)>(spec.Maps.Count);
                var placed = new List<(string Name, int Offset, int Size)>(spec.Maps.Count);
                int offset = 0;
                foreach (var map in spec.Maps)
                {
                    var (definition, size) = AddMapDefinition(btf, map);
                    string name = CIdentifier.Sanitize(map.Name);
                    variables.Add((btf.AddVar(name, definition, BtfLinkage.Global), offset, size));
                    placed.Add((map.Name, offset, size));
                    offset += size;
                }
                btf.AddDatasec(MapsSection, offset, variables);

                int maps = elf.AddSection(MapsSection, ElfWriter.SHT_PROGBITS, ElfWriter.SHF_ALLOC | ElfWriter.SHF_WRITE, 8, new byte[offset]);
                foreach (var (name, mapOffset, size) in placed)
                {
                    mapSymbols.Add(name, elf.AddSymbol(CIdentifier.Sanitize(name), ElfWriter.STB_GLOBAL, ElfWriter.STT_OBJECT,
                        maps, (ulong)mapOffset, (ulong)size));
                }
            }

            // Global variables: .rodata and .data hold their initial bytes, .bss only a size; one DATASEC each.
            foreach (var section in new[] { ".rodata", ".data", ".bss" })
            {
                var globals = new List<GlobalVariable>();
                foreach (var g in spec.Globals) if (g.Section == section) globals.Add(g);
                if (globals.Count == 0) continue;
                int end = 0;
                foreach (var g in globals) end = Math.Max(end, g.Offset + g.Type.Size);
                int size = (end + 7) / 8 * 8;
                var data = new byte[size];
                foreach (var g in globals) g.Initial.AsSpan().CopyTo(data.AsSpan(g.Offset));
                bool bss = section == ".bss";
                ulong flags = ElfWriter.SHF_ALLOC | (section == ".rodata" ? 0UL : ElfWriter.SHF_WRITE);
                int elfSection = elf.AddSection(section, bss ? ElfWriter.SHT_NOBITS : ElfWriter.SHT_PROGBITS, flags, 8, data);
                var variables = new List<(int Var, int ByteOffset, int ByteSize)>();
                foreach (var g in globals)
                {
                    string name = CIdentifier.Sanitize(g.Name);
                    variables.Add((btf.AddVar(name, btf.AddType(g.Type), BtfLinkage.Global), g.Offset, g.Type.Size));
                    mapSymbols.Add(g.Name, elf.AddSymbol(name, ElfWriter.STB_GLOBAL, ElfWriter.STT_OBJECT, elfSection, (ulong)g.Offset, (ulong)g.Type.Size));
                }
                btf.AddDatasec(section, size, variables);
            }

            if (!IsGlobalNameTaken(spec, LicenseSymbol))
            {
                elf.AddSymbol(LicenseSymbol, ElfWriter.STB_GLOBAL, ElfWriter.STT_OBJECT, license, 0, (ulong)licenseBytes.Length);
            }

            for (int p = 0; p < spec.Programs.Count; p++)
            {
                foreach (var relocation in spec.Programs[p].Relocations)
                {
                    elf.AddRelocation(programSections[p], (ulong)(relocation.InstructionIndex * Instruction.Size),
                        mapSymbols[relocation.MapName], ElfWriter.R_BPF_64_64);
                }
            }

            elf.AddSection(".BTF", ElfWriter.SHT_PROGBITS, 0, 4, btf.ToArray());
            if (!btfExt.IsEmpty) elf.AddSection(".BTF.ext", ElfWriter.SHT_PROGBITS, 0, 4, btfExt.ToArray());
            return elf.Write();
        }

        /// <summary>Adds the FUNC_PROTO and the global FUNC of a program; returns the FUNC id.</summary>
        private static int AddFunction(BtfBuilder btf, CompiledFunction program)
        {
            var parameters = new List<(string, int)>(program.Signature.Parameters.Count);
            foreach (var parameter in program.Signature.Parameters) parameters.Add((parameter.Name, btf.AddType(parameter.Type)));
            int proto = btf.AddFuncProto(btf.AddType(program.Signature.ReturnType), parameters);
            return btf.AddFunc(program.Name, proto, BtfLinkage.Global);
        }

        /// <summary>
        /// The anonymous struct libbpf reads a BTF-defined map from, as C's <c>__uint</c>/<c>__type</c> macros
        /// declare it: integers are <c>int (*name)[value]</c>, key and value are <c>T *name</c>.
        /// </summary>
        private static (int Type, int Size) AddMapDefinition(BtfBuilder btf, MapSpec map)
        {
            int intType = btf.AddType(IntType.Int);
            int Number(uint value) => btf.AddPointer(btf.AddArray(intType, value));

            var members = new List<(string Name, int Type, int ByteOffset)>();
            void Member(string name, int type) => members.Add((name, type, members.Count * PointerSize));

            Member("type", Number(map.MapType));
            Member("max_entries", Number(map.MaxEntries));
            if (map.Key.Size > 0) Member("key", btf.AddPointer(btf.AddType(map.Key)));
            if (map.Value.Size > 0) Member("value", btf.AddPointer(btf.AddType(map.Value)));
            if (map.Flags != 0) Member("map_flags", Number(map.Flags));

            int size = members.Count * PointerSize;
            return (btf.AddStruct(string.Empty, size, members), size);
        }

        /// <summary>
        /// The program's line records in the form the verifier requires: strictly ascending, the first at
        /// instruction 0, none on the second slot of an <c>ld_imm64</c>. Records that cannot satisfy that are dropped.
        /// </summary>
        private static List<LineRecord> LineRecords(BtfBuilder btf, CompiledFunction program)
        {
            var code = program.Code;
            var secondSlot = new bool[code.Count];
            for (int i = 0; i + 1 < code.Count; i++)
            {
                if (code[i].IsLoadImm64) secondSlot[++i] = true;
            }

            var lines = new List<LineInfo>();
            foreach (var line in program.Lines)
            {
                if (line.InstructionIndex >= 0 && line.InstructionIndex < code.Count && !secondSlot[line.InstructionIndex]) lines.Add(line);
            }
            // Stable sort: among records for the same instruction the first one given wins.
            var sorted = new List<(LineInfo Line, int Order)>(lines.Count);
            for (int i = 0; i < lines.Count; i++) sorted.Add((lines[i], i));
            sorted.Sort((a, b) => a.Line.InstructionIndex != b.Line.InstructionIndex
                ? a.Line.InstructionIndex.CompareTo(b.Line.InstructionIndex)
                : a.Order.CompareTo(b.Order));

            var records = new List<LineRecord>(sorted.Count + 1);
            int previous = -1;
            foreach (var (line, _) in sorted)
            {
                if (line.InstructionIndex == previous) continue;
                if (records.Count == 0 && line.InstructionIndex != 0) records.Add(Record(btf, line, 0));
                records.Add(Record(btf, line, line.InstructionIndex));
                previous = line.InstructionIndex;
            }
            return records;
        }

        private static LineRecord Record(BtfBuilder btf, LineInfo line, int instruction)
            => new LineRecord((uint)(instruction * Instruction.Size), btf.AddString(line.FileName ?? string.Empty),
                btf.AddString(line.LineText ?? string.Empty), line.Line, line.Column);

        private static bool IsGlobalNameTaken(ObjectSpec spec, string name)
        {
            foreach (var program in spec.Programs) if (CIdentifier.Sanitize(program.Name) == name) return true;
            foreach (var map in spec.Maps) if (CIdentifier.Sanitize(map.Name) == name) return true;
            foreach (var global in spec.Globals) if (CIdentifier.Sanitize(global.Name) == name) return true;
            return false;
        }

        private static void Validate(ObjectSpec spec)
        {
            var symbols = new HashSet<string>(StringComparer.Ordinal);
            var sections = new HashSet<string>(StringComparer.Ordinal) { MapsSection, LicenseSection, ".BTF", ".BTF.ext" };
            var maps = new HashSet<string>(StringComparer.Ordinal);

            foreach (var map in spec.Maps)
            {
                if (string.IsNullOrEmpty(map.Name)) throw new ArgumentException("A map has no name.", nameof(spec));
                if (!symbols.Add(CIdentifier.Sanitize(map.Name)))
                    throw new ArgumentException($"Map '{map.Name}' has the same symbol name as another map.", nameof(spec));
                maps.Add(map.Name);
            }
            foreach (var global in spec.Globals)
            {
                if (global.Section is not (".rodata" or ".data" or ".bss"))
                    throw new ArgumentException($"Global '{global.Name}' is in section '{global.Section}'; use .rodata, .data or .bss.", nameof(spec));
                if (!symbols.Add(CIdentifier.Sanitize(global.Name)))
                    throw new ArgumentException($"Global '{global.Name}' has the same symbol name as another map or global.", nameof(spec));
                maps.Add(global.Name);
            }
            foreach (var program in spec.Programs)
            {
                if (string.IsNullOrEmpty(program.Name)) throw new ArgumentException("A program has no name.", nameof(spec));
                if (!symbols.Add(CIdentifier.Sanitize(program.Name)))
                    throw new ArgumentException($"Program '{program.Name}' has the same symbol name as another program or map.", nameof(spec));
                if (string.IsNullOrEmpty(program.Section) || !sections.Add(program.Section))
                    throw new ArgumentException($"Program '{program.Name}' needs a section of its own, not '{program.Section}'.", nameof(spec));
                if (program.Code.Count == 0) throw new ArgumentException($"Program '{program.Name}' has no instructions.", nameof(spec));
                foreach (var relocation in program.Relocations)
                {
                    int index = relocation.InstructionIndex;
                    if (index < 0 || index + 1 >= program.Code.Count || !program.Code[index].IsLoadImm64)
                        throw new ArgumentException($"Program '{program.Name}': relocation at {index} is not on an ld_imm64.", nameof(spec));
                    if (!maps.Contains(relocation.MapName))
                        throw new ArgumentException($"Program '{program.Name}' references unknown map or global '{relocation.MapName}'.", nameof(spec));
                }
            }
        }
    }
}
