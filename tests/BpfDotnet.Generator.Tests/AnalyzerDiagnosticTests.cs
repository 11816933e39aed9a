using System;
using System.Linq;
using Xunit;

namespace BpfDotnet.Generator.Tests
{
    /// <summary>
    /// Each diagnostic on the exact syntax that causes it. Probes mark the offending line with a comment naming
    /// the expected id (<c>// BPF0001</c>); the diagnostic must underline text on that line.
    /// </summary>
    public class AnalyzerDiagnosticTests
    {
        private const string Usings = """
            using System;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using BpfDotnet;

            """;

        [Fact]
        public void ValidProbe_HasNoDiagnostics()
        {
            Assert.Empty(TestCompilation.GetBpfDiagnostics(Probes.OpenSnoop));
        }

        [Fact]
        public void BPF0010_MapFieldNotStatic()
        {
            const string source = """
                using BpfDotnet;
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 16)]
                    public BpfHashMap<uint, ulong> Counts = null!;
                }
                """;
            Assert.Equal(new[] { new ReportedDiagnostic("BPF0010", 5, 36, "Counts") }, TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0010_FieldTypeIsNotAMap()
        {
            const string source = """
                using BpfDotnet;
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 16)] public static System.Collections.Generic.List<ulong> Counts = null!;
                    [BpfMap] public static ulong Total;
                }
                """;
            Assert.Equal(
                new[] { new ReportedDiagnostic("BPF0010", 4, 84, "Counts"), new ReportedDiagnostic("BPF0010", 5, 34, "Total") },
                TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0010_UnsupportedValueType()
        {
            const string source = """
                using BpfDotnet;
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 16)]
                    public static BpfHashMap<uint, double> Latency = null!;
                }
                """;
            Assert.Equal(new[] { new ReportedDiagnostic("BPF0010", 5, 44, "Latency") }, TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0010_ZeroMaxEntries()
        {
            const string source = """
                using BpfDotnet;
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 0)] public static BpfArrayMap<ulong> Slots = null!;
                }
                """;
            Assert.Equal(new[] { new ReportedDiagnostic("BPF0010", 4, 63, "Slots") }, TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0013_ProbeClassNotPartial()
        {
            const string source = """
                using BpfDotnet;
                public static class OpenSnoop
                {
                    [BpfMap(MaxEntries = 16)] public static BpfArrayMap<ulong> Slots = null!;
                }
                """;
            Assert.Equal(new[] { new ReportedDiagnostic("BPF0013", 2, 21, "OpenSnoop") }, TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0013_ContainingClassNotPartial()
        {
            const string source = """
                using BpfDotnet;
                namespace Ns;
                public class Outer
                {
                    public static partial class Inner
                    {
                        [BpfMap(MaxEntries = 16)] public static BpfArrayMap<ulong> Slots = null!;
                    }
                }
                """;
            Assert.Equal(new[] { new ReportedDiagnostic("BPF0013", 3, 14, "Outer") }, TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0017_GeneratorWithoutTheRuntimeLibrary_SaysSoOnce()
        {
            var withoutRuntime = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("NoRuntime",
                new[] { TestCompilation.Parse("public static class Plain { public static int Two() => 2; }", "Plain.cs") },
                TestCompilation.References.Where(r => !(r.Display ?? "").EndsWith("BpfDotnet.dll", StringComparison.Ordinal)),
                TestCompilation.Options);
            var (_, diagnostics, _) = TestCompilation.RunGenerator(withoutRuntime);
            var reported = Assert.Single(diagnostics, d => d.Id == "BPF0017");
            Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, reported.Severity);

            var (_, withRuntime, _) = TestCompilation.RunGenerator(TestCompilation.Create("public static class Plain { }"));
            Assert.DoesNotContain(withRuntime, d => d.Id == "BPF0017");
        }

        private static void AssertMessageSays(string source, string id, string text)
        {
            var (diagnostics, _) = TestCompilation.RunAnalyzer(TestCompilation.Create(source));
            Assert.Contains(diagnostics, d => d.Id == id && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(text, System.StringComparison.Ordinal));
        }

        [Fact]
        public void BPF0013_GenericProbeClass()
        {
            const string source = """
                using BpfDotnet;
                public static partial class Snoop<T>
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx) => 0;
                }
                """;
            Assert.Equal(new[] { new ReportedDiagnostic("BPF0013", 2, 29, "Snoop") }, OfId("BPF0013", source));
            AssertMessageSays(source, "BPF0013", "cannot be generic");
        }

        [Fact]
        public void BPF0013_ProbeClassInsideAGenericType()
        {
            const string source = """
                using BpfDotnet;
                public partial class Outer<T>
                {
                    public static partial class Snoop
                    {
                        [BpfMap(MaxEntries = 16)] public static BpfArrayMap<ulong> Slots = null!;
                    }
                }
                """;
            Assert.Equal(new[] { new ReportedDiagnostic("BPF0013", 2, 22, "Outer") }, OfId("BPF0013", source));
            AssertMessageSays(source, "BPF0013", "inside the generic type 'Outer'");
            var (_, generated, _) = TestCompilation.RunGenerator(TestCompilation.Create(source));
            Assert.DoesNotContain(generated, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error && !d.Id.StartsWith("BPF", System.StringComparison.Ordinal));
        }

        [Fact]
        public void BPF0013_ProgramInClassNotPartial()
        {
            const string source = """
                using BpfDotnet;
                public static class OpenSnoop
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx) => 0;
                }
                """;
            Assert.Equal(new[] { new ReportedDiagnostic("BPF0013", 2, 21, "OpenSnoop") }, OfId("BPF0013", source));
        }

        [Fact]
        public void BPF0013_NotReportedForPartialClasses()
        {
            const string source = """
                using BpfDotnet;
                public partial class Outer
                {
                    public static partial class Inner
                    {
                        [BpfMap(MaxEntries = 16)] public static BpfArrayMap<ulong> Slots = null!;
                    }
                }
                """;
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0012_ProgramWithoutAttachPoint_ReportedOnce()
        {
            const string source = """
                using BpfDotnet;
                public static partial class Probe
                {
                    [BpfProgram]
                    public static int OnSomething(ref SysEnterArgs ctx) => 0;
                }
                """;
            Assert.Equal(new[] { new ReportedDiagnostic("BPF0012", 5, 23, "OnSomething") }, OfId("BPF0012", source));
        }

        [Fact]
        public void BPF0001_HeapAllocation() => AssertReported("BPF0001", "new byte[16]", """
            var buffer = new byte[16]; // BPF0001
            return buffer[0];
            """);

        [Fact]
        public void BPF0002_String() => AssertReported("BPF0002", "\"bash\"", """
            string name = "bash"; // BPF0002
            return name.Length;
            """);

        [Theory]
        [InlineData("string name = \"bash\"; return name.Length;", "BPF0002", "name")]
        [InlineData("double d = 1.5; long x = (long)(d * 2); return (int)x;", "BPF0004", "d")]
        public void ALocalOfARefusedType_IsReportedOnceWhereDeclared(string body, string id, string local)
        {
            var only = Assert.Single(TestCompilation.GetBpfDiagnostics(ProbeSource(body)));
            Assert.Equal(id, only.Id);
            Assert.StartsWith(local, only.Text, StringComparison.Ordinal);
        }

        [Fact]
        public void BPF0008_LocalFunctionMarkedNoInlining() => AssertReported("BPF0008", "Twice", """
            return Twice((int)ctx.Arg0);
            [MethodImpl(MethodImplOptions.NoInlining)] static int Twice(int v) => v * 2; // BPF0008
            """);

        [Fact]
        public void BPF0003_Exceptions() => AssertReported("BPF0003", "throw", """
            if (ctx.Arg0 < 0)
                throw new InvalidOperationException(); // BPF0003
            return 0;
            """);

        [Fact]
        public void BPF0004_FloatingPoint() => AssertReported("BPF0004", "0.5", """
            long scaled = (long)(ctx.Arg0 * 0.5); // BPF0004
            return (int)scaled;
            """);

        [Fact]
        public void BPF0005_UnboundedLoop() => AssertReported("BPF0005", "while", """
            long n = ctx.Arg0;
            while (n > 0) // BPF0005
            {
                n--;
            }
            return 0;
            """);

        [Fact]
        public void BPF0005_ForLoopWithVariableBound() => AssertReported("BPF0005", "for", """
            long n = ctx.Arg0;
            long sum = 0;
            for (long i = 0; i < n; i++) // BPF0005
            {
                sum += i;
            }
            return (int)sum;
            """);

        [Fact]
        public void BPF0005_ForLoopChangingItsCounter() => AssertReported("BPF0005", "for", """
            long sum = 0;
            for (int i = 0; i < 10; i++) // BPF0005
            {
                i--;
                sum += i;
            }
            return (int)sum;
            """);

        [Fact]
        public void BPF0005_WhileLoopWhoseContinueSkipsTheStep() => AssertReported("BPF0005", "while", """
            long sum = 0;
            int i = 0;
            while (i < 10) // BPF0005
            {
                if (sum > 3) continue;
                sum += i;
                i++;
            }
            return (int)sum;
            """);

        [Fact]
        public void BPF0005_DoLoopWithoutAConstantStart() => AssertReported("BPF0005", "do", """
            long i = ctx.Arg0;
            do // BPF0005
            {
                i++;
            } while (i < 10);
            return (int)i;
            """);

        [Fact]
        public void BPF0008_SwitchExpressionWithoutDiscardArm() => AssertReported("BPF0008", "switch", """
            long n = ctx.Arg0;
            int kind = n switch { 0 => 1, > 0 => 2 }; // BPF0008
            return kind;
            """);

        [Fact]
        public void BPF0008_TypePattern() => AssertReported("BPF0008", "long", """
            long n = ctx.Arg0;
            bool b = n is long; // BPF0008
            return b ? 1 : 0;
            """);

        [Fact]
        public void BPF0008_RecursiveCall() => AssertOnMarkedLine("BPF0008", "Fact(n - 1)", Usings + """
            public static partial class Probe
            {
                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx) => (int)Fact(5);

                private static long Fact(long n) => n <= 1 ? 1 : n * Fact(n - 1); // BPF0008
            }
            """);

        [Fact]
        public void BPF0008_RecursiveSubprogramCall() => AssertOnMarkedLine("BPF0008", "Fact(n - 1)", Usings + """
            public static partial class Probe
            {
                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx) => (int)Fact(5);

                [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
                private static long Fact(long n) => n <= 1 ? 1 : n * Fact(n - 1); // BPF0008
            }
            """);

        [Fact]
        public void BPF0008_SubprogramWithSixParameters() => AssertOnMarkedLine("BPF0008", "Sum(1, 2, 3, 4, 5, 6)", Usings + """
            public static partial class Probe
            {
                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx) => (int)Sum(1, 2, 3, 4, 5, 6); // BPF0008

                [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
                private static long Sum(long a, long b, long c, long d, long e, long f) => a + b + c + d + e + f;
            }
            """);

        [Fact]
        public void BPF0005_LoopInsideASubprogram() => AssertOnMarkedLine("BPF0005", "while", Usings + """
            public static partial class Probe
            {
                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx) => (int)Spin(ctx.Arg0);

                [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
                private static long Spin(long n)
                {
                    while (n > 0) n--; // BPF0005
                    return n;
                }
            }
            """);

        [Fact]
        public void BPF0008_PointerMadeFromAnInteger() => AssertOnMarkedLine("BPF0008", "(long*)ctx.Arg0", Usings + """
            public static unsafe partial class Probe
            {
                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx)
                {
                    long* p = (long*)ctx.Arg0; // BPF0008
                    return (int)*p;
                }
            }
            """);

        [Fact]
        public void BPF0008_SpanIndexNotProvenInRange() => AssertReported("BPF0008", "(int)ctx.Arg0", """
            Span<byte> buffer = stackalloc byte[8];
            return buffer[(int)ctx.Arg0]; // BPF0008
            """);

        [Fact]
        public void BPF0003_ThrowInsideACalledMethod() => AssertOnMarkedLine("BPF0003", "throw", Usings + """
            public static partial class Probe
            {
                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx) => Check(ctx.Arg0);

                private static int Check(long value)
                {
                    if (value < 0) throw new System.ArgumentOutOfRangeException(nameof(value)); // BPF0003
                    return 0;
                }
            }
            """);

        [Fact]
        public void BPF0006_UnsupportedCall() => AssertReported("BPF0006", "long.CopySign", """
            long signed = long.CopySign((long)ctx.Arg0, (long)ctx.Arg1); // BPF0006
            return (int)signed;
            """);

        [Fact]
        public void BPF0007_UnsupportedType()
        {
            const string source = """
                using BpfDotnet;
                public struct Holder { public object? Value; public int Count; }
                public static partial class Probe
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        Holder holder = default; // BPF0007
                        return holder.Count;
                    }
                }
                """;
            AssertOnMarkedLine("BPF0007", "holder", source);
        }

        [Fact]
        public void BPF0008_UnsupportedConstruct() => AssertReported("BPF0008", "=>", """
            Func<int> answer = static () => 42; // BPF0008
            return 0;
            """);

        [Fact]
        public void BPF0009_InvalidSignature()
        {
            const string source = """
                using BpfDotnet;
                public static partial class Probe
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(SysEnterArgs ctx) => 0; // BPF0009
                }
                """;
            AssertOnMarkedLine("BPF0009", "OnOpenat", source);
        }

        [Fact]
        public void BPF0011_StackTooLarge()
        {
            const string source = """
                using BpfDotnet;
                public struct Sixteen { public ulong A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P; }
                public struct Big { public Sixteen Q1, Q2, Q3, Q4, Q5; } // 640 bytes
                public static partial class Probe
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx) // BPF0011
                    {
                        Big big;
                        big.Q5.P = (ulong)ctx.Arg0;
                        big.Q1.A = 2;
                        return (int)(big.Q5.P + big.Q1.A);
                    }
                }
                """;
            AssertOnMarkedLine("BPF0011", "OnOpenat", source);
        }

        [Fact]
        public void BPF0015_MapValueWithoutNullTest() => AssertReported("BPF0015", "count", """
            uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
            ref ulong count = ref Counts.GetValueRefOrNullRef(pid);
            count++; // BPF0015
            return 0;
            """);

        [Fact]
        public void BPF0016_SignedDivisionByVariable() => AssertReported("BPF0016", "ctx.Arg0 / ctx.Arg1", """
            long quotient = ctx.Arg0 / ctx.Arg1; // BPF0016
            return (int)quotient;
            """);

        [Fact]
        public void BPF0016_DivisorAssignedAfterItsTest() => AssertReported("BPF0016", "ctx.Arg0 / d", """
            long d = ctx.Arg1;
            if (d > 0)
            {
                d = ctx.Arg2;
                return (int)(ctx.Arg0 / d); // BPF0016
            }
            return 0;
            """);

        [Fact]
        public void BPF0016_SignedDivisorTestedOnlyForZero() => AssertReported("BPF0016", "ctx.Arg0 % d", """
            long d = ctx.Arg1;
            if (d == 0) return 0;
            return (int)(ctx.Arg0 % d); // BPF0016
            """);

        [Fact]
        public void BPF0016_DivisorChangedThroughReference() => AssertReported("BPF0016", "ctx.Arg0 / d", """
            long d = ctx.Arg1;
            ref long alias = ref d;
            if (d > 0)
            {
                alias = 0;
                return (int)(ctx.Arg0 / d); // BPF0016
            }
            return 0;
            """);

        [Fact]
        public void BPF0016_DivisorTestedInAnotherBranch() => AssertReported("BPF0016", "ctx.Arg0 / d", """
            long d = ctx.Arg1;
            long q = 0;
            if (d > 0) q = 1;
            else q = ctx.Arg0 / d; // BPF0016
            return (int)q;
            """);

        [Fact]
        public void BPF0008_SpanLengthBoundOffByOne() => AssertReported("BPF0008", "i", """
            Span<int> w = stackalloc int[6];
            for (int i = 0; i <= w.Length; i++)
                w[i] = i; // BPF0008
            return w[5];
            """);

        [Fact]
        public void BPF0005_SpanLengthBoundTooLongForTheCallersSpan()
        {
            string source = Usings + """
                [InlineArray(9000)] public struct Big { private byte _element; }
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 1)]
                    public static BpfArrayMap<Big> Bigs = new(1);

                    private static long Sum(ReadOnlySpan<byte> b)
                    {
                        long t = 0;
                        for (int i = 0; i < b.Length; i++) t += b[i]; // BPF0005
                        return t;
                    }

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        ref Big big = ref Bigs.GetValueRefOrNullRef(0);
                        if (Unsafe.IsNullRef(ref big)) return 0;
                        ReadOnlySpan<byte> bytes = big;
                        return (int)Sum(bytes);
                    }
                }
                """;
            AssertOnMarkedLine("BPF0005", "for", source);
        }

        [Fact]
        public void BPF0005_ForEachOverSomethingOtherThanASpanVariable() => AssertReported("BPF0005", "foreach", """
            long t = 0;
            foreach (byte c in "abc"u8) // BPF0005
                t += c;
            return (int)t;
            """);

        [Fact]
        public void ForEachOverSpans_Compiles()
        {
            string source = ProbeSource("""
                Span<int> w = stackalloc int[6];
                foreach (ref int x in w) x = (int)ctx.Arg0;
                long t = 0;
                foreach (int x in w) { if (x < 0) break; t += x; }
                return (int)t;
                """);
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0008_ConstructorThatCallsAnotherConstructor()
        {
            string source = Usings + """
                public struct Pair
                {
                    public long A, B;
                    public Pair(long a, long b) { A = a; B = b; }
                    public Pair(long a) : this(a, 0) { }
                }
                public static partial class Probe
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        Pair p = new Pair(ctx.Arg0); // BPF0008
                        return (int)p.A;
                    }
                }
                """;
            AssertOnMarkedLine("BPF0008", "new Pair(ctx.Arg0)", source);
        }

        [Fact]
        public void StructConstructors_Compile()
        {
            string source = Usings + """
                public struct Event
                {
                    public long Pid;
                    public long Argument;
                    public int Flags;
                    public Event(long pid, long argument) { Pid = pid; Argument = argument; if (argument < 0) Flags = 1; }
                }
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 16)]
                    public static BpfHashMap<uint, Event> Last = null!;

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        var e = new Event((long)(Bpf.GetCurrentPidTgid() >> 32), ctx.Arg1);
                        Last.Update(0, e);
                        Last.Update(1, new Event(1, 2));
                        return e.Flags;
                    }
                }
                """;
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0008_SliceOutsideTheSpan() => AssertReported("BPF0008", "s.Slice(4, 8)", """
            Span<byte> s = stackalloc byte[8];
            Span<byte> t = s.Slice(4, 8); // BPF0008
            return t[0];
            """);

        [Fact]
        public void BPF0008_CopyToAShorterSpan() => AssertReported("BPF0008", "CopyTo", """
            Span<byte> s = stackalloc byte[8];
            Span<byte> d = stackalloc byte[4];
            s.CopyTo(d); // BPF0008
            return d[0];
            """);

        [Fact]
        public void SpanSlicesAndOperations_Compile()
        {
            string source = ProbeSource("""
                Span<byte> s = stackalloc byte[16];
                s.Fill((byte)ctx.Arg0);
                Span<byte> mid = s.Slice(4, 8);
                mid[..2].Clear();
                Span<byte> d = stackalloc byte[16];
                s.CopyTo(d);
                for (int i = 0; i < mid.Length; i++) d[i] ^= mid[i];
                return d[^1] + (s.IsEmpty ? 1 : 0);
                """);
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0008_CollectionExpressionWithASpread() => AssertReported("BPF0008", "[1, ..first]", """
            ReadOnlySpan<int> first = [2, 3];
            ReadOnlySpan<int> all = [1, ..first]; // BPF0008
            return all[0];
            """);

        [Fact]
        public void SpanInitializers_Compile()
        {
            string source = ProbeSource("""
                ReadOnlySpan<byte> table = [1, 2, 4, 8];
                Span<long> values = stackalloc long[] { ctx.Arg0, ctx.Arg1 };
                Span<int> small = stackalloc[] { 1, (int)ctx.Arg2 };
                return table[(int)ctx.Arg3 & 3] + (int)values[1] + small[1];
                """);
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0008_LocalFunctionThatIsNotStatic() => AssertReported("BPF0008", "Twice", """
            long seed = ctx.Arg0;
            return (int)Twice();
            long Twice() => seed * 2; // BPF0008
            """);

        [Fact]
        public void StaticLocalFunctions_Compile()
        {
            string source = ProbeSource("""
                return Twice((int)ctx.Arg0) + Half((int)ctx.Arg1);
                static int Twice(int v) => v * 2;
                static int Half(int v) { if (v < 0) return 0; return v >> 1; }
                """);
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
            // A local function that captures nothing need not say 'static'.
            source = ProbeSource("""
                return Twice((int)ctx.Arg0);
                int Twice(int v) { int doubled = v * 2; return doubled; }
                """);
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void StructMembers_Compile()
        {
            string source = Usings + """
                public struct Stats
                {
                    public long Count { get; set; }
                    public long Sum;
                    public readonly long Mean => Count == 0 ? 0 : Sum >> 3;
                    public void Add(long sample) { Count++; Sum += sample; }
                }
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 16)]
                    public static BpfHashMap<uint, Stats> ByCpu = null!;

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        ref Stats stats = ref ByCpu.GetValueRefOrNullRef(0);
                        if (Unsafe.IsNullRef(ref stats)) return 0;
                        stats.Add(ctx.Arg1);
                        return (int)stats.Mean;
                    }
                }
                """;
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void HasFlagAndChar_Compile()
        {
            string source = Usings + """
                [Flags] public enum Access { None = 0, Read = 1, Write = 2 }
                public static partial class Probe
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        var access = (Access)(ctx.Arg2 & 3);
                        char first = (char)ctx.Arg3;
                        return access.HasFlag(Access.Write) && first != '/' ? 1 : 0;
                    }
                }
                """;
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0008_PropertyPatternWithADesignation()
        {
            string source = Usings + """
                public struct Pair { public long A; public long B; }
                public static partial class Probe
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        Pair p = default;
                        p.A = ctx.Arg0;
                        return p is { A: > 0 } q ? (int)q.B : 0; // BPF0008
                    }
                }
                """;
            AssertOnMarkedLine("BPF0008", "{ A: > 0 } q", source);
        }

        [Fact]
        public void Deconstruction_Compiles()
        {
            string source = ProbeSource("""
                var (a, b) = (ctx.Arg0, ctx.Arg1);
                (a, b) = (b, a);
                return (int)(a - b);
                """);
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void SpanLengthBounds_Compile()
        {
            string source = ProbeSource("""
                Span<int> w = stackalloc int[6];
                for (int i = 0; i < w.Length; i++) w[i] = i;
                int j = 0;
                long acc = 0;
                while (j < w.Length) { acc += j; j++; }
                return w[5] + (int)acc;
                """);
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0008_AbsOfAValueThatMayBeMinValue() => AssertReported("BPF0008", "Math.Abs(x)", """
            int x = (int)ctx.Arg0;
            return Math.Abs(x); // BPF0008
            """);

        [Fact]
        public void BPF0008_ClampWithBoundsThatAreNotConstants() => AssertReported("BPF0008", "Math.Clamp", """
            return Math.Clamp((int)ctx.Arg0, 0, (int)ctx.Arg1); // BPF0008
            """);

        [Fact]
        public void BPF0005_GotoThatJumpsBack() => AssertReported("BPF0005", "goto back", """
            int i = 0;
            back: i++;
            if (i < 3) goto back; // BPF0005
            return i;
            """);

        [Fact]
        public void BPF0008_SignedLog2OfAValueThatMayBeNegative()
        {
            AssertReported("BPF0008", "int.Log2((int)ctx.Arg0)", """
                return int.Log2((int)ctx.Arg0); // BPF0008
                """);
            Assert.Contains("uint.Log2((uint)x)", Assert.Single(Messages(ProbeSource("return int.Log2((int)ctx.Arg0);"))), StringComparison.Ordinal);
        }

        [Fact]
        public void BPF0008_NullableValueIsReportedOnceWhereDeclared()
        {
            string source = ProbeSource("""
                int? maybe = null;
                if (maybe.HasValue) return maybe.Value;
                int x = maybe ?? 3;
                return x;
                """);
            var only = Assert.Single(TestCompilation.GetBpfDiagnostics(source));
            Assert.Equal("BPF0008", only.Id);
            Assert.Contains("maybe", only.Text, StringComparison.Ordinal);
            Assert.Contains("nullable value ('int?'", Assert.Single(Messages(source)), StringComparison.Ordinal);
        }

        [Fact]
        public void CSharpTypeErrors_GetNoBpfDiagnostics()
        {
            // CS0173 is C#'s own error; the operands of the broken expression get nothing more.
            Assert.Empty(TestCompilation.GetBpfDiagnostics(ProbeSource("""
                long a = (long)ctx.Arg0;
                var r = a > 3 ? 1 : "x";
                return 0;
                """)));
        }

        [Fact]
        public void MapPassedToAnInlinedMethod_Compiles()
        {
            string source = Usings + """
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 1024)]
                    public static BpfHashMap<uint, ulong> Counts = null!;

                    private static void Bump(BpfHashMap<uint, ulong> map, uint key)
                    {
                        ref ulong n = ref map.GetValueRefOrNullRef(key);
                        if (Unsafe.IsNullRef(ref n)) map.Update(key, 1); else n++;
                    }

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        Bump(Counts, (uint)ctx.Arg0);
                        return 0;
                    }
                }
                """;
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void BPF0008_MapPassedToASubprogram()
        {
            string source = Usings + """
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 1024)]
                    public static BpfHashMap<uint, ulong> Counts = null!;

                    [MethodImpl(MethodImplOptions.NoInlining)]
                    private static void Bump(BpfHashMap<uint, ulong> map, uint key) => map.Update(key, 1);

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        Bump(Counts, (uint)ctx.Arg0); // BPF0008
                        return 0;
                    }
                }
                """;
            AssertOnMarkedLine("BPF0008", "Bump(Counts", source);
            Assert.Contains("it takes a map", Assert.Single(Messages(source)), StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("MIT", true)]
        [InlineData("Proprietary", true)]
        [InlineData("Dual MIT/GPL", false)]
        [InlineData("GPL v2", false)]
        public void BPF0008_GplOnlyHelperUnderANonGplLicense(string license, bool refused)
        {
            string source = Usings + $$"""
                [BpfLicense("{{license}}")]
                public static partial class Probe
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        Bpf.Printk("openat %d\n", (ulong)ctx.Arg1); // BPF0008
                        return 0;
                    }
                }
                """;
            if (!refused)
            {
                Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
                return;
            }
            AssertOnMarkedLine("BPF0008", "Bpf.Printk", source);
            Assert.Contains("bpf_trace_printk", Assert.Single(Messages(source)), StringComparison.Ordinal);
        }

        [Fact]
        public void IntegerMath_Compiles()
        {
            string source = ProbeSource("""
                int x = (int)ctx.Arg0;
                long acc = Math.Min(ctx.Arg1, 100) + Math.Max(x, -1) + Math.Clamp(x, -5, 5) + Math.Sign(ctx.Arg2);
                if (x != int.MinValue) acc += Math.Abs(x);
                acc += Math.Abs((long)x);
                acc += System.Numerics.BitOperations.PopCount((ulong)ctx.Arg3) + System.Numerics.BitOperations.Log2((uint)x);
                return (int)acc;
                """);
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        [Fact]
        public void TestedDivisors_Compile()
        {
            string source = ProbeSource("""
                long d = ctx.Arg1;
                ulong u = (ulong)ctx.Arg2;
                long q = d > 0 ? ctx.Arg0 / d : 0;
                q += unchecked((d < -1) ? (ctx.Arg0 % d) : 1);
                if (u != 0) q += (long)(12345UL % u);
                if (d != 0 && d != -1) q += ctx.Arg0 % d;
                if (d is 0 or -1) return (int)q;
                q += ctx.Arg0 / d;
                short s = (short)ctx.Arg3;
                if (s != 0) q += (short)ctx.Arg4 / s;
                for (int k = 4; k > 0; k--) q += ctx.Arg0 / k;
                return (int)q;
                """);
            Assert.Empty(TestCompilation.GetBpfDiagnostics(source));
        }

        /// <summary>A probe class whose openat tracepoint program has <paramref name="body"/> (with a <c>Counts</c> hash map).</summary>
        internal static string ProbeSource(string body)
        {
            string indented = string.Join("\n", body.Split('\n').Select(line => "        " + line));
            return Usings + $$"""
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 1024)]
                    public static BpfHashMap<uint, ulong> Counts = null!;

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                {{indented}}
                    }
                }
                """;
        }

        /// <summary>Wraps <paramref name="body"/> in a valid probe method and asserts <paramref name="id"/> on its marked line.</summary>
        private static void AssertReported(string id, string underlined, string body)
        {
            string indented = string.Join("\n", body.Split('\n').Select(line => "        " + line));
            string source = Usings + $$"""
                public static partial class Probe
                {
                    [BpfMap(MaxEntries = 1024)]
                    public static BpfHashMap<uint, ulong> Counts = null!;

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                {{indented}}
                    }
                }
                """;
            AssertOnMarkedLine(id, underlined, source);
        }

        /// <summary>
        /// Asserts that <paramref name="id"/> is first reported on the line marked <c>// id</c>, underlining text that
        /// contains <paramref name="underlined"/> (later uses of the same construct may be reported too), and that
        /// nothing failed inside the compiler.
        /// </summary>
        private static void AssertOnMarkedLine(string id, string underlined, string source)
        {
            int markedLine = source.Split('\n').Select((text, index) => (text, index)).Single(l => l.text.Contains("// " + id, StringComparison.Ordinal)).index + 1;
            var all = TestCompilation.GetBpfDiagnostics(source);
            Assert.DoesNotContain(all, d => d.Id == "BPF0014");
            var reported = all.Where(d => d.Id == id).ToArray();
            Assert.True(reported.Length > 0, $"{id} not reported; got: {string.Join("; ", all)}");
            Assert.Equal(markedLine, reported[0].Line);
            Assert.Contains(reported, d => d.Line == markedLine && d.Text.Contains(underlined, StringComparison.Ordinal));
        }

        /// <summary>The messages of the BPF diagnostics of <paramref name="source"/>.</summary>
        private static string[] Messages(string source)
            => TestCompilation.RunAnalyzer(TestCompilation.Create(source)).Diagnostics
                .Where(d => d.Id.StartsWith("BPF", StringComparison.Ordinal)).Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        private static ReportedDiagnostic[] OfId(string id, string source)
            => TestCompilation.GetBpfDiagnostics(source).Where(d => d.Id == id).ToArray();
    }
}
