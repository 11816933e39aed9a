using System;
using System.Collections.Generic;
using BpfDotnet.Compiler.Model;
using BpfDotnet.KernelModel;

namespace BpfDotnet.Compiler.Object
{
    /// <summary>
    /// The kernel model's <see cref="BtfWriter"/> with C# types: <see cref="AddType"/> writes a model type and what it
    /// refers to once, and every name becomes a C identifier.
    /// </summary>
    internal sealed class BtfBuilder : BtfWriter
    {
        private readonly Dictionary<BpfType, int> _idsByModel = new Dictionary<BpfType, int>();

        public BtfBuilder()
            : base(CIdentifier.Sanitize)
        {
        }

        /// <summary>Returns the BTF id of a model type, adding it (and everything it refers to) on first use.</summary>
        public int AddType(BpfType? type)
        {
            if (type is null) return 0;
            if (_idsByModel.TryGetValue(type, out int id)) return id;
            id = type switch
            {
                IntType i => AddInt(i.Name, i.ByteSize, i.IsBool ? IntBool : i.Signed ? IntSigned : 0),
                EnumType e => AddEnum(e),
                StructType s => AddStruct(s),
                ArrayType a => AddArray(AddType(a.Element), (uint)a.Count),
                PointerType p => AddPointer(AddType(p.Target)),
                _ => throw new ArgumentException($"BTF has no encoding for {type.GetType().Name}.", nameof(type)),
            };
            _idsByModel.Add(type, id);
            return id;
        }

        private int AddEnum(EnumType type)
        {
            var members = new List<(string, long)>(type.Members.Count);
            foreach (var member in type.Members) members.Add((member.Name, member.Value));
            return AddEnum(type.Name, type.Underlying.ByteSize, type.Underlying.Signed, members);
        }

        private int AddStruct(StructType type)
        {
            var members = new List<(string, int, int)>(type.Members.Count);
            foreach (var member in type.Members) members.Add((member.Name, AddType(member.Type), member.Offset));
            return AddStruct(type.Name, type.ByteSize, members);
        }
    }
}
