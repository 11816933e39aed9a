using Xunit;

namespace BpfDotnet.Generator.Tests
{
    /// <summary>Helpers the helpers table marshals: what the kernel would refuse in their arguments is a build error.</summary>
    public class HelperTableDiagnosticTests
    {
        [Fact]
        public void AContextArgumentThatIsNotTheProgramsContext_IsBPF0008()
        {
            const string source = """
                using System;
                using BpfDotnet;
                public static partial class Probe
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx)
                    {
                        SysEnterArgs copy = ctx;
                        Span<ulong> frames = stackalloc ulong[8];
                        return (int)Bpf.GetStack(ref copy, frames);
                    }
                }
                """;
            var reported = Assert.Single(TestCompilation.GetBpfDiagnostics(source));
            Assert.Equal("BPF0008", reported.Id);
            Assert.Equal("copy", reported.Text);
        }
    }
}

namespace BpfDotnet.Generator.Tests
{
    /// <summary>Programs of one class that share a section: a diagnostic naming them, not an internal error.</summary>
    public class SharedSectionDiagnosticTests
    {
        [Fact]
        public void TwoProgramsOnOneTracepoint_AreBPF0008NamingBoth()
        {
            const string source = """
                using BpfDotnet;
                public static partial class Probe
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int First(ref SysEnterArgs ctx) => 0;

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int Second(ref SysEnterArgs ctx) => 1;
                }
                """;
            var (_, diagnostics, _) = TestCompilation.RunGenerator(TestCompilation.Create(source));
            Assert.DoesNotContain(diagnostics, d => d.Id == "BPF0014");
            var clash = Assert.Single(diagnostics, d => d.Id == "BPF0008");
            string message = clash.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("'tracepoint/syscalls/sys_enter_openat': First, Second", message);
        }
    }
}
