using System;
using System.Linq;
using Xunit;

namespace BpfDotnet.Generator.Tests
{
    /// <summary>Maps of maps: what a declaration or a program may do with them, reported at build time.</summary>
    public class MapsOfMapsDiagnosticTests
    {
        private static string Probe(string fields, string body) => $$"""
            using System.Runtime.CompilerServices;
            using BpfDotnet;
            public static partial class Probe
            {
            {{fields}}
                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx)
                {
            {{body}}
                }
            }
            """;

        private const string Tenants = """
                [BpfMap(MaxEntries = 4, InnerMaxEntries = 16)]
                public static BpfArrayOfMaps<BpfHashMap<uint, ulong>> Tenants = new();
            """;

        [Fact]
        public void AnInnerMapTestedForNull_Compiles()
        {
            var diagnostics = TestCompilation.GetBpfDiagnostics(Probe(Tenants, """
                    var counts = Tenants.Get((uint)ctx.Arg0);
                    if (counts is null) return 0;
                    ref ulong count = ref counts.GetValueRefOrNullRef(1);
                    if (!Unsafe.IsNullRef(ref count)) count++;
                    return 0;
            """));
            Assert.Empty(diagnostics);
        }

        [Fact]
        public void AnInnerMapUsedWithoutANullTest_IsBPF0015()
        {
            var diagnostics = TestCompilation.GetBpfDiagnostics(Probe(Tenants, """
                    var counts = Tenants.Get((uint)ctx.Arg0);
                    counts!.Update(1, 2UL);
                    return 0;
            """));
            var reported = Assert.Single(diagnostics);
            Assert.Equal("BPF0015", reported.Id);
            Assert.Equal(11, reported.Line); // counts!.Update(...)
        }

        [Fact]
        public void PuttingAMapInAMapOfMaps_FromAProgram_IsBPF0008()
        {
            var diagnostics = TestCompilation.GetBpfDiagnostics(Probe(Tenants + """
                    [BpfMap(MaxEntries = 16)]
                    public static BpfHashMap<uint, ulong> Other = new();
            """, """
                    Tenants.Set(0, Other);
                    return 0;
            """));
            Assert.Contains(diagnostics, d => d.Id == "BPF0008" && d.Text.Contains("Tenants.Set", StringComparison.Ordinal));
        }

        [Theory]
        [InlineData("[BpfMap(MaxEntries = 4)] public static BpfArrayOfMaps<BpfHashMap<uint, ulong>> Bad = new();", "InnerMaxEntries")]
        [InlineData("[BpfMap(MaxEntries = 4, InnerMaxEntries = 4096)] public static BpfArrayOfMaps<BpfRingBuffer<long>> Bad = new();", "cannot be the inner map type")]
        [InlineData("[BpfMap(MaxEntries = 4, InnerMaxEntries = 4)] public static BpfHashOfMaps<uint, BpfArrayOfMaps<BpfArrayMap<long>>> Bad = new();", "cannot be the inner map type")]
        [InlineData("[BpfMap(MaxEntries = 4, InnerMaxEntries = 4, InnerFlags = 0x80)] public static BpfArrayOfMaps<BpfArrayMap<long>> Bad = new();", "read-only or write-only for programs")]
        [InlineData("[BpfMap(MaxEntries = 4, InnerMaxEntries = 4, Flags = 0x80)] public static BpfArrayOfMaps<BpfArrayMap<long>> Bad = new();", "are not valid for maps of type ArrayOfMaps")]
        public void ADeclarationTheKernelWouldRefuse_IsBPF0010(string field, string reason)
        {
            var source = Probe("    " + field, "        return 0;");
            var reported = Assert.Single(TestCompilation.GetBpfDiagnostics(source));
            Assert.Equal("BPF0010", reported.Id);
            var message = TestCompilation.RunAnalyzer(TestCompilation.Create(source)).Diagnostics.Single(d => d.Id == "BPF0010").GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains(reason, message);
        }
    }
}
