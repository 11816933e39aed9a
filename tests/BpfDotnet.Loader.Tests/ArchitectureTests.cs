using System.Runtime.InteropServices;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    public class ArchitectureTests
    {
        /// <summary>bpf(2) and perf_event_open(2) are numbered per architecture, from the kernel model's table.</summary>
        [Fact]
        public void SyscallNumbers_ComeFromTheKernelModelForTheRunningArchitecture()
        {
            Assert.Equal((321L, 298L), (SyscallNumbers.X64.Bpf, SyscallNumbers.X64.PerfEventOpen));
            Assert.Equal((280L, 241L), (SyscallNumbers.Arm64.Bpf, SyscallNumbers.Arm64.PerfEventOpen));
            Assert.Null(SyscallNumbers.Of(Architecture.X86));
            var running = SyscallNumbers.Of(RuntimeInformation.ProcessArchitecture);
            Assert.NotNull(running);
            Assert.Equal(running!.Value.Bpf, Native.SysBpf);
            Assert.Equal(running.Value.PerfEventOpen, Native.SysPerfEventOpen);
        }
    }
}
