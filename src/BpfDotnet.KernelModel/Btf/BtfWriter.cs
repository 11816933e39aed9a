using System;
using System.Collections.Generic;

namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// Writes a <c>.BTF</c> section: a type table in which identical types get one id, and a string table in which
    /// identical strings get one offset. Ids are given in first-use order, so the same sequence of calls always yields
    /// the same bytes. <see cref="BtfReader"/> reads what it writes.
    /// </summary>
    internal class BtfWriter
    {
        /// <summary>The magic number of <c>.BTF</c> and <c>.BTF.ext</c>.</summary>
        public const ushort Magic = 0xEB9F;

        /// <summary>The header length of the version this writer writes.</summary>
        public const int HeaderLength = 24;

        /// <summary>The most members, parameters or entries a type may have (the 16-bit <c>vlen</c>).</summary>
        public const int MaxVlen = 0xffff;

        /// <summary>An INT's encoding: signed.</summary>
        public const uint IntSigned = 1;

        /// <summary>An INT's encoding: a boolean.</summary>
        public const uint IntBool = 4;

        /// <summary>The index type clang gives every array: a 32-bit unsigned INT.</summary>
        public const string ArrayIndexTypeName = "__ARRAY_SIZE_TYPE__";

        private readonly StringTable _strings = new StringTable();
        private readonly ByteBuffer _types = new ByteBuffer();
        private readonly Dictionary<string, int> _idsByEncoding = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Func<string, string> _identifier;
        private int _count;

        /// <summary>Creates an empty writer.</summary>
        /// <param name="identifier">Turns the names of types, members and variables into the identifiers BTF holds (none by default).</param>
        public BtfWriter(Func<string, string>? identifier = null) => _identifier = identifier ?? (name => name);

        /// <summary>The number of types written.</summary>
        public int Count => _count;

        /// <summary>Adds <paramref name="value"/> to the string table and returns its offset.</summary>
        public uint AddString(string value) => _strings.Add(value);

        /// <summary>Adds an INT; <paramref name="encoding"/> is 0, <see cref="IntSigned"/> or <see cref="IntBool"/>.</summary>
        public int AddInt(string name, int byteSize, uint encoding)
        {
            var data = new ByteBuffer();
            data.U32((encoding << 24) | (uint)(byteSize * 8));
            // C names its integers with spaces ("unsigned int"), as the kernel's BTF does: kept as they are.
            return Add(BtfKind.Int, name, 0, kindFlag: false, (uint)byteSize, data);
        }

        /// <summary>Adds a PTR to <paramref name="target"/> (0 = void).</summary>
        public int AddPointer(int target) => Add(BtfKind.Ptr, string.Empty, 0, kindFlag: false, (uint)target, null);

        /// <summary>Adds an ARRAY of <paramref name="count"/> elements, indexed by <see cref="ArrayIndexTypeName"/>.</summary>
        public int AddArray(int element, uint count)
        {
            int index = AddInt(ArrayIndexTypeName, 4, 0);
            var data = new ByteBuffer();
            data.U32((uint)element);
            data.U32((uint)index);
            data.U32(count);
            return Add(BtfKind.Array, string.Empty, 0, kindFlag: false, 0, data);
        }

        /// <summary>Adds a STRUCT; an empty <paramref name="name"/> makes it anonymous.</summary>
        public int AddStruct(string name, int byteSize, IReadOnlyList<(string Name, int Type, int ByteOffset)> members)
            => AddComposite(BtfKind.Struct, name, byteSize, members);

        /// <summary>
        /// Adds a STRUCT some of whose members are bitfields: each member placed at a bit offset, with its size in bits
        /// (0 for a whole member), as kind_flag structs place them.
        /// </summary>
        public int AddStructWithBitfields(string name, int byteSize, IReadOnlyList<(string Name, int Type, int BitOffset, int BitSize)> members)
        {
            CheckVlen(members.Count, name);
            var data = new ByteBuffer();
            foreach (var (memberName, memberType, bitOffset, bitSize) in members)
            {
                data.U32(_strings.Add(_identifier(memberName)));
                data.U32((uint)memberType);
                data.U32(((uint)bitSize << 24) | ((uint)bitOffset & 0xffffff));
            }
            return Add(BtfKind.Struct, _identifier(name), members.Count, kindFlag: true, (uint)byteSize, data);
        }

        /// <summary>Adds a UNION; an empty <paramref name="name"/> makes it anonymous.</summary>
        public int AddUnion(string name, int byteSize, IReadOnlyList<(string Name, int Type, int ByteOffset)> members)
            => AddComposite(BtfKind.Union, name, byteSize, members);

        private int AddComposite(BtfKind kind, string name, int byteSize, IReadOnlyList<(string Name, int Type, int ByteOffset)> members)
        {
            CheckVlen(members.Count, name);
            var data = new ByteBuffer();
            foreach (var (memberName, memberType, offset) in members)
            {
                data.U32(_strings.Add(_identifier(memberName)));
                data.U32((uint)memberType);
                data.U32((uint)offset * 8);
            }
            return Add(kind, _identifier(name), members.Count, kindFlag: false, (uint)byteSize, data);
        }

        /// <summary>Adds an ENUM (4 bytes or less) or ENUM64 of the values <paramref name="members"/>.</summary>
        public int AddEnum(string name, int byteSize, bool signed, IReadOnlyList<(string Name, long Value)> members)
        {
            CheckVlen(members.Count, name);
            bool wide = byteSize == 8;
            var data = new ByteBuffer();
            foreach (var (memberName, value) in members)
            {
                data.U32(_strings.Add(_identifier(memberName)));
                data.U32(unchecked((uint)value));
                if (wide) data.U32(unchecked((uint)(value >> 32)));
            }
            // kind_flag marks a signed enum (kernel 6.0+).
            return Add(wide ? BtfKind.Enum64 : BtfKind.Enum, _identifier(name), members.Count, kindFlag: signed, (uint)byteSize, data);
        }

        /// <summary>Adds a FUNC_PROTO with named parameters (<paramref name="returnType"/> 0 = void).</summary>
        public int AddFuncProto(int returnType, IReadOnlyList<(string Name, int Type)> parameters)
        {
            CheckVlen(parameters.Count, "function prototype");
            var data = new ByteBuffer();
            foreach (var (paramName, paramType) in parameters)
            {
                data.U32(_strings.Add(_identifier(paramName)));
                data.U32((uint)paramType);
            }
            return Add(BtfKind.FuncProto, string.Empty, parameters.Count, kindFlag: false, (uint)returnType, data);
        }

        /// <summary>Adds a FUNC of prototype <paramref name="proto"/>.</summary>
        public int AddFunc(string name, int proto, uint linkage)
            => Add(BtfKind.Func, _identifier(name), (int)linkage, kindFlag: false, (uint)proto, null);

        /// <summary>Adds a VAR of type <paramref name="type"/>.</summary>
        public int AddVar(string name, int type, uint linkage)
        {
            var data = new ByteBuffer();
            data.U32(linkage);
            return Add(BtfKind.Var, _identifier(name), 0, kindFlag: false, (uint)type, data);
        }

        /// <summary>Adds a DATASEC; <paramref name="variables"/> must be ascending and non-overlapping.</summary>
        public int AddDatasec(string name, int byteSize, IReadOnlyList<(int Var, int ByteOffset, int ByteSize)> variables)
        {
            CheckVlen(variables.Count, name);
            var data = new ByteBuffer();
            foreach (var (variable, offset, size) in variables)
            {
                data.U32((uint)variable);
                data.U32((uint)offset);
                data.U32((uint)size);
            }
            // DATASEC names are section names (".maps"), not identifiers.
            return Add(BtfKind.Datasec, name, variables.Count, kindFlag: false, (uint)byteSize, data);
        }

        /// <summary>The complete <c>.BTF</c> section: header, types, strings.</summary>
        public byte[] ToArray()
        {
            var types = _types.ToArray();
            var strings = _strings.ToArray();
            var output = new ByteBuffer();
            output.U16(Magic);
            output.U8(1); // version
            output.U8(0); // flags
            output.U32(HeaderLength);
            output.U32(0); // type_off
            output.U32((uint)types.Length);
            output.U32((uint)types.Length); // str_off
            output.U32((uint)strings.Length);
            output.Bytes(types);
            output.Bytes(strings);
            return output.ToArray();
        }

        private int Add(BtfKind kind, string name, int vlen, bool kindFlag, uint sizeOrType, ByteBuffer? data)
        {
            var record = new ByteBuffer();
            record.U32(_strings.Add(name));
            record.U32((uint)vlen | ((uint)kind << 24) | (kindFlag ? 0x80000000u : 0));
            record.U32(sizeOrType);
            if (data != null) record.Bytes(data.ToArray());
            var bytes = record.ToArray();

            string key = Convert.ToBase64String(bytes);
            if (_idsByEncoding.TryGetValue(key, out int existing)) return existing;
            _types.Bytes(bytes);
            int id = ++_count;
            _idsByEncoding.Add(key, id);
            return id;
        }

        private static void CheckVlen(int count, string owner)
        {
            if (count > MaxVlen) throw new ArgumentException($"'{owner}' has {count} entries; BTF allows at most {MaxVlen}.");
        }
    }
}
