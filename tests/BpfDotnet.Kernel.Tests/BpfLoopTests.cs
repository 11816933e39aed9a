using System;
using System.IO;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A loop the verifier could not walk iteration by iteration, run through bpf_loop: loaded, run on real calls, checked against .NET.</summary>
    [Collection("kernel")]
    public class BpfLoopTests
    {
        private static string ObjectPath => Path.Combine(AppContext.BaseDirectory, "LongLoop.bpf.o");

        /// <summary>The same 1,024 random values into the kernel's table and the .NET stand-in's, from <paramref name="seed"/>.</summary>
        private static void FillTable(int seed, Action<uint, long> kernel, BpfArrayMap<long> dotnet)
        {
            var random = new Random(seed);
            for (uint k = 0; k < 1024; k++)
            {
                long value = random.NextInt64();
                kernel(k, value);
                dotnet.Update(k, value);
            }
        }

        [KernelFact]
        public void LongLoopDigestsAsDotnetDoes()
        {
            Kernel.Require();
            using var probe = LongLoop.Load();
            FillTable(17, (k, v) => probe.Table[k] = v, LongLoop.Table);
            probe.AttachAll();
            // The callback the loop became is a subprogram of the program, and the program stays small for the verifier.
            Assert.InRange(probe.OnGetpgid.GetInfo().VerifiedInstructions, 1UL, 20_000UL);
            for (long low = 0; low < 6; low++)
            {
                long argument = (LongLoop.Magic << 32) | (low * 0x1234567 & 0xffffffff);
                Syscalls.Getpgid64(argument);
                var context = new SysEnterArgs { Arg0 = argument };
                LongLoop.OnGetpgid(ref context);
                LongLoop.Result.TryGetValue(0, out long digest);
                LongLoop.Result.TryGetValue(1, out long stop);
                Assert.Equal(digest, probe.Result[0]);
                Assert.Equal(stop, probe.Result[1]);
            }
        }

        [KernelFact]
        public void LongLoopsOfOtherShapes_RunThroughBpfLoop_AsDotnetRunsThem()
        {
            Kernel.Require();
            using var probe = LongLoopShapes.Load();
            FillTable(23, (k, v) => probe.Table[k] = v, LongLoopShapes.Table);
            probe.AttachAll();
            // Walked one iteration at a time, either loop would pass the verifier's million instructions.
            Assert.InRange(probe.OnTestInBody.GetInfo().VerifiedInstructions, 1UL, 20_000UL);
            Assert.InRange(probe.OnDoLoop.GetInfo().VerifiedInstructions, 1UL, 20_000UL);
            for (long low = 0; low < 6; low++)
            {
                long argument = (LongLoop.Magic << 32) | (low * 0x2345671 & 0xffffffff);
                Syscalls.Getpgid64(argument);
                var context = new SysEnterArgs { Arg0 = argument };
                LongLoopShapes.OnTestInBody(ref context);
                LongLoopShapes.OnDoLoop(ref context);
                for (uint slot = 0; slot < 4; slot++)
                {
                    LongLoopShapes.Result.TryGetValue(slot, out long expected);
                    Assert.Equal(expected, probe.Result[slot]);
                }
            }
        }

        [KernelFact]
        public void LibbpfLoadsTheCallback()
        {
            Kernel.Require();
            var (dumpCode, disassembly) = Repo.Run("llvm-objdump-14", $"-d -r {ObjectPath}");
            Assert.True(dumpCode == 0, disassembly);
            Assert.Contains("<LongLoop_OnGetpgid_loop1>:", disassembly);
            Assert.Contains("R_BPF_64_64\t.text", disassembly);
            var pinDir = "/sys/fs/bpf/bpfdotnet-loop-" + Environment.ProcessId;
            try
            {
                var (code, output) = Repo.Run("bpftool", $"prog loadall {ObjectPath} {pinDir}");
                Assert.True(code == 0, "bpftool prog loadall failed:\n" + output);
                var (xlatedCode, xlated) = Repo.Run("bpftool", $"prog dump xlated pinned {pinDir}/OnGetpgid");
                Assert.True(xlatedCode == 0, xlated);
                Assert.Contains("LongLoop_OnGetpgid_loop1", xlated);
            }
            finally
            {
                if (Directory.Exists(pinDir)) Directory.Delete(pinDir, recursive: true);
            }
        }
    }
}
