using System;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Tracing programs loaded with the BTF id of their target in the running kernel's BTF.</summary>
    [Collection("kernel")]
    public class BtfTracingTests
    {
        private static long GetpgidNumber => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 155 : 121;

        [KernelFact]
        public void ATpBtfProgram_LoadsWithTheTracepointsBtfId_AndCountsRealCalls()
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var probe = BtfTracepoint.Load(new() { TargetPid = (uint)Environment.ProcessId, Syscall = GetpgidNumber }))
            {
                Assert.Equal(BpfProgramType.Tracing, probe.OnSysEnter.Type);
                var link = Assert.Single(probe.AttachAll());
                Assert.Contains("tp_btf/sys_enter", link.Description);
                for (int i = 0; i < 3; i++) Syscalls.Getpgid(0);
                Assert.True(probe.Calls[0] >= 3, "calls counted: " + probe.Calls[0]);
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        [KernelFact]
        public void AWritableRawTracepointProgram_AttachesToATracepoint_AndCountsRealCalls()
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var probe = WritableRawTracepoint.Load(new() { TargetPid = (uint)Environment.ProcessId, Syscall = GetpgidNumber }))
            {
                Assert.Equal(BpfProgramType.RawTracepointWritable, probe.OnSysEnter.Type);
                var link = Assert.Single(probe.AttachAll());
                Assert.Contains("sys_enter", link.Description);
                Assert.Equal(linksBefore + 1, BpfSystem.GetLinkIds().Count);
                for (int i = 0; i < 3; i++) Syscalls.Getpgid(0);
                Assert.True(probe.Calls[0] >= 3, "calls counted: " + probe.Calls[0]);
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        [KernelFact]
        public void AnFentryProgram_LoadsOrIsRefusedAsTheKernelDecides_WithTheReason()
        {
            Kernel.Require();
            try
            {
                using var probe = FunctionEntry.Load();
                // A kernel that allows fentry attaches it.
                Assert.Single(probe.AttachAll());
            }
            catch (BpfException e)
            {
                // This suite's kernel refuses fentry programs at load (EPERM): the exception says which program and why.
                Assert.Contains("OnOpen", e.Message);
                Assert.Contains("EPERM", e.Message);
                Assert.Contains("even to root", e.Message);
                Assert.Contains("tp_btf", e.Message);
            }
        }

        /// <summary>fexit, fmod_ret and LSM programs: attached where the kernel allows them, else refused naming the program, the errno and what the kernel lacks.</summary>
        [KernelTheory]
        [InlineData("fexit")]
        [InlineData("fmod_ret")]
        [InlineData("lsm")]
        public void FunctionExitModifyReturnAndLsmPrograms_LoadOrAreRefusedAsTheKernelDecides_WithTheReason(string kind)
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            try
            {
                using (BpfObject loaded = kind switch
                {
                    "fexit" => FunctionExit.Load().Object,
                    "fmod_ret" => ModifyReturn.Load().Object,
                    _ => SecurityHook.Load().Object,
                })
                {
                    // A kernel that allows the kind attaches it.
                    Assert.Single(loaded.AttachAll());
                    Assert.Equal(linksBefore + 1, BpfSystem.GetLinkIds().Count);
                }
                Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
            }
            catch (BpfException e)
            {
                Assert.Contains(kind == "fexit" ? "OnOpenReturned" : "OnFileOpen", e.Message);
                Assert.Matches("E[A-Z]+", e.Message);
                Assert.Contains(kind == "lsm" ? "CONFIG_BPF_LSM" : "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS", e.Message);
                Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
            }
        }

        [KernelFact]
        public void ATracepointTheKernelDoesNotHave_IsNamedInTheLoadException()
        {
            Kernel.Require();
            Assert.Equal(GetpgidNumber, GetpgidNumber);
            var e = Assert.Throws<BpfException>(() => KernelBtf.For(null).AttachTarget("tp_btf/no_such_tracepoint", KernelModel.ProgramKinds.Find("tp_btf/no_such_tracepoint")!.Value));
            Assert.Contains("'no_such_tracepoint'", e.Message);
            Assert.Contains("btf_trace_no_such_tracepoint", e.Message);
        }
    }
}
