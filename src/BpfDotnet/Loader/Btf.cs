using System;
using System.Collections.Generic;
using System.Linq;
using static BpfDotnet.Interop.BpfSyscalls;
using BpfDotnet.KernelModel;

namespace BpfDotnet.Loader
{
    /// <summary>One BTF type record: its header and where its kind-specific data lives.</summary>
    internal sealed class BtfType
    {
        public uint Id;
        public uint NameOff;
        public BtfKind Kind;
        public int Vlen;
        public uint SizeOrType;
        /// <summary>Offset of this type's header inside the raw BTF blob.</summary>
        public int Offset;
        public string Name = "";
    }

    /// <summary>A member of a struct or union.</summary>
    internal readonly record struct BtfMember(string Name, uint Type, uint BitOffset);

    /// <summary>A DATASEC entry.</summary>
    internal readonly record struct BtfVarSecInfo(uint Type, uint Offset, uint Size);

    /// <summary>A map definition read from the <c>.maps</c> DATASEC.</summary>
    internal sealed class BtfMapDefinition
    {
        public string Name = "";
        public uint Type;
        public uint KeySize;
        public uint ValueSize;
        public uint MaxEntries;
        public uint Flags;
        public uint KeyTypeId;
        public uint ValueTypeId;
        public uint Offset;   // offset of the VAR inside .maps
        /// <summary>For a map of maps: the inner maps' definition (<c>__array(values, struct { ... })</c>).</summary>
        public BtfMapDefinition? Inner;
    }

    /// <summary>
    /// A parser for the raw <c>.BTF</c> blob: enough to read BTF-defined maps and to fix up DATASEC sizes and
    /// variable offsets (which compilers leave for the loader) before BPF_BTF_LOAD.
    /// </summary>
    internal sealed class Btf
    {
        private readonly byte[] _raw;
        private readonly int _typeStart;
        private readonly int _strStart;
        private readonly int _strLen;

        public List<BtfType> Types { get; } = new List<BtfType> { new BtfType { Id = 0, Kind = BtfKind.Unknown } };

        /// <summary>The (possibly fixed-up) BTF blob to hand to the kernel.</summary>
        public byte[] Raw => _raw;

        public Btf(byte[] raw)
        {
            _raw = (byte[])raw.Clone();
            if (_raw.Length < 24 || (_raw[0] | _raw[1] << 8) != 0xEB9F)
                throw new BpfException("The object's .BTF section is not BTF (bad magic); rebuild the object with debug info (clang -g).");
            uint hdrLen = R32(_raw, 4);
            uint typeOff = R32(_raw, 8), typeLen = R32(_raw, 12), strOff = R32(_raw, 16), strLen = R32(_raw, 20);
            _typeStart = (int)(hdrLen + typeOff);
            _strStart = (int)(hdrLen + strOff);
            _strLen = (int)strLen;
            if (_typeStart + typeLen > _raw.Length || _strStart + strLen > _raw.Length)
                throw new BpfException("The object's .BTF section is truncated.");
            int p = _typeStart, end = _typeStart + (int)typeLen;
            uint id = 1;
            while (p < end)
            {
                uint info = R32(_raw, p + 4);
                var t = new BtfType
                {
                    Id = id++,
                    Offset = p,
                    NameOff = R32(_raw, p),
                    Vlen = (int)(info & 0xffff),
                    Kind = (BtfKind)((info >> 24) & 0x1f),
                    SizeOrType = R32(_raw, p + 8),
                };
                t.Name = String(t.NameOff);
                Types.Add(t);
                p += 12 + ExtraSize(t);
            }
        }

        private static int ExtraSize(BtfType t) => t.Kind switch
        {
            BtfKind.Int => 4,
            BtfKind.Array => 12,
            BtfKind.Struct or BtfKind.Union => 12 * t.Vlen,
            BtfKind.Enum => 8 * t.Vlen,
            BtfKind.FuncProto => 8 * t.Vlen,
            BtfKind.Var => 4,
            BtfKind.Datasec => 12 * t.Vlen,
            BtfKind.DeclTag => 4,
            BtfKind.Enum64 => 12 * t.Vlen,
            BtfKind.Ptr or BtfKind.Fwd or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                or BtfKind.Func or BtfKind.Float or BtfKind.TypeTag => 0,
            _ => throw new BpfException($"The object's BTF has a type of unknown kind {(int)t.Kind}; this loader does not know it."),
        };

        public string String(uint off) =>
            off < _strLen ? ElfObjectFile.ReadString(_raw, (uint)_strStart + off) : "";

        public BtfType Get(uint id) =>
            id < Types.Count ? Types[(int)id] : throw new BpfException($"The object's BTF refers to type id {id}, which does not exist.");

        public IEnumerable<BtfMember> Members(BtfType t)
        {
            for (int i = 0; i < t.Vlen; i++)
            {
                int m = t.Offset + 12 + 12 * i;
                yield return new BtfMember(String(R32(_raw, m)), R32(_raw, m + 4), R32(_raw, m + 8));
            }
        }

        public List<BtfVarSecInfo> SecInfos(BtfType t)
        {
            var list = new List<BtfVarSecInfo>();
            for (int i = 0; i < t.Vlen; i++)
            {
                int m = t.Offset + 12 + 12 * i;
                list.Add(new BtfVarSecInfo(R32(_raw, m), R32(_raw, m + 4), R32(_raw, m + 8)));
            }
            return list;
        }

        /// <summary>Element type, index type and element count of an ARRAY.</summary>
        public (uint Elem, uint Nelems) ArrayInfo(BtfType t) => (R32(_raw, t.Offset + 12), R32(_raw, t.Offset + 20));

        /// <summary>Follows typedef/const/volatile/restrict/type_tag to the underlying type.</summary>
        public BtfType SkipModifiers(uint id)
        {
            for (int guard = 0; guard < 64; guard++)
            {
                BtfType t = Get(id);
                if (t.Kind is BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag)
                {
                    id = t.SizeOrType;
                    continue;
                }
                return t;
            }
            throw new BpfException("The object's BTF has a modifier loop.");
        }

        /// <summary>Size in bytes of type <paramref name="id"/>, following modifiers and arrays.</summary>
        public uint SizeOf(uint id)
        {
            BtfType t = SkipModifiers(id);
            switch (t.Kind)
            {
                case BtfKind.Int:
                case BtfKind.Struct:
                case BtfKind.Union:
                case BtfKind.Enum:
                case BtfKind.Enum64:
                case BtfKind.Float:
                case BtfKind.Datasec:
                    return t.SizeOrType;
                case BtfKind.Ptr:
                    return 8;
                case BtfKind.Array:
                    (uint elem, uint n) = ArrayInfo(t);
                    return checked(SizeOf(elem) * n);
                case BtfKind.Var:
                    return SizeOf(t.SizeOrType);
                default:
                    throw new BpfException($"Cannot compute the size of BTF type {t.Id} ('{t.Name}', kind {t.Kind}).");
            }
        }

        public BtfType? FindDatasec(string name) => Types.FirstOrDefault(t => t.Kind == BtfKind.Datasec && t.Name == name);

        /// <summary>
        /// Sets each DATASEC's size from its ELF section and each variable's offset from its ELF symbol (compilers
        /// leave these to the loader), and sorts the entries by offset as the kernel requires.
        /// </summary>
        public void FixupDatasecs(ElfObjectFile elf)
        {
            foreach (BtfType t in Types)
            {
                if (t.Kind != BtfKind.Datasec) continue;
                ElfSection? sec = elf.FindSection(t.Name);
                if (sec == null) continue;
                if (t.SizeOrType == 0)
                {
                    t.SizeOrType = (uint)sec.Size;
                    W32(_raw, t.Offset + 8, t.SizeOrType);
                }
                var infos = SecInfos(t);
                for (int i = 0; i < infos.Count; i++)
                {
                    BtfType v = Get(infos[i].Type);
                    if (v.Kind != BtfKind.Var) continue;
                    ElfSymbol? sym = elf.Symbols.FirstOrDefault(s => s.Name == v.Name && s.SectionIndex == sec.Index && s.SymType == ElfSymbol.SttObject);
                    if (sym != null)
                    {
                        infos[i] = infos[i] with { Offset = (uint)sym.Value };
                    }
                }
                infos.Sort((a, b) => a.Offset.CompareTo(b.Offset));
                for (int i = 0; i < infos.Count; i++)
                {
                    int m = t.Offset + 12 + 12 * i;
                    W32(_raw, m, infos[i].Type);
                    W32(_raw, m + 4, infos[i].Offset);
                    W32(_raw, m + 8, infos[i].Size);
                }
            }
        }

        /// <summary>Reads the BTF-defined maps of the <c>.maps</c> DATASEC.</summary>
        public List<BtfMapDefinition> ReadMaps()
        {
            var result = new List<BtfMapDefinition>();
            BtfType? ds = FindDatasec(".maps");
            if (ds == null) return result;
            foreach (BtfVarSecInfo vs in SecInfos(ds))
            {
                BtfType v = Get(vs.Type);
                if (v.Kind != BtfKind.Var)
                    throw new BpfException($"The .maps DATASEC holds BTF type {v.Id} of kind {v.Kind}, not a VAR.");
                BtfType def = SkipModifiers(v.SizeOrType);
                if (def.Kind != BtfKind.Struct)
                    throw new BpfException($"Map '{v.Name}' is not declared as a struct in .maps (BTF kind {def.Kind}).");
                var m = ReadDefinition(v.Name, def);
                m.Offset = vs.Offset;
                result.Add(m);
            }
            return result;
        }

        /// <summary>The attributes of the map definition struct <paramref name="def"/> of map <paramref name="name"/>.</summary>
        private BtfMapDefinition ReadDefinition(string name, BtfType def, int depth = 0)
        {
            var m = new BtfMapDefinition { Name = name };
            foreach (BtfMember mem in Members(def))
            {
                switch (mem.Name)
                {
                    case "type": m.Type = UIntAttr(name, mem); break;
                    case "max_entries": m.MaxEntries = UIntAttr(name, mem); break;
                    case "map_flags": m.Flags = UIntAttr(name, mem); break;
                    case "key_size": m.KeySize = UIntAttr(name, mem); break;
                    case "value_size": m.ValueSize = UIntAttr(name, mem); break;
                    case "key":
                        m.KeyTypeId = PointeeId(name, mem);
                        m.KeySize = SizeOf(m.KeyTypeId);
                        break;
                    case "value":
                        m.ValueTypeId = PointeeId(name, mem);
                        m.ValueSize = SizeOf(m.ValueTypeId);
                        break;
                    case "pinning":
                    case "numa_node":
                    case "map_extra":
                        UIntAttr(name, mem);
                        break;
                    case "values":
                        m.Inner = InnerDefinition(name, mem, depth);
                        if (m.Inner is not null) m.ValueSize = 4;
                        break;
                    default:
                        throw new BpfException($"Map '{name}' has an unknown attribute '{mem.Name}' in its BTF definition.");
                }
            }
            return m;
        }

        /// <summary>
        /// <c>__array(values, struct inner)</c> = <c>struct inner *values[]</c>: the inner maps' definition of a map of maps,
        /// or null for the other maps that declare values this way (program arrays, whose values are programs).
        /// </summary>
        private BtfMapDefinition? InnerDefinition(string map, BtfMember mem, int depth)
        {
            BtfType array = SkipModifiers(mem.Type);
            if (array.Kind != BtfKind.Array)
                throw new BpfException($"Map '{map}': attribute 'values' must be declared as __array(values, T) (an array of pointers), but its BTF type is {array.Kind}.");
            BtfType pointer = SkipModifiers(ArrayInfo(array).Elem);
            if (pointer.Kind != BtfKind.Ptr)
                throw new BpfException($"Map '{map}': attribute 'values' must be an array of pointers, but its elements are of BTF kind {pointer.Kind}.");
            BtfType pointee = SkipModifiers(pointer.SizeOrType);
            if (pointee.Kind != BtfKind.Struct) return null;
            if (depth > 0) throw new BpfException($"Map '{map}' nests a map of maps in a map of maps; the kernel allows one level.");
            return ReadDefinition(map + ".inner", pointee, depth + 1);
        }

        /// <summary><c>__uint(name, v)</c> = <c>int (*name)[v]</c>: PTR → ARRAY, the value is nelems.</summary>
        private uint UIntAttr(string map, BtfMember mem)
        {
            BtfType p = SkipModifiers(mem.Type);
            if (p.Kind == BtfKind.Ptr)
            {
                BtfType a = SkipModifiers(p.SizeOrType);
                if (a.Kind == BtfKind.Array) return ArrayInfo(a).Nelems;
            }
            throw new BpfException($"Map '{map}': attribute '{mem.Name}' must be declared as __uint({mem.Name}, N) (a pointer to an array of N), but its BTF type is {p.Kind}.");
        }

        /// <summary><c>__type(name, T)</c> = <c>T *name</c>: the pointee type id.</summary>
        private uint PointeeId(string map, BtfMember mem)
        {
            BtfType p = SkipModifiers(mem.Type);
            if (p.Kind != BtfKind.Ptr)
                throw new BpfException($"Map '{map}': attribute '{mem.Name}' must be declared as __type({mem.Name}, T) (a pointer to T), but its BTF type is {p.Kind}.");
            return p.SizeOrType;
        }
    }

    /// <summary>One function or line info record block from <c>.BTF.ext</c>, per section.</summary>
    internal sealed class BtfExtInfo
    {
        public uint RecordSize;
        public Dictionary<string, List<byte[]>> BySection { get; } = new Dictionary<string, List<byte[]>>();
    }

    /// <summary>A parser for <c>.BTF.ext</c> (func_info and line_info; CO-RE records are not applied).</summary>
    internal sealed class BtfExt
    {
        public BtfExtInfo FuncInfo { get; } = new BtfExtInfo();
        public BtfExtInfo LineInfo { get; } = new BtfExtInfo();
        public bool HasCoreRelocations { get; private set; }

        public BtfExt(byte[] raw, Btf btf)
        {
            if (raw.Length < 24 || (raw[0] | raw[1] << 8) != 0xEB9F)
                throw new BpfException("The object's .BTF.ext section is not BTF.ext (bad magic).");
            long hdrLen = R32(raw, 4);
            Read(raw, btf, hdrLen + R32(raw, 8), R32(raw, 12), FuncInfo);
            Read(raw, btf, hdrLen + R32(raw, 16), R32(raw, 20), LineInfo);
            if (hdrLen >= 32 && R32(raw, 28) > 0) HasCoreRelocations = true;
        }

        private static void Read(byte[] raw, Btf btf, long off, long len, BtfExtInfo into)
        {
            if (len == 0) return;
            if (len < 4 || off < 0 || off + len > raw.Length) throw new BpfException("The object's .BTF.ext section is truncated.");
            into.RecordSize = R32(raw, (int)off);
            if (into.RecordSize < 8 || into.RecordSize > len) throw new BpfException("The object's .BTF.ext has an invalid record size.");
            long p = off + 4, end = off + len;
            while (p + 8 <= end)
            {
                string sec = btf.String(R32(raw, (int)p));
                long n = R32(raw, (int)p + 4);
                p += 8;
                // Every record must lie inside the section: a count can claim no more than the bytes that follow.
                if (n * into.RecordSize > end - p) throw new BpfException($"The object's .BTF.ext claims {n} records for section '{sec}', more than it holds.");
                if (!into.BySection.TryGetValue(sec, out var list)) into.BySection[sec] = list = new List<byte[]>();
                for (long i = 0; i < n; i++)
                {
                    list.Add(raw.AsSpan((int)p, (int)into.RecordSize).ToArray());
                    p += into.RecordSize;
                }
            }
        }
    }
}
