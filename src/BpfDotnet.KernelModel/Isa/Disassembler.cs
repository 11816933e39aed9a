using System;
using System.Globalization;

namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// Decodes eBPF instructions (8-byte slots, little-endian) into text in the syntax llvm-objdump prints for BPF
    /// (<c>r2 = *(u64 *)(r1 + 16)</c>, <c>if r0 == 0 goto +12</c>, <c>lock *(u64 *)(r0 + 0) += r1</c>), so that tests
    /// and messages can show code the way the tools people know show it. Built only from <see cref="Opcodes"/>.
    /// </summary>
    internal static class Disassembler
    {
        /// <summary>
        /// The text of the instruction in <paramref name="code"/> at slot <paramref name="index"/>, and how many slots it
        /// takes (2 for a 64-bit immediate load, else 1). An opcode the decoder does not know is <c>&lt;unknown&gt;</c>.
        /// </summary>
        public static string Decode(ReadOnlySpan<byte> code, int index, out int slots)
        {
            slots = 1;
            int at = index * 8;
            if (at + 8 > code.Length) return "<truncated>";
            byte op = code[at];
            int dst = code[at + 1] & 0x0f, src = code[at + 1] >> 4;
            short off = (short)(code[at + 2] | code[at + 3] << 8);
            int imm = code[at + 4] | code[at + 5] << 8 | code[at + 6] << 16 | code[at + 7] << 24;
            byte cls = (byte)(op & Opcodes.ClassMask);
            switch (cls)
            {
                case Opcodes.ClassLd when op == Opcodes.LoadImm64:
                    {
                        slots = 2;
                        if (at + 16 > code.Length) return "<truncated>";
                        int high = code[at + 12] | code[at + 13] << 8 | code[at + 14] << 16 | code[at + 15] << 24;
                        if (src != 0) return $"ld_pseudo r{dst}, {src}, {imm}";
                        long value = (long)(((ulong)(uint)high << 32) | (uint)imm);
                        return $"r{dst} = {value.ToString(CultureInfo.InvariantCulture)} ll";
                    }
                case Opcodes.ClassLdx when (op & 0xe0) == Opcodes.ModeMem:
                    return $"r{dst} = *({SizeName(op)} *)(r{src} {Displacement(off)})";
                case Opcodes.ClassSt when (op & 0xe0) == Opcodes.ModeMem:
                    return $"*({SizeName(op)} *)(r{dst} {Displacement(off)}) = {imm.ToString(CultureInfo.InvariantCulture)}";
                case Opcodes.ClassStx when (op & 0xe0) == Opcodes.ModeMem:
                    return $"*({SizeName(op)} *)(r{dst} {Displacement(off)}) = r{src}";
                case Opcodes.ClassStx when (op & 0xe0) == Opcodes.ModeAtomic:
                    return Atomic(op, dst, src, off, imm);
                case Opcodes.ClassAlu:
                case Opcodes.ClassAlu64:
                    return Alu(op, cls == Opcodes.ClassAlu, dst, src, off, imm);
                case Opcodes.ClassJmp:
                case Opcodes.ClassJmp32:
                    return Jump(op, cls == Opcodes.ClassJmp32, dst, src, off, imm);
                default:
                    return "<unknown>";
            }
        }

        /// <summary>Every instruction of <paramref name="code"/>, one per line, with its slot index.</summary>
        public static string DecodeAll(ReadOnlySpan<byte> code)
        {
            var text = new System.Text.StringBuilder();
            for (int i = 0; i < code.Length / 8;)
            {
                string line = Decode(code, i, out int slots);
                text.Append(i.ToString(CultureInfo.InvariantCulture).PadLeft(5)).Append(": ").Append(line).Append('\n');
                i += slots;
            }
            return text.ToString();
        }

        private static string SizeName(byte op) => (op & 0x18) switch
        {
            Opcodes.SizeByte => "u8",
            Opcodes.SizeHalf => "u16",
            Opcodes.SizeWord => "u32",
            _ => "u64",
        };

        private static string Displacement(short off) => off < 0 ? "- " + (-off).ToString(CultureInfo.InvariantCulture) : "+ " + off.ToString(CultureInfo.InvariantCulture);

        private static string Register(int reg, bool is32) => (is32 ? "w" : "r") + reg.ToString(CultureInfo.InvariantCulture);

        private static string Alu(byte op, bool is32, int dst, int src, short off, int imm)
        {
            bool register = (op & Opcodes.SourceReg) != 0;
            byte operation = (byte)(op & 0xf0);
            string d = Register(dst, is32);
            string s = register ? Register(src, is32) : imm.ToString(CultureInfo.InvariantCulture);
            if (off != 0 && operation != Opcodes.AluMov && operation != 0x30 && operation != 0x90) return "<unknown>";
            switch (operation)
            {
                case Opcodes.AluMov:
                    return off != 0 ? "<unknown>" : $"{d} = {s}";
                case Opcodes.AluNeg:
                    return $"{d} = -{d}";
                case Opcodes.AluEnd:
                    return register ? $"{Register(dst, false)} = be{imm.ToString(CultureInfo.InvariantCulture)} {Register(dst, false)}"
                                    : $"{Register(dst, false)} = le{imm.ToString(CultureInfo.InvariantCulture)} {Register(dst, false)}";
            }
            string? symbol = operation switch
            {
                0x00 => "+=", 0x10 => "-=", 0x20 => "*=", 0x30 => off == 0 ? "/=" : "s/=", 0x40 => "|=", 0x50 => "&=",
                0x60 => "<<=", 0x70 => ">>=", 0x90 => off == 0 ? "%=" : "s%=", 0xa0 => "^=", 0xc0 => "s>>=",
                _ => null,
            };
            return symbol is null ? "<unknown>" : $"{d} {symbol} {s}";
        }

        private static string Jump(byte op, bool is32, int dst, int src, short off, int imm)
        {
            byte operation = (byte)(op & 0xf0);
            string target = (off < 0 ? "" : "+") + off.ToString(CultureInfo.InvariantCulture);
            if (!is32)
            {
                switch (operation)
                {
                    case Opcodes.JumpAlways: return "goto " + target;
                    case Opcodes.JumpCall: return "call " + imm.ToString(CultureInfo.InvariantCulture);
                    case Opcodes.JumpExit: return "exit";
                }
            }
            string? condition = operation switch
            {
                0x10 => "==", 0x20 => ">", 0x30 => ">=", 0x40 => "&", 0x50 => "!=", 0x60 => "s>", 0x70 => "s>=",
                0xa0 => "<", 0xb0 => "<=", 0xc0 => "s<", 0xd0 => "s<=",
                _ => null,
            };
            if (condition is null) return "<unknown>";
            string right = (op & Opcodes.SourceReg) != 0 ? Register(src, is32) : imm.ToString(CultureInfo.InvariantCulture);
            return $"if {Register(dst, is32)} {condition} {right} goto {target}";
        }

        private static string Atomic(byte op, int dst, int src, short off, int imm)
        {
            bool wide = (op & 0x18) == Opcodes.SizeDouble;
            string size = wide ? "u64" : "u32";
            string value = Register(src, !wide);
            string address = $"r{dst} {Displacement(off)}";
            if (imm == Opcodes.AtomicExchange) return $"{value} = xchg{(wide ? "_64" : "32_32")}({address}, {value})";
            if (imm == Opcodes.AtomicCompareExchange) return $"{Register(0, !wide)} = cmpxchg{(wide ? "_64" : "32_32")}({address}, {Register(0, !wide)}, {value})";
            string? operation = (imm & ~Opcodes.AtomicFetch) switch { 0x00 => "add", 0x40 => "or", 0x50 => "and", 0xa0 => "xor", _ => null };
            if (operation is null) return "<unknown>";
            if ((imm & Opcodes.AtomicFetch) != 0) return $"{value} = atomic_fetch_{operation}(({size} *)({address}), {value})";
            string symbol = operation switch { "add" => "+=", "or" => "|=", "and" => "&=", _ => "^=" };
            return $"lock *({size} *)({address}) {symbol} {value}";
        }
    }
}
