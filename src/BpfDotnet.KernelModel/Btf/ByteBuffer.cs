using System;
using System.Text;

namespace BpfDotnet.KernelModel
{
    /// <summary>A growable little-endian byte buffer: the only way the object writer produces bytes.</summary>
    internal sealed class ByteBuffer
    {
        private byte[] _bytes = new byte[256];

        /// <summary>Number of bytes written so far.</summary>
        public int Length { get; private set; }

        public void U8(byte value)
        {
            Reserve(1);
            _bytes[Length++] = value;
        }

        public void U16(ushort value)
        {
            Reserve(2);
            _bytes[Length++] = (byte)value;
            _bytes[Length++] = (byte)(value >> 8);
        }

        public void U32(uint value)
        {
            Reserve(4);
            for (int i = 0; i < 4; i++) _bytes[Length++] = (byte)(value >> (8 * i));
        }

        public void I32(int value) => U32(unchecked((uint)value));

        public void U64(ulong value)
        {
            Reserve(8);
            for (int i = 0; i < 8; i++) _bytes[Length++] = (byte)(value >> (8 * i));
        }

        public void Bytes(byte[] value)
        {
            Reserve(value.Length);
            Buffer.BlockCopy(value, 0, _bytes, Length, value.Length);
            Length += value.Length;
        }

        /// <summary>Writes the UTF-8 bytes of <paramref name="value"/> followed by a NUL.</summary>
        public void CString(string value)
        {
            Bytes(Encoding.UTF8.GetBytes(value));
            U8(0);
        }

        /// <summary>Pads with zero bytes up to a multiple of <paramref name="alignment"/>.</summary>
        public void Align(int alignment)
        {
            while (Length % alignment != 0) U8(0);
        }

        /// <summary>Overwrites four bytes already written at <paramref name="offset"/>.</summary>
        public void PatchU32(int offset, uint value)
        {
            for (int i = 0; i < 4; i++) _bytes[offset + i] = (byte)(value >> (8 * i));
        }

        public byte[] ToArray()
        {
            var result = new byte[Length];
            Buffer.BlockCopy(_bytes, 0, result, 0, Length);
            return result;
        }

        private void Reserve(int count)
        {
            if (Length + count <= _bytes.Length) return;
            int size = _bytes.Length * 2;
            while (size < Length + count) size *= 2;
            Array.Resize(ref _bytes, size);
        }
    }
}
