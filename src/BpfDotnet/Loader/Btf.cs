using System;
using System.Collections.Generic;
using System.Linq;
using BpfDotnet.KernelModel;

namespace BpfDotnet.Loader
{
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
    /// An object's <c>.BTF</c>, read by the kernel model's <see cref="BtfReader"/>: the BTF-defined maps, and the DATASEC
    /// sizes and variable offsets (which compilers leave for the loader) fixed up before BPF_BTF_LOAD.
    /// </summary>
    internal sealed class Btf : BtfReader
    {
        public Btf(byte[] raw)
            : base(raw, "the object's .BTF section", message => new BpfException(message))
        {
        }

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
                    WriteU32(t.Offset + 8, t.SizeOrType);
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
                    WriteU32(m, infos[i].Type);
                    WriteU32(m + 4, infos[i].Offset);
                    WriteU32(m + 8, infos[i].Size);
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
}
