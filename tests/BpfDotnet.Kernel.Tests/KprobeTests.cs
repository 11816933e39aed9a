using System;
using System.IO;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// Kprobes: the program loads wherever the kernel loads kprobe programs; it attaches where the kernel has kprobes,
    /// and elsewhere (as on the machines this suite runs on) the exception says why and what to use instead.
    /// </summary>
    [Collection("kernel")]
    public class KprobeTests
    {
        [KernelFact]
        public void AKprobeProgram_Loads_AndAttachesOrSaysTheKernelHasNoKprobes()
        {
            Kernel.Require();
            using var probe = KernelProbe.Load();
            Assert.Equal("kprobe/do_sys_openat2", probe.OnOpen.SectionName);
            Assert.Equal(BpfProgramType.Kprobe, probe.OnOpen.Type);
            Assert.Equal("ksyscall/getpgid", probe.OnGetpgid.SectionName);
            Assert.Equal(BpfProgramType.Kprobe, probe.OnGetpgid.Type);
            if (Directory.Exists("/sys/bus/event_source/devices/kprobe"))
            {
                probe.AttachAll();
                File.Exists("/etc/hostname");
                _ = File.ReadAllBytes("/proc/self/stat");
                Assert.True(probe.Calls[0] > 0);
                return;
            }
            int linksBefore = BpfSystem.GetLinkIds().Count;
            var e = Assert.Throws<BpfException>(() => probe.AttachAll());
            Assert.Contains("This kernel has no kprobes", e.Message);
            Assert.Contains("do_sys_openat2", e.Message);
            Assert.Contains("tracepoint", e.Message);
            // A ksyscall probe names the system call's own function for this architecture.
            var wrapper = Assert.Throws<BpfException>(() => probe.OnGetpgid.Attach());
            Assert.Contains("This kernel has no kprobes", wrapper.Message);
            Assert.Contains(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "'__arm64_sys_getpgid'" : "'__x64_sys_getpgid'", wrapper.Message);
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }
    }
}
