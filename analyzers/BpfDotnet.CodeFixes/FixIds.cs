namespace BpfDotnet.CodeFixes
{
    /// <summary>The ids of the BpfDotnet diagnostics these fixes handle (documented under docs/diagnostics).</summary>
    internal static class FixIds
    {
        /// <summary>A construct outside the compiled subset.</summary>
        public const string UnsupportedConstruct = "BPF0008";

        /// <summary>A map value used without a null test.</summary>
        public const string MaybeNullMapValue = "BPF0015";

        /// <summary>A division C# would throw for and eBPF would not.</summary>
        public const string UnsupportedDivision = "BPF0016";
    }
}
