using System;
using System.Collections.Generic;
using System.Text;

namespace BpfDotnet.KernelModel
{
    /// <summary>One BTF type record: its header and where its kind-specific data lives.</summary>
    internal sealed class BtfType
    {
        public uint Id;
        public uint NameOff;
        public BtfKind Kind;
        public int Vlen;
        public bool KindFlag;
        public uint SizeOrType;
        /// <summary>Offset of this type's header inside the raw BTF blob.</summary>
        public int Offset;
        /// <summary>The reader whose strings hold the name (null for void).</summary>
        internal BtfReader? Reader;
        private string? _name;

        /// <summary>The type's name, decoded from the strings on first use (a kernel's BTF has over 100,000 types, most never named in a lookup).</summary>
        public string Name
        {
            get => _name ??= Reader?.String(NameOff) ?? "";
            set => _name = value;
        }
    }

    /// <summary>A member of a struct or union (its offset in bits; with kind_flag set, the bitfield size is in the top 8 bits).</summary>
    internal readonly record struct BtfMember(string Name, uint Type, uint BitOffset);

    /// <summary>A DATASEC entry.</summary>
    internal readonly record struct BtfVarSecInfo(uint Type, uint Offset, uint Size);

    /// <summary>
    /// Reads a <c>.BTF</c> blob (what <see cref="BtfWriter"/> writes, what clang writes, the kernel's own): the header,
    /// the types and the strings, every offset and count checked against the blob before it is read, the string section
    /// NUL-terminated, as libbpf checks them. Failures are the exceptions <c>fail</c> makes, so each user of the model
    /// reports them its own way.
    /// </summary>
    internal class BtfReader
    {
        private readonly byte[] _raw;
        private readonly int _strStart;
        private readonly int _strLen;
        private readonly Func<string, Exception> _fail;

        /// <summary>The types by id; id 0 is void.</summary>
        public List<BtfType> Types { get; } = new List<BtfType> { new BtfType { Id = 0, Kind = BtfKind.Unknown } };

        /// <summary>The blob (changes made through <see cref="WriteU32"/> included).</summary>
        public byte[] Raw => _raw;

        /// <summary>Reads <paramref name="raw"/> (a copy of it is kept).</summary>
        /// <param name="raw">The blob.</param>
        /// <param name="what">What the blob is, for messages (<c>the object's .BTF section</c>).</param>
        /// <param name="fail">Makes the exception thrown for a malformed blob from its message.</param>
        /// <param name="owned">True when the caller hands the array over (it keeps no reference): no copy is made.</param>
        public BtfReader(byte[] raw, string what, Func<string, Exception> fail, bool owned = false)
        {
            _fail = fail;
            _raw = owned ? raw : (byte[])raw.Clone();
            if (_raw.Length < 24 || (_raw[0] | _raw[1] << 8) != BtfWriter.Magic)
                throw fail(Capitalized(what) + " is not BTF (bad magic).");
            long hdrLen = U32(_raw, 4);
            long typeOff = U32(_raw, 8), typeLen = U32(_raw, 12), strOff = U32(_raw, 16), strLen = U32(_raw, 20);
            long typeStart = hdrLen + typeOff, typeEnd = typeStart + typeLen, strStart = hdrLen + strOff;
            if (hdrLen < 24 || typeEnd > _raw.Length || strStart + strLen > _raw.Length)
                throw fail(Capitalized(what) + " is truncated: its header describes more bytes than it has.");
            if (strLen == 0 || _raw[strStart + strLen - 1] != 0 || _raw[strStart] != 0)
                throw fail(Capitalized(what) + " has a string section that does not start and end with a NUL.");
            _strStart = (int)strStart;
            _strLen = (int)strLen;
            long p = typeStart;
            uint id = 1;
            while (p < typeEnd)
            {
                if (p + 12 > typeEnd) throw fail(Capitalized(what) + " ends inside a type.");
                uint info = U32(_raw, (int)p + 4);
                var t = new BtfType
                {
                    Id = id++,
                    Offset = (int)p,
                    NameOff = U32(_raw, (int)p),
                    Vlen = (int)(info & 0xffff),
                    KindFlag = (info & 0x80000000u) != 0,
                    Kind = (BtfKind)((info >> 24) & 0x1f),
                    SizeOrType = U32(_raw, (int)p + 8),
                    Reader = this,
                };
                p += 12 + ExtraSize(t, what);
                if (p > typeEnd) throw fail(Capitalized(what) + $" ends inside type {t.Id}.");
                Types.Add(t);
            }
        }

        private static string Capitalized(string what) => what.Length == 0 ? what : char.ToUpperInvariant(what[0]) + what.Substring(1);

        private long ExtraSize(BtfType t, string what) => t.Kind switch
        {
            BtfKind.Int => 4,
            BtfKind.Array => 12,
            BtfKind.Struct or BtfKind.Union => 12L * t.Vlen,
            BtfKind.Enum => 8L * t.Vlen,
            BtfKind.FuncProto => 8L * t.Vlen,
            BtfKind.Var => 4,
            BtfKind.Datasec => 12L * t.Vlen,
            BtfKind.DeclTag => 4,
            BtfKind.Enum64 => 12L * t.Vlen,
            BtfKind.Ptr or BtfKind.Fwd or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                or BtfKind.Func or BtfKind.Float or BtfKind.TypeTag => 0,
            _ => throw _fail(Capitalized(what) + $" has a type of unknown kind {(int)t.Kind}."),
        };

        /// <summary>The string at <paramref name="offset"/> of the string section ("" past its end).</summary>
        public string String(uint offset)
        {
            if (offset >= _strLen) return "";
            int start = _strStart + (int)offset;
            int end = Array.IndexOf(_raw, (byte)0, start, _strLen - (int)offset);
            return Encoding.UTF8.GetString(_raw, start, end - start);
        }

        /// <summary>
        /// The first type of <paramref name="kind"/> named <paramref name="name"/>, found by comparing the name's bytes with
        /// the strings in place (no name is decoded), or null.
        /// </summary>
        public BtfType? FindByName(BtfKind kind, string name)
        {
            byte[] wanted = Encoding.UTF8.GetBytes(name);
            var strings = new ReadOnlySpan<byte>(_raw, _strStart, _strLen);
            foreach (var t in Types)
            {
                if (t.Kind != kind || t.NameOff >= (uint)_strLen || (long)t.NameOff + wanted.Length >= _strLen) continue;
                var at = strings.Slice((int)t.NameOff);
                if (at[wanted.Length] == 0 && at.Slice(0, wanted.Length).SequenceEqual(wanted)) return t;
            }
            return null;
        }

        /// <summary>The type <paramref name="id"/>.</summary>
        public BtfType Get(uint id) =>
            id < Types.Count ? Types[(int)id] : throw _fail($"The BTF refers to type id {id}, which does not exist.");

        /// <summary>The members of a STRUCT or UNION.</summary>
        public IEnumerable<BtfMember> Members(BtfType t)
        {
            for (int i = 0; i < t.Vlen; i++)
            {
                int m = t.Offset + 12 + 12 * i;
                yield return new BtfMember(String(U32(_raw, m)), U32(_raw, m + 4), U32(_raw, m + 8));
            }
        }

        /// <summary>The values of an ENUM or ENUM64 (signed when the type's kind_flag says so).</summary>
        public IEnumerable<(string Name, long Value)> EnumValues(BtfType t)
        {
            bool wide = t.Kind == BtfKind.Enum64;
            for (int i = 0; i < t.Vlen; i++)
            {
                int m = t.Offset + 12 + (wide ? 12 : 8) * i;
                uint low = U32(_raw, m + 4);
                long value = wide ? (long)((ulong)U32(_raw, m + 8) << 32 | low) : t.KindFlag ? unchecked((int)low) : low;
                yield return (String(U32(_raw, m)), value);
            }
        }

        /// <summary>The parameters of a FUNC_PROTO.</summary>
        public IEnumerable<(string Name, uint Type)> Parameters(BtfType t)
        {
            for (int i = 0; i < t.Vlen; i++)
            {
                int m = t.Offset + 12 + 8 * i;
                yield return (String(U32(_raw, m)), U32(_raw, m + 4));
            }
        }

        /// <summary>The entries of a DATASEC.</summary>
        public List<BtfVarSecInfo> SecInfos(BtfType t)
        {
            var list = new List<BtfVarSecInfo>();
            for (int i = 0; i < t.Vlen; i++)
            {
                int m = t.Offset + 12 + 12 * i;
                list.Add(new BtfVarSecInfo(U32(_raw, m), U32(_raw, m + 4), U32(_raw, m + 8)));
            }
            return list;
        }

        /// <summary>Element type and element count of an ARRAY.</summary>
        public (uint Elem, uint Nelems) ArrayInfo(BtfType t) => (U32(_raw, t.Offset + 12), U32(_raw, t.Offset + 20));

        /// <summary>An INT's encoding (<see cref="BtfWriter.IntSigned"/>, <see cref="BtfWriter.IntBool"/>) and size in bits.</summary>
        public (uint Encoding, uint Bits) IntInfo(BtfType t)
        {
            uint data = U32(_raw, t.Offset + 12);
            return (data >> 24 & 0xf, data & 0xff);
        }

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
            throw _fail("The BTF has a loop of modifiers (typedef, const, volatile).");
        }

        /// <summary>Size in bytes of type <paramref name="id"/>, following modifiers and arrays.</summary>
        public uint SizeOf(uint id) => SizeOf(id, 0);

        private uint SizeOf(uint id, int depth)
        {
            if (depth > 64) throw _fail("The BTF nests arrays more than 64 deep.");
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
                    ulong size = (ulong)SizeOf(elem, depth + 1) * n;
                    if (size > uint.MaxValue) throw _fail($"BTF array type {t.Id} is larger than 4 GiB.");
                    return (uint)size;
                case BtfKind.Var:
                    return SizeOf(t.SizeOrType, depth + 1);
                default:
                    throw _fail($"Cannot compute the size of BTF type {t.Id} ('{t.Name}', kind {t.Kind}).");
            }
        }

        /// <summary>The DATASEC named <paramref name="name"/>, or null.</summary>
        public BtfType? FindDatasec(string name)
        {
            foreach (var t in Types)
            {
                if (t.Kind == BtfKind.Datasec && t.Name == name) return t;
            }
            return null;
        }

        /// <summary>Changes the <c>u32</c> at <paramref name="offset"/> of the blob (sizes and offsets a loader fills in).</summary>
        protected void WriteU32(int offset, uint value)
        {
            for (int i = 0; i < 4; i++) _raw[offset + i] = (byte)(value >> (8 * i));
        }

        private static uint U32(byte[] raw, int offset) => (uint)(raw[offset] | raw[offset + 1] << 8 | raw[offset + 2] << 16 | raw[offset + 3] << 24);
    }
}
