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
