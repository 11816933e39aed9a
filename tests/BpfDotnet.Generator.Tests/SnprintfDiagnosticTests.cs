using System;
using System.Linq;
using Xunit;

namespace BpfDotnet.Generator.Tests
{
    /// <summary>Bpf.Snprintf: the formats the kernel would refuse are build errors on the format or the argument.</summary>
    public class SnprintfDiagnosticTests
    {
        private static string Probe(string call, string license = "GPL") => $$"""
            using System;
            using BpfDotnet;
            [BpfLicense("{{license}}")]
            public static partial class Probe
            {
                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx)
                {
                    Span<byte> text = stackalloc byte[32];
                    long n = ctx.Arg0;
                    {{call}}
                    return 0;
                }
            }
            """;

        private static string[] Messages(string source)
            => TestCompilation.RunAnalyzer(TestCompilation.Create(source)).Diagnostics
                .Where(d => d.Id.StartsWith("BPF", StringComparison.Ordinal)).Select(d => d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        [Theory]
        [InlineData("Bpf.Snprintf(text, \"%d and %lu, %5x %-3c %%\", n, n, n, 'x');")]
        [InlineData("Bpf.Snprintf(text, \"no conversions\");")]
        [InlineData("Bpf.Snprintf(text, \"%ld %ld %ld %ld %ld %ld\", 1, 2, 3, 4, 5, n);")]
        public void FormatsTheKernelTakes_Compile(string call) => Assert.Empty(Messages(Probe(call)));

        [Theory]
        [InlineData("Bpf.Snprintf(text, \"%s\", n);", "'%s'")]
        [InlineData("Bpf.Snprintf(text, \"%.3d\", n);", "'%.'")]
        [InlineData("Bpf.Snprintf(text, \"%d %d\", n);", "more conversions than the 1 arguments")]
        [InlineData("Bpf.Snprintf(text, \"tab\\u0001\", n);", "not printable ASCII")]
        public void AFormatTheKernelRefuses_IsBPF0008_WithTheReason(string call, string reason)
        {
            var message = Assert.Single(Messages(Probe(call)));
            Assert.StartsWith("BPF0008", message);
            Assert.Contains(reason, message);
        }

        [Fact]
        public void AnArgumentNoConversionTakes_IsBPF0008_OnTheArgument()
        {
            var reported = Assert.Single(TestCompilation.GetBpfDiagnostics(Probe("Bpf.Snprintf(text, \"%d\", n, 42);")));
            Assert.Equal("BPF0008", reported.Id);
            Assert.Equal("42", reported.Text);
        }

        [Fact]
        public void UnderANonGplLicense_Snprintf_IsRefused()
            => Assert.Contains(Messages(Probe("Bpf.Snprintf(text, \"%d\", n);", "MIT")), m => m.StartsWith("BPF0008", StringComparison.Ordinal) && m.Contains("bpf_snprintf", StringComparison.Ordinal));

        [Fact]
        public void TheStandIn_CutsALongLine_AndReturnsTheWholeLength()
        {
            Span<byte> small = stackalloc byte[4];
            Assert.Equal(8, Bpf.Snprintf(small, "%d", 1234567));
            Assert.Equal(new byte[] { (byte)'1', (byte)'2', (byte)'3', 0 }, small.ToArray());
            Span<byte> wide = stackalloc byte[32];
            long n = Bpf.Snprintf(wide, "[%+05d|%-6X|%u]", -42, 0xBEEF, -1);
            Assert.Equal("[-0042|BEEF  |4294967295]", System.Text.Encoding.ASCII.GetString(wide[..(int)(n - 1)]));
            Assert.Equal(-22, Bpf.Snprintf(wide, "%s", 1));
        }
    }
}
