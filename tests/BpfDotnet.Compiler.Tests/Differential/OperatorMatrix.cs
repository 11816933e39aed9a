using System.Collections.Generic;
using System.Linq;

namespace BpfDotnet.Compiler.Tests.Differential
{
    /// <summary>
    /// Systematic probes: every operator on every pair of integer types, every conversion, every compound
    /// assignment and increment form, each in its own probe, so a mismatch names the exact construct.
    /// </summary>
    public static class OperatorMatrix
    {
        private static readonly string[] Types = { "sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong" };

        private static bool Signed(string type) => type is "sbyte" or "short" or "int" or "long";

        private static string Probe(string name, string body) =>
            $"    [BpfProgram, Section(\"raw_tp/{name}\")]\n    public static int {name}(ref RawTracepointArgs ctx)\n    {{\n{body}    }}\n";

        private static string Inputs(string left, string right) =>
            $"        {left} a = unchecked(({left})ctx.Arg0);\n        {right} b = unchecked(({right})ctx.Arg1);\n";

        public static List<string> Probes()
        {
            var probes = new List<string>();
            int n = 0;
            string[] binary = { "+", "-", "*", "&", "|", "^" };
            foreach (var left in Types)
            {
                foreach (var right in Types)
                {
                    bool mixesUlong = (left == "ulong" && Signed(right)) || (right == "ulong" && Signed(left));
                    if (!mixesUlong)
                    {
                        var body = Inputs(left, right);
                        int k = 0;
                        foreach (var op in binary) body += $"        long r{k++} = unchecked((long)(a {op} b));\n";
                        foreach (var op in new[] { "==", "!=", "<", "<=", ">", ">=" }) body += $"        long r{k++} = a {op} b ? 1 : 0;\n";
                        body += "        Out.Update(0, unchecked(" + string.Join(" * 3 + ", System.Linq.Enumerable.Range(0, k).Select(i => "r" + i)) + "));\n";
                        body += $"        return unchecked((int)(a + b));\n";
                        probes.Add(Probe($"m{n++}_{left}_{right}", body));
                    }
                    // Shifts, conversions and compound assignments (always valid).
                    var shifts = Inputs(left, right);
                    shifts += "        long s0 = unchecked((long)(a << (int)b));\n";
                    shifts += "        long s1 = unchecked((long)(a >> (int)b));\n";
                    shifts += "        long s2 = unchecked((long)(a >>> (int)b));\n";
                    shifts += $"        long s3 = unchecked((long)({right})a);\n";
                    shifts += "        long s4 = unchecked((long)(a << 3) + (long)(a >> 5) + (long)(a >>> 7));\n";
                    shifts += "        a += unchecked((" + left + ")b); long c0 = unchecked((long)a);\n";
                    shifts += "        a *= unchecked((" + left + ")b); long c1 = unchecked((long)a);\n";
                    shifts += "        a <<= (int)b; long c2 = unchecked((long)a);\n";
                    shifts += "        a >>= 1; long c3 = unchecked((long)a);\n";
                    shifts += "        a--; long c4 = unchecked((long)a);\n";
                    shifts += "        long c5 = unchecked((long)(a++)) + unchecked((long)(++a));\n";
                    shifts += "        Out.Update(0, unchecked(s0 + 3 * s1 + 5 * s2 + 7 * s3 + 11 * s4 + 13 * c0 + 17 * c1 + 19 * c2 + 23 * c3 + 29 * c4 + 31 * c5));\n";
                    shifts += "        return unchecked((int)s3);\n";
                    probes.Add(Probe($"m{n++}_shift_{left}_{right}", shifts));
                }
                var unary = Inputs(left, "byte");
                if (left != "ulong") unary += "        long u0 = unchecked((long)(-a));\n";
                else unary += "        long u0 = 0;\n";
                unary += "        long u1 = unchecked((long)(~a));\n";
                unary += "        long u2 = unchecked((long)(a / 3u) + (long)(a % 10u) + (long)((ulong)a / 7) + (long)((uint)a % 1000u));\n";
                unary += "        Out.Update(0, unchecked(u0 * 3 + u1 * 5 + u2));\n";
                unary += "        return unchecked((int)u1);\n";
                probes.Add(Probe($"m{n++}_unary_{left}", unary));
            }
            return probes;
        }
    }
}
