namespace BpfDotnet.KernelModel
{
    /// <summary>The <c>BPF_F_*</c> flags of <c>BPF_MAP_CREATE</c>'s <c>map_flags</c>.</summary>
    [System.Flags]
    internal enum MapFlags : uint
    {
        None = 0,
        NoPrealloc = 1 << 0,
        NoCommonLru = 1 << 1,
        NumaNode = 1 << 2,
        ReadOnly = 1 << 3,
        WriteOnly = 1 << 4,
        StackBuildId = 1 << 5,
        ZeroSeed = 1 << 6,
        ReadOnlyProgram = 1 << 7,
        WriteOnlyProgram = 1 << 8,
        Clone = 1 << 9,
        Mmapable = 1 << 10,
        PreserveElements = 1 << 11,
        InnerMap = 1 << 12,

        /// <summary><c>BPF_F_ACCESS_MASK</c>: who may read and write the map.</summary>
        AccessMask = ReadOnly | WriteOnly | ReadOnlyProgram | WriteOnlyProgram,
    }
}
