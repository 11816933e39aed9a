using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Programs run in the kernel on chosen input (BPF_PROG_TEST_RUN), and as .NET code on the same input.</summary>
    [Collection("kernel")]
    public class TestRunTests
    {
        /// <summary>A packet handed to a program the kernel cannot test-run on one: the exception names the kinds that can.</summary>
        [KernelFact]
        public void APacketForAProgramThatTakesNone_IsRefusedNamingTheKindsThatDo()
        {
            Kernel.Require();
            using var probe = OpenCounter.Load();
            var program = probe.Object.Programs.Values.First();
            var e = Assert.Throws<BpfException>(() => program.TestRun(new byte[64], 1));
            Assert.Contains("cannot be", e.Message);
            Assert.Contains("XDP", e.Message);
        }

        /// <summary>A syscall program's writes to its context come back, as the same method's do in .NET.</summary>
        [KernelFact]
        public void SyscallProgram_WritesItsContextBack_AsDotnetDoes()
        {
            Kernel.Require();
            using var probe = Calculator.Load();
            foreach (var (a, b) in new (long, long)[] { (6, 7), (-3, 11), (long.MaxValue, 2), (9, -9) })
            {
                var kernel = new Calculator.Operands { A = a, B = b };
                uint verdict = probe.Compute.TestRun(ref kernel);
                var dotnet = new Calculator.Operands { A = a, B = b };
                int expected = Calculator.Compute(ref dotnet);
                Assert.Equal((uint)expected, verdict);
                Assert.Equal(dotnet.Sum, kernel.Sum);
                Assert.Equal(dotnet.Product, kernel.Product);
            }
        }
    }
}
