using System;

namespace BpfDotnet.Compiler.Isa
{
    /// <summary>
    /// One 8-byte eBPF instruction slot (RFC 9669): opcode, destination and source registers,
    /// a signed 16-bit offset and a signed 32-bit immediate. A 64-bit immediate load
    /// (<c>ld_imm64</c>) occupies two slots; the second has opcode 0 and carries the upper 32 bits.
    /// </summary>
    public readonly record struct Instruction(byte Opcode, byte Dst, byte Src, short Offset, int Imm)
    {
        /// <summary>Size of one slot in bytes.</summary>
        public const int Size = 8;

        /// <summary>Writes the little-endian encoding of this slot into <paramref name="destination"/>.</summary>
        public void Encode(Span<byte> destination)
        {
            destination[0] = Opcode;
            destination[1] = (byte)((Src << 4) | (Dst & 0x0f));
            destination[2] = (byte)Offset;
            destination[3] = (byte)(Offset >> 8);
            destination[4] = (byte)Imm;
            destination[5] = (byte)(Imm >> 8);
            destination[6] = (byte)(Imm >> 16);
            destination[7] = (byte)(Imm >> 24);
        }

        /// <summary>Encodes a sequence of slots.</summary>
        public static byte[] EncodeAll(ReadOnlySpan<Instruction> code)
        {
            var bytes = new byte[code.Length * Size];
            for (int i = 0; i < code.Length; i++) code[i].Encode(bytes.AsSpan(i * Size, Size));
            return bytes;
        }

        /// <summary>True for the first slot of a 64-bit immediate load.</summary>
        public bool IsLoadImm64 => Opcode == KernelModel.Opcodes.LoadImm64;

        /// <inheritdoc/>
        public override string ToString() => $"op=0x{Opcode:x2} dst=r{Dst} src=r{Src} off={Offset} imm={Imm}";
    }
}
