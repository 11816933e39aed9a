using System;
using System.Globalization;
using System.Text;

namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// The printf formats <c>bpf_snprintf</c> takes, as the kernel checks them when it verifies a program
    /// (<c>bpf_bprintf_prepare</c>): printable ASCII text, <c>%%</c>, and conversions of one 8-byte argument each,
    /// <c>%[flags][width][l|ll](d|i|u|x|X)</c> and <c>%[flags][width]c</c>, with flags among <c>0 + - space</c>. Also formats
    /// them the way the kernel does, for the .NET stand-in of the helper.
    /// </summary>
    internal static class PrintfFormat
    {
        /// <summary>The most arguments a format may convert (<c>MAX_BPF_FUNC_VARARGS</c>).</summary>
        public const int MaxArguments = 12;

        /// <summary>
        /// Why the kernel would refuse <paramref name="format"/> with <paramref name="arguments"/> arguments, or null;
        /// <paramref name="conversions"/> is the number of conversions read.
        /// </summary>
        public static string? Problem(string format, int arguments, out int conversions)
        {
            conversions = 0;
            if (arguments > MaxArguments) return "it passes " + arguments + " arguments; the kernel takes at most " + MaxArguments;
            for (int i = 0; i < format.Length; i++)
            {
                char c = format[i];
                if (c > 0x7e || (c < 0x20 && c is not ('\t' or '\n' or '\v' or '\f' or '\r')))
                    return "character " + ((int)c).ToString("x2", CultureInfo.InvariantCulture) + " at " + i + " is not printable ASCII";
                if (c != '%') continue;
                if (Next(format, i) == '%')
                {
                    i++;
                    continue;
                }
                if (!TryParse(format, ref i, out var spec)) return "the conversion at " + spec.Start + " ('" + format.Substring(spec.Start, Math.Min(format.Length, i + 1) - spec.Start) + "') is not one of %d, %i, %u, %x, %X (with l or ll) or %c, after flags 0 + - or space and a width";
                conversions++;
                if (conversions > arguments) return "it has more conversions than the " + arguments + " arguments passed";
            }
            return null;
        }

        /// <summary>The text the kernel writes for <paramref name="format"/> (checked by <see cref="Problem"/>) and <paramref name="arguments"/>.</summary>
        public static string Format(string format, ReadOnlySpan<long> arguments)
        {
            var text = new StringBuilder();
            int next = 0;
            for (int i = 0; i < format.Length; i++)
            {
                char c = format[i];
                if (c != '%')
                {
                    text.Append(c);
                    continue;
                }
                if (Next(format, i) == '%')
                {
                    text.Append('%');
                    i++;
                    continue;
                }
                if (!TryParse(format, ref i, out var spec)) throw new FormatException("The format is not one bpf_snprintf takes.");
                long value = next < arguments.Length ? arguments[next] : 0;
                next++;
                text.Append(Convert(spec, value));
            }
            return text.ToString();
        }

        private static char Next(string format, int i) => i + 1 < format.Length ? format[i + 1] : '\0';

        private struct Spec
        {
            public int Start;
            public bool Left, Zero, Plus, Space;
            public int Width;
            public int Size; // 4 or 8
            public char Conversion;
        }

        /// <summary>Reads the conversion starting at the '%' at <paramref name="i"/>; leaves <paramref name="i"/> on its last character.</summary>
        private static bool TryParse(string format, ref int i, out Spec spec)
        {
            spec = new Spec { Start = i, Size = 4 };
            i++;
            for (; i < format.Length; i++)
            {
                char flag = format[i];
                if (flag == '-') spec.Left = true;
                else if (flag == '0') spec.Zero = true;
                else if (flag == '+') spec.Plus = true;
                else if (flag == ' ') spec.Space = true;
                else break;
            }
            if (i < format.Length && format[i] is >= '1' and <= '9')
            {
                while (i < format.Length && format[i] is >= '0' and <= '9')
                {
                    spec.Width = Math.Min(spec.Width * 10 + (format[i] - '0'), 1 << 16);
                    i++;
                }
            }
            if (i < format.Length && format[i] == 'c')
            {
                spec.Conversion = 'c';
                return true;
            }
            if (i < format.Length && format[i] == 'l')
            {
                spec.Size = 8;
                i++;
                if (i < format.Length && format[i] == 'l') i++;
            }
            if (i < format.Length && format[i] is 'd' or 'i' or 'u' or 'x' or 'X')
            {
                spec.Conversion = format[i];
                return true;
            }
            if (i >= format.Length) i = format.Length - 1;
            return false;
        }

        private static string Convert(Spec spec, long value)
        {
            string digits;
            string sign = string.Empty;
            switch (spec.Conversion)
            {
                case 'c':
                    digits = ((char)(byte)value).ToString();
                    break;
                case 'd':
                case 'i':
                    {
                        long signed = spec.Size == 4 ? (int)value : value;
                        ulong magnitude = signed < 0 ? (ulong)(-(signed + 1)) + 1 : (ulong)signed;
                        digits = magnitude.ToString(CultureInfo.InvariantCulture);
                        sign = signed < 0 ? "-" : spec.Plus ? "+" : spec.Space ? " " : string.Empty;
                        break;
                    }
                case 'u':
                    digits = (spec.Size == 4 ? (uint)value : (ulong)value).ToString(CultureInfo.InvariantCulture);
                    break;
                default:
                    digits = (spec.Size == 4 ? (uint)value : (ulong)value).ToString(spec.Conversion == 'x' ? "x" : "X", CultureInfo.InvariantCulture);
                    break;
            }
            int pad = spec.Width - sign.Length - digits.Length;
            if (pad <= 0) return sign + digits;
            if (spec.Left) return sign + digits + new string(' ', pad);
            if (spec.Zero && spec.Conversion != 'c') return sign + new string('0', pad) + digits;
            return new string(' ', pad) + sign + digits;
        }
    }
}
