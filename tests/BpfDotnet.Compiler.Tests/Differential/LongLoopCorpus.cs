using System.Collections.Generic;
using System.Linq;

namespace BpfDotnet.Compiler.Tests.Differential
{
    /// <summary>
    /// Probes with loops the verifier could not walk iteration by iteration (8,192 iterations of a large body, or nests
    /// that multiply), which the compiler runs through <c>bpf_loop</c>: every way out of a loop (its condition, a
    /// <c>break</c>, a <c>return</c>, a <c>continue</c>), counters that count down or step by more than one, and loops
    /// that touch locals in memory, spans and maps.
    /// </summary>
    public static class LongLoopCorpus
    {
        private static string Probe(string name, string body) =>
            $"    [BpfProgram, Section(\"raw_tp/{name}\")]\n    public static int {name}(ref RawTracepointArgs ctx)\n    {{\n" +
            "        byte a0 = unchecked((byte)ctx.Arg0); int a1 = unchecked((int)ctx.Arg1); ulong a2 = ctx.Arg2; long l = unchecked((long)ctx.Arg0);\n" +
            $"        {body}\n    }}\n";

        /// <summary><paramref name="count"/> statements mixing the counter into <c>acc</c> (about four instructions each).</summary>
        private static string Mix(int count, string counter = "i") => string.Concat(Enumerable.Range(0, count).Select(k =>
            $"acc = unchecked(acc * {2 * k + 3} + ({counter} ^ {k + 1})); "));

        public static List<string> Probes() => new List<string>
        {
            Probe("lb_sum", "long acc = l; for (int i = 0; i < 8192; i++) { " + Mix(40) + "} Out.Update(0, acc); return unchecked((int)acc);"),
            Probe("lb_break", "long acc = l; int found = -1; for (int i = 0; i < 8192; i++) { " + Mix(40) +
                "if ((acc & 0xff) == (long)(a2 & 0xff)) { found = i; break; } } Out.Update(0, unchecked(acc ^ found)); return found;"),
            Probe("lb_return", "long acc = a1; for (int i = 0; i < 8192; i++) { " + Mix(40) +
                "if ((acc & 0x3f) == a0) { Out.Update(0, acc); return i + 1; } } Out.Update(0, -acc); return -1;"),
            Probe("lb_down_by_three", "long acc = l; long odd = 0; for (int i = 3 * 8191; i >= 0; i -= 3) { if ((i & 1) == 0) continue; odd++; " + Mix(40) +
                "} Out.Update(0, unchecked(acc + odd)); return 0;"),
            Probe("lb_nested", "long acc = l; for (int i = 0; i < 4096; i++) { for (int j = 0; j < 8; j++) { " + Mix(12, "(i + j)") +
                "} } Out.Update(0, acc); return 0;"),
            Probe("lb_span", "long acc = a1; System.Span<long> buf = stackalloc long[16]; for (int i = 0; i < 8192; i++) { buf[i & 15] = unchecked(buf[i & 15] + acc); " + Mix(40) +
                "} Out.Update(0, unchecked(buf[3] * 7 + buf[15])); return 0;"),
            Probe("lb_struct", "long acc = l; Tally t = default; for (int i = 0; i < 8192; i++) { t.Add(unchecked((int)acc)); " + Mix(40) +
                "} Out.Update(0, unchecked(t.Total + t.Count * 3 + t.Last)); return 0;"),
            Probe("lb_map", "long acc = a1; for (int i = 0; i < 8192; i++) { Ints.Update((uint)(i & 3), unchecked((int)acc)); " + Mix(40) +
                "} Ints.TryGetValue(2, out int two); Out.Update(0, unchecked(acc + two)); return 0;"),
            Probe("lb_while", "long acc = l; int i = 5; while (i < 8197) { if ((acc & 0xff) == a0) break; " + Mix(40) + "i++; } Out.Update(0, unchecked(acc + i)); return i;"),
            Probe("lb_for_outer_counter", "long acc = a1; uint k; for (k = 100; k < 8292; k += 1) { if ((acc & 0x7f) == (a0 & 0x7f)) break; " + Mix(40, "(long)k") + "} Out.Update(0, unchecked(acc * 3 + k)); return unchecked((int)k);"),
            Probe("lb_long_counter", "long acc = l; for (long i = -4096; i < 4096; i++) { " + Mix(40) + "} Out.Update(0, acc); return 0;"),
        };
    }
}
