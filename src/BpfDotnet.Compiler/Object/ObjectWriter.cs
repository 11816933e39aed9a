using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using BpfDotnet.Compiler.Isa;
using BpfDotnet.Compiler.Model;

using BpfDotnet.KernelModel;

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
        private const string TextSection = ".text";
        private const string LicenseSection = "license";
        private const string LicenseSymbol = "LICENSE";
        private const int PointerSize = 8;

        /// <summary>Writes <paramref name="spec"/> as ELF bytes.</summary>
        /// <exception cref="ArgumentException">The spec is inconsistent: duplicate program, section or map names,
        /// an empty program, or a relocation that is not on an <c>ld_imm64</c> or names an unknown map.</exception>
        public static byte[] Write(ObjectSpec spec)
        {
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            spec = WithDropCounters(spec);
            Validate(spec);

            var btf = new BtfBuilder();
            var elf = new ElfWriter();
            var btfExt = new BtfExtWriter();
            var core = CoreTypes(btf, spec.Programs.Concat(Subprograms(spec)));

            // Code: each function with the section it is placed in and its byte offset there.
            var code = new List<(CompiledFunction Function, int Section, int Offset)>();
            var functionSymbols = new Dictionary<string, int>(StringComparer.Ordinal);
            var sectionBytes = new Dictionary<int, byte[]>();
            for (int p = 0; p < spec.Programs.Count; p++)
            {
                var program = spec.Programs[p];
                var bytes = Instruction.EncodeAll(program.Code.AsSpan());
                WriteLocalTypeIds(bytes, core, program, 0);
                int section = elf.AddSection(program.Section, ElfWriter.SHT_PROGBITS,
                    ElfWriter.SHF_ALLOC | ElfWriter.SHF_EXECINSTR, 8, bytes);
                sectionBytes[section] = bytes;
                elf.AddSymbol(CIdentifier.Sanitize(program.Name), ElfWriter.STB_GLOBAL, ElfWriter.STT_FUNC, section,
                    0, (ulong)(program.Code.Count * Instruction.Size));
                code.Add((program, section, 0));

                int funcId = AddFunction(btf, program, BtfLinkage.Global);
                uint sectionName = btf.AddString(program.Section);
                btfExt.AddFuncInfos(sectionName, new[] { new FuncInfo(0, funcId) });
                btfExt.AddLineInfos(sectionName, LineRecords(btf, program, 0));
                btfExt.AddCoreRelocations(sectionName, CoreRecords(btf, core, program, 0));
            }

            // Subprograms: once each in .text, static, called through R_BPF_64_32 relocations.
            var subprograms = Subprograms(spec);
            var textOffsets = new Dictionary<string, int>(StringComparer.Ordinal);
            int textSymbol = -1;
            if (subprograms.Count > 0)
            {
                var text = new List<Instruction>();
                var offsets = new List<int>();
                foreach (var subprogram in subprograms)
                {
                    offsets.Add(text.Count * Instruction.Size);
                    text.AddRange(subprogram.Code);
                }
                var bytes = Instruction.EncodeAll(text.ToArray());
                for (int i = 0; i < subprograms.Count; i++) WriteLocalTypeIds(bytes, core, subprograms[i], offsets[i]);
                int section = elf.AddSection(TextSection, ElfWriter.SHT_PROGBITS, ElfWriter.SHF_ALLOC | ElfWriter.SHF_EXECINSTR, 8, bytes);
                sectionBytes[section] = bytes;
                // A subprogram's address is relocated as clang relocates it: against .text's section symbol, its offset in the immediate.
                if (spec.Programs.Concat(subprograms).Any(f => f.Calls.Any(c => c.IsAddress)))
                {
                    textSymbol = elf.AddSymbol(TextSection, ElfWriter.STB_LOCAL, ElfWriter.STT_SECTION, section, 0, 0);
                }
                uint sectionName = btf.AddString(TextSection);
                var funcInfos = new List<FuncInfo>();
                var lineInfos = new List<LineRecord>();
                var coreRecords = new List<CoreRelocationRecord>();
                for (int i = 0; i < subprograms.Count; i++)
                {
                    var subprogram = subprograms[i];
                    functionSymbols[subprogram.Name] = elf.AddSymbol(CIdentifier.Sanitize(subprogram.Name), ElfWriter.STB_LOCAL, ElfWriter.STT_FUNC,
                        section, (ulong)offsets[i], (ulong)(subprogram.Code.Count * Instruction.Size));
                    code.Add((subprogram, section, offsets[i]));
                    textOffsets[subprogram.Name] = offsets[i];
                    funcInfos.Add(new FuncInfo((uint)offsets[i], AddFunction(btf, subprogram, BtfLinkage.Static)));
                    lineInfos.AddRange(LineRecords(btf, subprogram, offsets[i]));
                    coreRecords.AddRange(CoreRecords(btf, core, subprogram, offsets[i]));
                }
                btfExt.AddFuncInfos(sectionName, funcInfos);
                btfExt.AddLineInfos(sectionName, lineInfos);
                btfExt.AddCoreRelocations(sectionName, coreRecords);
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
            var sections = new List<string> { ".rodata", ".data", ".bss" };
            foreach (var g in spec.Globals) if (!sections.Contains(g.Section)) sections.Add(g.Section);
            foreach (var section in sections)
            {
                var globals = new List<GlobalVariable>();
                foreach (var g in spec.Globals) if (g.Section == section) globals.Add(g);
                if (globals.Count == 0) continue;
                int end = 0;
                foreach (var g in globals) end = Math.Max(end, g.Offset + g.Type.Size);
                int size = (end + 7) / 8 * 8;
                var data = new byte[size];
                foreach (var g in globals) g.Initial.AsSpan().CopyTo(data.AsSpan(g.Offset));
                bool bss = section == ".bss" || section.StartsWith(".bss.", StringComparison.Ordinal);
                ulong flags = ElfWriter.SHF_ALLOC | (section.StartsWith(".rodata", StringComparison.Ordinal) ? 0UL : ElfWriter.SHF_WRITE);
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

            foreach (var (function, section, offset) in code)
            {
                foreach (var relocation in function.Relocations)
                {
                    elf.AddRelocation(section, (ulong)(offset + relocation.InstructionIndex * Instruction.Size),
                        mapSymbols[relocation.MapName], ElfWriter.R_BPF_64_64);
                }
                foreach (var call in function.Calls)
                {
                    int at = offset + call.InstructionIndex * Instruction.Size;
                    if (call.IsAddress)
                    {
                        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(sectionBytes[section].AsSpan(at + 4), textOffsets[call.Callee]);
                        elf.AddRelocation(section, (ulong)at, textSymbol, ElfWriter.R_BPF_64_64);
                        continue;
                    }
                    elf.AddRelocation(section, (ulong)at, functionSymbols[call.Callee], ElfWriter.R_BPF_64_32);
                }
            }

            elf.AddSection(".BTF", ElfWriter.SHT_PROGBITS, 0, 4, btf.ToArray());
            if (!btfExt.IsEmpty) elf.AddSection(".BTF.ext", ElfWriter.SHT_PROGBITS, 0, 4, btfExt.ToArray());
            return elf.Write();
        }

        /// <summary>
        /// The subprograms of all programs, each once, in the order first met. Programs compiled separately
        /// carry their own copies of a shared callee; those must agree.
        /// </summary>
        private static List<CompiledFunction> Subprograms(ObjectSpec spec)
        {
            var byName = new Dictionary<string, CompiledFunction>(StringComparer.Ordinal);
            var order = new List<CompiledFunction>();
            foreach (var program in spec.Programs)
            {
                foreach (var subprogram in program.Subprograms)
                {
                    if (byName.TryGetValue(subprogram.Name, out var existing))
                    {
                        if (!existing.Code.Equals(subprogram.Code) || !existing.Calls.Equals(subprogram.Calls) || !existing.Relocations.Equals(subprogram.Relocations))
                            throw new ArgumentException($"Subprogram '{subprogram.Name}' has different code in two programs.", nameof(spec));
                        continue;
                    }
                    byName.Add(subprogram.Name, subprogram);
                    order.Add(subprogram);
                }
            }
            return order;
        }

        /// <summary>Adds the FUNC_PROTO and the FUNC of a function; returns the FUNC id.</summary>
        private static int AddFunction(BtfBuilder btf, CompiledFunction program, uint linkage)
        {
            var parameters = new List<(string, int)>(program.Signature.Parameters.Count);
            foreach (var parameter in program.Signature.Parameters) parameters.Add((parameter.Name, btf.AddType(parameter.Type)));
            int proto = btf.AddFuncProto(btf.AddType(program.Signature.ReturnType), parameters);
            return btf.AddFunc(program.Name, proto, linkage);
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
            if (map.Value.Size > 0 && map.Inner is null) Member("value", btf.AddPointer(btf.AddType(map.Value)));
            if (map.Flags != 0) Member("map_flags", Number(map.Flags));

            int size = members.Count * PointerSize;
            if (map.Inner is { } inner)
            {
                // A map of maps: C's __array(values, struct inner), a flexible array of pointers to the inner maps'
                // definition, which adds nothing to the size; the values are 4-byte map references.
                var (innerDefinition, _) = AddMapDefinition(btf, inner);
                members.Add(("values", btf.AddArray(btf.AddPointer(innerDefinition), 0), size));
            }
            return (btf.AddStruct(string.Empty, size, members), size);
        }

        /// <summary>
        /// The program's line records in the form the verifier requires: strictly ascending, the first at
        /// instruction 0, none on the second slot of an <c>ld_imm64</c>. Records that cannot satisfy that are dropped.
        /// </summary>

        /// <summary>
        /// The local BTF of the kernel types the functions read or ask about (CO-RE): one STRUCT (or UNION) per name, with
        /// the members on the access paths and those a type query declares (by their kernel names, at their declared
        /// offsets; integers as INT, pointers as PTR to void, a struct held by value as that struct), one ENUM per enum
        /// asked about with its values as declared; and each access's root type and access string ("0:i:j", the member
        /// index at each step; "0" for a type; the value's index for an enum value).
        /// </summary>
        private static Dictionary<CoreAccess, (int Type, string Access)> CoreTypes(BtfBuilder btf, IEnumerable<CompiledFunction> functions)
        {
            var structs = new SortedDictionary<string, SortedDictionary<string, (int Offset, int Size, bool Pointer, bool Signed, string? Holds, int BitOffset, int BitSize)>>(StringComparer.Ordinal);
            var enums = new SortedDictionary<string, CoreType>(StringComparer.Ordinal);
            var declaredTypes = new Dictionary<CoreType, int>();
            var accesses = new List<CoreAccess>();
            SortedDictionary<string, (int, int, bool, bool, string?, int, int)> MembersOf(string name)
            {
                if (!structs.TryGetValue(name, out var members)) structs[name] = members = new SortedDictionary<string, (int, int, bool, bool, string?, int, int)>(StringComparer.Ordinal);
                return members;
            }
            foreach (var function in functions)
            {
                foreach (var access in function.CoreAccesses)
                {
                    accesses.Add(access);
                    if (access.Type is { } type)
                    {
                        if (type.TypeKind == CoreTypeKind.Enum)
                        {
                            if (!enums.ContainsKey(type.Name)) enums[type.Name] = type;
                            continue;
                        }
                        // Each declaration asked about is a local type of its own (two may share a kernel name and differ).
                        if (!declaredTypes.ContainsKey(type)) declaredTypes[type] = -1;
                        continue;
                    }
                    var steps = access.Steps;
                    for (int i = 0; i < steps.Count; i++)
                    {
                        MembersOf(steps[i].Struct)[steps[i].Member] = i + 1 < steps.Count ? (steps[i].Offset, 0, false, false, steps[i + 1].Struct, 0, 0) : (steps[i].Offset, access.Size, access.Pointer, access.Signed, null, access.BitOffset, access.BitSize);
                    }
                }
            }
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
            var order = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            int Build(string name, int depth)
            {
                if (ids.TryGetValue(name, out int known)) return known;
                if (depth > 32) throw new ArgumentException("Kernel struct '" + name + "' holds itself by value.");
                var ordered = structs[name].OrderBy(m => m.Value.Offset).ThenBy(m => m.Key, StringComparer.Ordinal).ToList();
                var btfMembers = new List<(string Name, int Type, int BitOffset, int BitSize)>();
                int size = 0;
                foreach (var member in ordered)
                {
                    int type, memberSize;
                    if (member.Value.Holds is string held)
                    {
                        type = Build(held, depth + 1);
                        memberSize = sizes[held];
                    }
                    else
                    {
                        type = member.Value.Pointer ? btf.AddPointer(0) : AddCInt(btf, member.Value.Size, member.Value.Signed);
                        memberSize = member.Value.Size;
                    }
                    bool bitfield = member.Value.BitSize > 0;
                    btfMembers.Add((member.Key, type, bitfield ? member.Value.BitOffset : member.Value.Offset * 8, member.Value.BitSize));
                    size = Math.Max(size, bitfield ? (member.Value.BitOffset + member.Value.BitSize + 7) / 8 : member.Value.Offset + memberSize);
                }
                sizes[name] = size;
                order[name] = ordered.Select(m => m.Key).ToList();
                // A struct with a bitfield places its members in bits (kind_flag); any other in bytes, as before.
                return ids[name] = btfMembers.Any(m => m.BitSize > 0) ? btf.AddStructWithBitfields(name, size, btfMembers)
                    : btf.AddStruct(name, size, btfMembers.Select(m => (m.Name, m.Type, m.BitOffset / 8)).ToList());
            }
            // A declared type's pointers to kernel types point to an empty struct of that name (what a type match compares behind a pointer).
            var pointees = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var type in declaredTypes.Keys.ToList())
            {
                var btfMembers = new List<(string Name, int Type, int ByteOffset)>();
                int size = type.Size;
                foreach (var m in type.Members.OrderBy(m => m.Offset).ThenBy(m => m.Name, StringComparer.Ordinal))
                {
                    int memberType;
                    if (m.Pointer)
                    {
                        int target = 0;
                        if (m.Pointee is string pointee && !pointees.TryGetValue(pointee, out target)) pointees[pointee] = target = btf.AddStruct(pointee, 0, Array.Empty<(string, int, int)>());
                        memberType = btf.AddPointer(target);
                    }
                    else if (m.Size is 1 or 2 or 4 or 8) memberType = AddCInt(btf, m.Size, m.Signed);
                    else memberType = btf.AddArray(btf.AddInt("__u8", 1, 0), (uint)Math.Max(m.Size, 0));
                    btfMembers.Add((m.Name, memberType, m.Offset));
                    size = Math.Max(size, m.Offset + m.Size);
                }
                declaredTypes[type] = type.TypeKind == CoreTypeKind.Union ? btf.AddUnion(type.Name, size, btfMembers) : btf.AddStruct(type.Name, size, btfMembers);
            }
            var enumIds = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var pair in enums)
            {
                var values = pair.Value.Enumerators.Select(e => (e.Name, e.Value)).ToList();
                enumIds[pair.Key] = btf.AddEnum(pair.Key, pair.Value.Size, values.Any(v => v.Value < 0), values);
            }
            var result = new Dictionary<CoreAccess, (int, string)>();
            foreach (var access in accesses)
            {
                if (access.Type is { TypeKind: CoreTypeKind.Enum } enumType)
                {
                    int index = access.Kind is CoreQuery.EnumValue or CoreQuery.EnumValueExists
                        ? enums[enumType.Name].Enumerators.Select(e => e.Name).ToList().IndexOf(enumType.Enumerator ?? "") : 0;
                    result[access] = (enumIds[enumType.Name], index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    continue;
                }
                if (access.Type is { } type)
                {
                    result[access] = (declaredTypes[type], "0");
                    continue;
                }
                var steps = access.Steps;
                int root = Build(steps[0].Struct, 0);
                var text = new StringBuilder("0");
                foreach (var step in steps) text.Append(':').Append(order[step.Struct].IndexOf(step.Member).ToString(System.Globalization.CultureInfo.InvariantCulture));
                result[access] = (root, text.ToString());
            }
            return result;
        }

        /// <summary>
        /// An integer of a kernel type's member, named as C names it (what clang writes, and what a type match compares):
        /// <c>int</c>, <c>unsigned int</c>, <c>long long unsigned int</c>...
        /// </summary>
        private static int AddCInt(BtfBuilder btf, int size, bool signed)
        {
            string name = size switch
            {
                1 => signed ? "signed char" : "unsigned char",
                2 => signed ? "short int" : "short unsigned int",
                4 => signed ? "int" : "unsigned int",
                _ => signed ? "long long int" : "long long unsigned int",
            };
            return btf.AddInt(name, size, signed ? BtfWriter.IntSigned : 0);
        }

        /// <summary>
        /// The immediates of type id queries, as the local BTF numbers the type (what libbpf expects to find before it
        /// relocates them, and what TypeIdLocal answers).
        /// </summary>
        private static void WriteLocalTypeIds(byte[] bytes, Dictionary<CoreAccess, (int Type, string Access)> core, CompiledFunction function, int byteOffset)
        {
            foreach (var access in function.CoreAccesses)
            {
                if (access.Kind is not (CoreQuery.TypeIdLocal or CoreQuery.TypeIdTarget)) continue;
                int at = byteOffset + access.InstructionIndex * Instruction.Size + 4;
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at, 4), core[access].Type);
            }
        }

        /// <summary>The CO-RE relocation records of <paramref name="function"/>, placed at <paramref name="byteOffset"/> of its section.</summary>
        private static List<CoreRelocationRecord> CoreRecords(BtfBuilder btf, Dictionary<CoreAccess, (int Type, string Access)> core, CompiledFunction function, int byteOffset)
        {
            var records = new List<CoreRelocationRecord>();
            foreach (var access in function.CoreAccesses)
            {
                var (type, path) = core[access];
                records.Add(new CoreRelocationRecord((uint)(byteOffset + access.InstructionIndex * Instruction.Size), (uint)type,
                    btf.AddString(path), (CoreRelocationKind)(uint)access.Kind));
            }
            return records;
        }

        private static List<LineRecord> LineRecords(BtfBuilder btf, CompiledFunction program, int byteOffset)
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
                if (records.Count == 0 && line.InstructionIndex != 0) records.Add(Record(btf, line, 0, byteOffset));
                records.Add(Record(btf, line, line.InstructionIndex, byteOffset));
                previous = line.InstructionIndex;
            }
            return records;
        }

        private static LineRecord Record(BtfBuilder btf, LineInfo line, int instruction, int byteOffset)
            => new LineRecord((uint)(byteOffset + instruction * Instruction.Size), btf.AddString(line.FileName ?? string.Empty),
                btf.AddString(line.LineText ?? string.Empty), line.Line, line.Column);

        /// <summary>
        /// The spec with a drop counter after each ring buffer: a one-slot per-CPU array of <c>ulong</c> named after it
        /// (<see cref="KernelModel.MapKinds.DropCounterSuffix"/>), which the programs' failed reservations and outputs count in.
        /// </summary>
        private static ObjectSpec WithDropCounters(ObjectSpec spec)
        {
            var maps = new List<MapSpec>();
            bool added = false;
            foreach (var map in spec.Maps)
            {
                maps.Add(map);
                if (map.MapType != (uint)KernelModel.MapType.Ringbuf) continue;
                string name = map.Name + KernelModel.MapKinds.DropCounterSuffix;
                bool declared = false;
                foreach (var other in spec.Maps) declared |= other.Name == name;
                if (declared) continue;
                maps.Add(new MapSpec(name, (uint)KernelModel.MapType.PercpuArray, 1, 0, IntType.UInt, IntType.ULong));
                added = true;
            }
            return added ? spec with { Maps = new EquatableArray<MapSpec>(maps.ToArray()) } : spec;
        }

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
            var sections = new HashSet<string>(StringComparer.Ordinal) { MapsSection, LicenseSection, TextSection, ".BTF", ".BTF.ext" };
            var maps = new HashSet<string>(StringComparer.Ordinal);
            var subprogramNames = new HashSet<string>(StringComparer.Ordinal);

            foreach (var map in spec.Maps)
            {
                if (string.IsNullOrEmpty(map.Name)) throw new ArgumentException("A map has no name.", nameof(spec));
                if (!symbols.Add(CIdentifier.Sanitize(map.Name)))
                    throw new ArgumentException($"Map '{map.Name}' has the same symbol name as another map.", nameof(spec));
                maps.Add(map.Name);
            }
            foreach (var global in spec.Globals)
            {
                if (global.Section is not (".rodata" or ".data" or ".bss") && !global.Section.StartsWith(".rodata.str.", StringComparison.Ordinal)
                    && !global.Section.StartsWith(KernelModel.UsdtSpecTable.SectionPrefix, StringComparison.Ordinal))
                    throw new ArgumentException($"Global '{global.Name}' is in section '{global.Section}'; use .rodata, .data, .bss, a .rodata.str. section of constant strings or a USDT argument table's.", nameof(spec));
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
                ValidateCode(program, program, maps);
                foreach (var subprogram in program.Subprograms)
                {
                    if (string.IsNullOrEmpty(subprogram.Name)) throw new ArgumentException($"A subprogram of '{program.Name}' has no name.", nameof(spec));
                    if (subprogram.Code.Count == 0) throw new ArgumentException($"Subprogram '{subprogram.Name}' has no instructions.", nameof(spec));
                    ValidateCode(subprogram, program, maps);
                    subprogramNames.Add(CIdentifier.Sanitize(subprogram.Name));
                }
            }
            foreach (var name in subprogramNames)
            {
                if (symbols.Contains(name)) throw new ArgumentException($"Subprogram '{name}' has the same symbol name as a program, map or global.", nameof(spec));
            }
        }

        private static void ValidateCode(CompiledFunction function, CompiledFunction program, HashSet<string> maps)
        {
            foreach (var call in function.Calls)
            {
                bool known = false;
                foreach (var subprogram in program.Subprograms) known |= subprogram.Name == call.Callee;
                if (!known) throw new ArgumentException($"Function '{function.Name}' calls '{call.Callee}', which is not among the subprograms of '{program.Name}'.", "spec");
                int index = call.InstructionIndex;
                if (call.IsAddress)
                {
                    if (index < 0 || index + 1 >= function.Code.Count || !function.Code[index].IsLoadImm64)
                        throw new ArgumentException($"Function '{function.Name}': address relocation at {index} is not on an ld_imm64.", "spec");
                }
                else if (index < 0 || index >= function.Code.Count || function.Code[index].Opcode != KernelModel.Opcodes.Call || function.Code[index].Src != KernelModel.Opcodes.PseudoCall)
                    throw new ArgumentException($"Function '{function.Name}': call relocation at {index} is not on a BPF-to-BPF call.", "spec");
            }
            foreach (var relocation in function.Relocations)
            {
                int index = relocation.InstructionIndex;
                if (index < 0 || index + 1 >= function.Code.Count || !function.Code[index].IsLoadImm64)
                    throw new ArgumentException($"Program '{function.Name}': relocation at {index} is not on an ld_imm64.", "spec");
                if (!maps.Contains(relocation.MapName))
                    throw new ArgumentException($"Program '{function.Name}' references unknown map or global '{relocation.MapName}'.", "spec");
            }
        }
    }
}
