using System;
using System.Diagnostics;
using System.Linq;
using BpfDotnet.KernelModel;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>USDT probes of a real program (Debian's Python), their argument specs, and their semaphores.</summary>
    [Collection("kernel")]
    public class UsdtTests
    {
        private const string Python = "/usr/bin/python3";

        /// <summary>An import of json (which imports json.decoder once), then a collection of each generation.</summary>
        private const string Script = "import gc\nimport json\ngc.collect(0)\ngc.collect(1)\ngc.collect(2)\n";

        [Fact]
        public void PythonsProbes_AreListedWithTheirArgumentsAndSemaphores()
        {
            var probes = BpfProgramHandle.FindUsdtProbes(Python);
            var gc = Assert.Single(probes, p => p.Provider == "python" && p.Name == "gc__start");
            Assert.True(gc.HasSemaphore);
            Assert.Contains(probes, p => p.Name == "function__entry" && p.Arguments.Split(' ').Length == 3);
            Assert.Contains(probes, p => p.Name == "import__find__load__done" && p.Arguments == "8@%rax -4@%edx");
            var args = UsdtArgumentParser.Parse(gc.Arguments, PtRegsLayout.X64, out string? problem);
            Assert.Null(problem);
            Assert.Equal(UsdtArgumentKind.Memory, Assert.Single(args!).Kind);
        }

        [Theory]
        [InlineData("-4@%edi", (byte)UsdtArgumentKind.Register, 0L, 112, -4)]
        [InlineData("8@%r12", (byte)UsdtArgumentKind.Register, 0L, 24, 8)]
        [InlineData("-4@%r8d", (byte)UsdtArgumentKind.Register, 0L, 72, -4)]
        [InlineData("8@-80(%rbx)", (byte)UsdtArgumentKind.Memory, -80L, 40, 8)]
        [InlineData("-4@112(%rsp)", (byte)UsdtArgumentKind.Memory, 112L, 152, -4)]
        [InlineData("2@(%rax)", (byte)UsdtArgumentKind.Memory, 0L, 80, 2)]
        [InlineData("4@$-5", (byte)UsdtArgumentKind.Constant, -5L, 0, 4)]
        [InlineData("1@$0x10", (byte)UsdtArgumentKind.Constant, 16L, 0, 1)]
        public void X64ArgumentSpecs_ParseToTheirPtRegsOffsets(string spec, byte kind, long value, int register, int size)
        {
            var parsed = Assert.Single(UsdtArgumentParser.Parse(spec, PtRegsLayout.X64, out _)!);
            Assert.Equal(new UsdtArgument((UsdtArgumentKind)kind, value, register, size), parsed);
        }

        [Theory]
        [InlineData("-4@x1", (byte)UsdtArgumentKind.Register, 0L, 8, -4)]
        [InlineData("8@[sp, 16]", (byte)UsdtArgumentKind.Memory, 16L, 248, 8)]
        [InlineData("8@[x29]", (byte)UsdtArgumentKind.Memory, 0L, 232, 8)]
        [InlineData("4@5", (byte)UsdtArgumentKind.Constant, 5L, 0, 4)]
        public void Arm64ArgumentSpecs_ParseToTheirPtRegsOffsets(string spec, byte kind, long value, int register, int size)
        {
            var parsed = Assert.Single(UsdtArgumentParser.Parse(spec, PtRegsLayout.Arm64, out _)!);
            Assert.Equal(new UsdtArgument((UsdtArgumentKind)kind, value, register, size), parsed);
        }

        [Theory]
        [InlineData("3@%eax")]
        [InlineData("8@%xmm0")]
        [InlineData("8@-80(%rbx")]
        public void SpecsNoProgramCanRead_AreRefused(string spec)
        {
            Assert.Null(UsdtArgumentParser.Parse(spec, PtRegsLayout.X64, out string? problem));
            Assert.Contains(spec, problem);
        }

        [KernelFact]
        public void UsdtPrograms_ReadRegisterMemoryAndStringArguments_OfPythonsProbes()
        {
            Kernel.Require();
            var linksBefore = BpfSystem.GetLinkIds().Count();
            using (var probes = PythonProbes.Load())
            {
                var links = probes.AttachAll();
                Assert.Equal(2, links.Count);
                Assert.All(links, l => Assert.StartsWith("usdt /usr/bin/python3:python:", l.Description));
                var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add(Script);
                using (var python = Process.Start(start)!)
                {
                    Assert.True(python.WaitForExit(30_000), "python did not exit");
                    Assert.True(python.ExitCode == 0, python.StandardError.ReadToEnd());
                }
                // One import of json.decoder, found: its name read through a pointer argument, "found" a 4-byte register one.
                var imports = Assert.Single(probes.Imports.ToList());
                Assert.Equal(1, imports.Key);
                Assert.Equal(1, imports.Value);
                // Each generation collected at least once: an argument in memory, seen only while the semaphore is raised.
                Assert.True(probes.Generations[1] >= 1 && probes.Generations[2] >= 1, $"collections by generation: {probes.Generations[0]}, {probes.Generations[1]}, {probes.Generations[2]}");
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count());
        }

        [KernelFact]
        public void AProbeTheBinaryDoesNotHave_IsAnExceptionListingThoseItHas()
        {
            Kernel.Require();
            using var probes = PythonProbes.Load();
            var e = Assert.Throws<BpfException>(() => probes.OnImport.AttachUsdt(Python, "python", "no__such__probe"));
            Assert.Contains("no USDT probe python:no__such__probe", e.Message);
            Assert.Contains("python:gc__start", e.Message);
            var none = Assert.Throws<BpfException>(() => probes.OnImport.AttachUsdt("/bin/sh", "x", "y"));
            Assert.Contains("no .note.stapsdt", none.Message);
        }
    }
}
