namespace BpfDotnet
{
    /// <summary>How a map update treats an existing entry (<c>BPF_ANY</c>, <c>BPF_NOEXIST</c>, <c>BPF_EXIST</c>).</summary>
    public enum BpfUpdateFlags : ulong
    {
        /// <summary>Create the entry or overwrite it.</summary>
        Any = 0,

        /// <summary>Create the entry only if it does not exist.</summary>
        NoExist = 1,

        /// <summary>Overwrite the entry only if it exists.</summary>
        Exist = 2,
    }
}
