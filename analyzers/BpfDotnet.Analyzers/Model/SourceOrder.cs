using System;

namespace BpfDotnet.Analyzers.Model
{
    /// <summary>
    /// Where a member is declared, so that programs and maps keep their declaration order in the object
    /// (file path, then position in the file) whatever order the compilation hands them over in.
    /// </summary>
    /// <remarks>Value equality and ordinal ordering over both members.</remarks>
    public sealed record SourceOrder(string FilePath, int Position) : IComparable<SourceOrder>
    {
        /// <inheritdoc/>
        public int CompareTo(SourceOrder? other)
        {
            if (other is null) return 1;
            int byFile = string.CompareOrdinal(FilePath, other.FilePath);
            return byFile != 0 ? byFile : Position.CompareTo(other.Position);
        }
    }
}
