namespace BpfDotnet.Compiler.Object
{
    /// <summary>BTF type kinds (<c>include/uapi/linux/btf.h</c>), the ones the object writer emits.</summary>
    internal enum BtfKind
    {
        Int = 1,
        Ptr = 2,
        Array = 3,
        Struct = 4,
        Enum = 6,
        Func = 12,
        FuncProto = 13,
        Var = 14,
        Datasec = 15,
        Enum64 = 19,
    }

    /// <summary>Linkage of a BTF FUNC (in its vlen) or VAR.</summary>
    internal static class BtfLinkage
    {
        public const uint Static = 0;
        public const uint Global = 1;
    }
}
