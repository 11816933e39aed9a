namespace BpfDotnet.KernelModel
{
    /// <summary>BTF type kinds (<c>include/uapi/linux/btf.h</c>): the object writer emits them, the loader reads them.</summary>
    internal enum BtfKind
    {
        Unknown = 0, Int = 1, Ptr = 2, Array = 3, Struct = 4, Union = 5, Enum = 6, Fwd = 7, Typedef = 8,
        Volatile = 9, Const = 10, Restrict = 11, Func = 12, FuncProto = 13, Var = 14, Datasec = 15,
        Float = 16, DeclTag = 17, TypeTag = 18, Enum64 = 19,
    }

    /// <summary>Linkage of a BTF FUNC (in its vlen) or VAR.</summary>
    internal static class BtfLinkage
    {
        public const uint Static = 0;
        public const uint Global = 1;
    }
}
