using System.Collections.Generic;

namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// A NUL-separated string table as ELF (<c>.strtab</c>, <c>.shstrtab</c>) and BTF use it:
    /// offset 0 is the empty string, each distinct string is stored once, in first-use order.
    /// </summary>
    internal sealed class StringTable
    {
        private readonly Dictionary<string, uint> _offsets = new Dictionary<string, uint>(System.StringComparer.Ordinal);
        private readonly ByteBuffer _bytes = new ByteBuffer();

        public StringTable()
        {
            _bytes.U8(0);
            _offsets.Add(string.Empty, 0);
        }

        /// <summary>Size of the table in bytes.</summary>
        public int Length => _bytes.Length;

        /// <summary>Returns the offset of <paramref name="value"/>, adding it on first use.</summary>
        public uint Add(string value)
        {
            if (_offsets.TryGetValue(value, out uint offset)) return offset;
            offset = (uint)_bytes.Length;
            _bytes.CString(value);
            _offsets.Add(value, offset);
            return offset;
        }

        public byte[] ToArray() => _bytes.ToArray();
    }
}
