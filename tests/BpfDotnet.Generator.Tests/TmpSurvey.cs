using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace BpfDotnet.Generator.Tests
{
    public class TmpSurvey
    {
        private readonly ITestOutputHelper _out;
        public TmpSurvey(ITestOutputHelper output) => _out = output;

        [Theory]
        [InlineData("static int Twice(int v) => v * 2; return Twice((int)ctx.Arg0);")]
        [InlineData("var (a, b) = ((int)ctx.Arg0, (int)ctx.Arg1); return a + b;")]
        [InlineData("Span<byte> s = stackalloc byte[8]; s[1] = 3; Span<byte> t = s.Slice(1, 4); return t[0];")]
        [InlineData("Span<byte> s = stackalloc byte[8]; s[1] = 3; return s[1..][0];")]
        [InlineData("Span<byte> s = stackalloc byte[8]; s.Fill(7); s.Clear(); return s[2];")]
        [InlineData("Span<byte> s = stackalloc byte[8]; Span<byte> d = stackalloc byte[8]; s[0] = 1; s.CopyTo(d); return d[0];")]
        [InlineData("P p = new P(1, (int)ctx.Arg0); return p.Y;")]
        [InlineData("P p = new P { X = 1, Y = (int)ctx.Arg0 }; P q = p with { X = 5 }; return q.X + q.Y;")]
        [InlineData("Span<byte> s = stackalloc byte[8]; return s.IndexOf((byte)0);")]
        [InlineData("uint x = (uint)ctx.Arg0; return x is > 5 and < 10 ? 1 : 0;")]
        [InlineData("int x = (int)ctx.Arg0; int y = x switch { 1 => 10, 2 => 20, _ => 0 }; return y;")]
        [InlineData("long t = Bpf.KtimeGetNs() / 1000; return (int)t;")]
        [InlineData("Span<int> s = stackalloc int[] { 1, 2, 3 }; return s[2];")]
        [InlineData("ReadOnlySpan<int> s = [1, 2, 3]; return s[2];")]
        [InlineData("uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32); Counts.Update(pid, 1); return 0;")]
        [InlineData("const int K = 4; int sum = 0; for (int i = 0; i < K; i++) sum += i; return sum;")]
        [InlineData("int x = (int)ctx.Arg0; x = x > 0 ? x : -x; return x;")]
        [InlineData("bool ok = ctx.Arg0 > 0 && ctx.Arg1 > 0; return ok ? 1 : 0;")]
        [InlineData("Span<byte> s = stackalloc byte[8]; return s.IsEmpty ? 0 : 1;")]
        [InlineData("ulong v = (ulong)ctx.Arg0; return (int)ulong.Min(v, 4);")]
        [InlineData("int v = (int)ctx.Arg0; return int.Max(v, 4);")]
        [InlineData("int v = (int)ctx.Arg0; return (int)Math.Max(v, 4L);")]
        public void Survey(string body)
        {
            string source = "using System; using System.Runtime.CompilerServices; using BpfDotnet;\npublic struct P { public int X; public int Y; public P(int x, int y) { X = x; Y = y; } }\npublic static partial class Probe { [BpfMap(MaxEntries = 1024)] public static BpfHashMap<uint, ulong> Counts = null!;\n [BpfProgram, Tracepoint(\"syscalls\", \"sys_enter_openat\")] public static int OnOpenat(ref SysEnterArgs ctx) {\n" + body + "\n} }";
            var comp = TestCompilation.Create(source);
            var errors = TestCompilation.Errors(comp);
            var (diags, ex) = TestCompilation.RunAnalyzer(comp);
            _out.WriteLine("C#: " + string.Join(" | ", errors));
            _out.WriteLine("BPF: " + string.Join(" | ", diags.Select(d => d.Id + " " + d.GetMessage())));
            Assert.Fail(body);
        }
    }
}
