using System;
using System.Collections.Generic;
using System.Globalization;

namespace BpfDotnet.KernelModel
{
    /// <summary>How a USDT probe's argument is found when the probe fires.</summary>
    internal enum UsdtArgumentKind : byte
    {
        /// <summary>The probe has no argument at this index: it reads as 0.</summary>
        None = 0,
        /// <summary>A constant (<c>4@$5</c>).</summary>
        Constant = 1,
        /// <summary>A register's value (<c>-4@%edi</c>).</summary>
        Register = 2,
        /// <summary>Memory at a register plus an offset (<c>8@-80(%rbx)</c>), read from the process.</summary>
        Memory = 3,
    }

    /// <summary>
    /// One argument of a USDT probe, as its <c>.note.stapsdt</c> spec gives it: what to read, where, and its size in bytes
    /// (negative for a signed value).
    /// </summary>
    internal readonly record struct UsdtArgument(UsdtArgumentKind Kind, long Value, int RegisterOffset, int Size);

    /// <summary>
    /// The table a USDT program finds its probe's argument specs in: a writable global of the program (section
    /// <see cref="SectionPrefix"/> and the program's name), one entry per attached location, chosen by the link's attach
    /// cookie. The compiler reads it and the loader fills it, through this one layout: an entry is the argument count (8
    /// bytes), then <see cref="MaxArguments"/> arguments of <see cref="ArgumentSize"/> bytes: the constant or memory
    /// offset (8), the <c>pt_regs</c> offset of the register (2), the size (1, signed), the kind (1), 4 bytes of padding.
    /// </summary>
    internal static class UsdtSpecTable
    {
        public const string SectionPrefix = ".data.usdt.";
        public const int MaxArguments = 12;
        public const int ArgumentSize = 16;
        public const int EntrySize = 8 + MaxArguments * ArgumentSize;
        /// <summary>The locations one program can be attached at, over all its USDT links.</summary>
        public const int Entries = 32;
        public const int ValueOffset = 0, RegisterOffset = 8, SizeOffset = 10, KindOffset = 11;

        /// <summary>Writes <paramref name="arguments"/> as the entry at the start of <paramref name="entry"/> (<see cref="EntrySize"/> bytes).</summary>
        public static void Write(IReadOnlyList<UsdtArgument> arguments, Span<byte> entry)
        {
            entry.Slice(0, EntrySize).Clear();
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(entry, arguments.Count);
            for (int i = 0; i < arguments.Count && i < MaxArguments; i++)
            {
                var a = arguments[i];
                var at = entry.Slice(8 + i * ArgumentSize, ArgumentSize);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(at.Slice(ValueOffset), a.Value);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(at.Slice(RegisterOffset), (ushort)a.RegisterOffset);
                at[SizeOffset] = unchecked((byte)(sbyte)a.Size);
                at[KindOffset] = (byte)a.Kind;
            }
        }
    }

    /// <summary>
    /// Parses the argument specs of <c>.note.stapsdt</c> (the assembler operands <c>sys/sdt.h</c> records) into where a
    /// program reads each argument in <c>pt_regs</c>: x86-64 (<c>-4@%edi</c>, <c>8@-80(%rbx)</c>, <c>4@$5</c>) and arm64
    /// (<c>-4@x1</c>, <c>8@[sp, 16]</c>, <c>4@5</c>).
    /// </summary>
    internal static class UsdtArgumentParser
    {
        /// <summary>The arguments of <paramref name="specs"/>, or null with <paramref name="problem"/> saying what could not be read.</summary>
        public static List<UsdtArgument>? Parse(string specs, PtRegsLayout layout, out string? problem)
        {
            problem = null;
            var result = new List<UsdtArgument>();
            foreach (string spec in SplitSpecs(specs))
            {
                if (result.Count == UsdtSpecTable.MaxArguments)
                {
                    problem = "more than " + UsdtSpecTable.MaxArguments + " arguments";
                    return null;
                }
                var argument = ParseOne(spec, layout);
                if (argument is null)
                {
                    problem = "the argument spec '" + spec + "'";
                    return null;
                }
                result.Add(argument.Value);
            }
            return result;
        }

        /// <summary>The specs, split at spaces outside brackets (arm64's <c>8@[sp, 16]</c> holds one).</summary>
        private static List<string> SplitSpecs(string specs)
        {
            var result = new List<string>();
            int depth = 0, start = 0;
            for (int i = 0; i <= specs.Length; i++)
            {
                char c = i < specs.Length ? specs[i] : ' ';
                if (c == '[') depth++;
                else if (c == ']') depth = Math.Max(0, depth - 1);
                else if (c == ' ' && depth == 0)
                {
                    if (i > start) result.Add(specs.Substring(start, i - start));
                    start = i + 1;
                }
            }
            return result;
        }

        private static UsdtArgument? ParseOne(string spec, PtRegsLayout layout)
        {
            int at = spec.IndexOf('@');
            int size = 8;
            string operand = spec;
            if (at > 0)
            {
                if (!int.TryParse(spec.Substring(0, at), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out size)) return null;
                operand = spec.Substring(at + 1);
            }
            if (Math.Abs(size) is not (1 or 2 or 4 or 8)) return null;
            return layout == PtRegsLayout.Arm64 ? Arm64(operand, size) : X64(operand, size);
        }

        private static UsdtArgument? X64(string operand, int size)
        {
            if (operand.StartsWith("$", StringComparison.Ordinal))
                return TryInteger(operand.Substring(1), out long constant) ? new UsdtArgument(UsdtArgumentKind.Constant, constant, 0, size) : null;
            if (operand.StartsWith("%", StringComparison.Ordinal))
                return X64Register(operand.Substring(1)) is int register ? new UsdtArgument(UsdtArgumentKind.Register, 0, register, size) : null;
            int open = operand.IndexOf('('), close = operand.IndexOf(')');
            if (open < 0 || close != operand.Length - 1 || !operand.Substring(open + 1).StartsWith("%", StringComparison.Ordinal)) return null;
            long offset = 0;
            if (open > 0 && !TryInteger(operand.Substring(0, open), out offset)) return null;
            return X64Register(operand.Substring(open + 2, close - open - 2)) is int baseRegister
                ? new UsdtArgument(UsdtArgumentKind.Memory, offset, baseRegister, size) : null;
        }

        private static UsdtArgument? Arm64(string operand, int size)
        {
            if (operand.StartsWith("[", StringComparison.Ordinal) && operand.EndsWith("]", StringComparison.Ordinal))
            {
                string[] parts = operand.Substring(1, operand.Length - 2).Split(',');
                long offset = 0;
                if (parts.Length > 2 || (parts.Length == 2 && !TryInteger(parts[1].Trim(), out offset))) return null;
                return Arm64Register(parts[0].Trim()) is int baseRegister ? new UsdtArgument(UsdtArgumentKind.Memory, offset, baseRegister, size) : null;
            }
            if (Arm64Register(operand) is int register) return new UsdtArgument(UsdtArgumentKind.Register, 0, register, size);
            return TryInteger(operand, out long constant) ? new UsdtArgument(UsdtArgumentKind.Constant, constant, 0, size) : null;
        }

        private static bool TryInteger(string text, out long value)
        {
            text = text.Trim();
            bool negative = text.StartsWith("-", StringComparison.Ordinal);
            if (negative) text = text.Substring(1);
            bool parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? long.TryParse(text.Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
                : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
            if (negative) value = -value;
            return parsed;
        }

        /// <summary>The x86-64 <c>pt_regs</c> offset of a register by any of its names (<c>rdi</c>, <c>edi</c>, <c>di</c>, <c>dil</c>, <c>r8d</c>, ...).</summary>
        private static int? X64Register(string name)
        {
            // pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss.
            switch (name)
            {
                case "rip": return 16 * 8;
                case "rsp" or "esp" or "sp" or "spl": return 19 * 8;
                case "rbp" or "ebp" or "bp" or "bpl": return 4 * 8;
                case "rax" or "eax" or "ax" or "al": return 10 * 8;
                case "rbx" or "ebx" or "bx" or "bl": return 5 * 8;
                case "rcx" or "ecx" or "cx" or "cl": return 11 * 8;
                case "rdx" or "edx" or "dx" or "dl": return 12 * 8;
                case "rsi" or "esi" or "si" or "sil": return 13 * 8;
                case "rdi" or "edi" or "di" or "dil": return 14 * 8;
            }
            if (name.Length >= 2 && name[0] == 'r')
            {
                string digits = name.Substring(1).TrimEnd('d', 'w', 'b');
                if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 8 && n <= 15)
                    return n switch { 15 => 0, 14 => 8, 13 => 16, 12 => 24, 11 => 48, 10 => 56, 9 => 64, _ => 72 };
            }
            return null;
        }

        /// <summary>The arm64 <c>pt_regs</c> offset of <c>x0</c>..<c>x30</c> (or <c>w0</c>..<c>w30</c>) and <c>sp</c>.</summary>
        private static int? Arm64Register(string name)
        {
            if (name == "sp") return 31 * 8;
            if (name.Length >= 2 && (name[0] == 'x' || name[0] == 'w')
                && int.TryParse(name.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= 30)
                return n * 8;
            return null;
        }
    }
}
