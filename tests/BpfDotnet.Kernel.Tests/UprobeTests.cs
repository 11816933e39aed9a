using System;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Uprobes and uretprobes on a libc function this process calls, attached from their attributes.</summary>
    [Collection("kernel")]
    public class UprobeTests
    {
        [KernelFact]
        public void AUprobeSeesTheArgument_AndAUretprobeTheResult_OfLibcsGetpgid()
        {
            Kernel.Require();
            var linksBefore = BpfSystem.GetLinkIds().Count();
            using (var probe = LibcProbes.Load(new() { TargetPid = (uint)Environment.ProcessId }))
            {
                var links = probe.AttachAll();
                Assert.Equal(2, links.Count);
                Assert.All(links, l => Assert.Contains("libc", l.Description));
                int own = Syscalls.Getpgid(0);
                Assert.Equal(own, (int)probe.Seen[2]);
                int missing = Syscalls.Getpgid(int.MaxValue);
                Assert.Equal(-1, missing);
                Assert.Equal(int.MaxValue, probe.Seen[0]);
                Assert.Equal(-1, probe.Seen[2]);
                Assert.True(probe.Seen[1] >= 2 && probe.Seen[3] >= 2, $"entries {probe.Seen[1]}, returns {probe.Seen[3]}");
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count());
        }

        [KernelFact]
        public void AUprobeMultiLink_CountsEachFunctionThePatternMatches_ByItsCookie()
        {
            Kernel.Require();
            var functions = BpfProgramHandle.FindFunctions("libc", "getp?id");
            Assert.Equal(new[] { "getpgid", "getppid" }, functions);
            var linksBefore = BpfSystem.GetLinkIds().Count();
            using (var probe = LibcMultiProbes.Load(new() { TargetPid = (uint)Environment.ProcessId }))
            {
                var links = probe.AttachAll();
                var link = Assert.Single(links);
                Assert.Contains("uprobe.multi", link.Description);
                Assert.Equal(linksBefore + 1, BpfSystem.GetLinkIds().Count());
                for (int i = 0; i < 3; i++) Syscalls.Getpgid(0);
                for (int i = 0; i < 5; i++) Syscalls.Getppid();
                Assert.True(probe.Calls[0] >= 3, $"getpgid calls seen: {probe.Calls[0]}");
                Assert.True(probe.Calls[1] >= 5, $"getppid calls seen: {probe.Calls[1]}");
                Assert.True(probe.Calls[0] < 1000 && probe.Calls[1] < 1000);
                Assert.Equal(0, probe.Calls[2]);
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count());
        }

        [KernelFact]
        public void AKprobeMultiLink_CountsTheSystemCall_OrIsRefusedWithWhatTheKernelLacks()
        {
            Kernel.Require();
            var functions = BpfProgramHandle.FindKernelFunctions("__*_sys_getpgid");
            Assert.Contains(functions, f => f.EndsWith("_sys_getpgid", StringComparison.Ordinal));
            var linksBefore = BpfSystem.GetLinkIds().Count();
            using (var probe = KernelMultiProbes.Load(new() { TargetPid = (uint)Environment.ProcessId }))
            {
                BpfLink link;
                try
                {
                    link = Assert.Single(probe.AttachAll());
                }
                catch (BpfException e)
                {
                    // A kernel that refuses function tracing (this suite's: no kprobes, ftrace's lists closed) says so and what to use.
                    Assert.Contains("OnGetpgid", e.Message);
                    Assert.Contains("kprobe_multi", e.Message);
                    Assert.Contains("tracepoint", e.Message);
                    Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count());
                    return;
                }
                Assert.Contains("kprobe.multi", link.Description);
                for (int i = 0; i < 3; i++) Syscalls.Getpgid(0);
                long calls = 0;
                for (uint i = 0; i < 8; i++) calls += probe.Calls[i];
                Assert.True(calls >= 3, "calls counted: " + calls);
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count());
        }

        [KernelFact]
        public void AFunctionTheLibraryDoesNotHave_IsAnExceptionNamingIt()
        {
            Kernel.Require();
            using var probe = LibcProbes.Load(new() { TargetPid = (uint)Environment.ProcessId });
            var e = Assert.Throws<BpfException>(() => probe.OnEntry.AttachUprobe("libc", "no_such_function_here"));
            Assert.Contains("no function named 'no_such_function_here'", e.Message);
            var missing = Assert.Throws<BpfException>(() => probe.OnEntry.AttachUprobe("libdoesnotexist", "f"));
            Assert.Contains("'libdoesnotexist' was not found", missing.Message);
        }

        [Fact]
        public void LibraryNames_ResolveToTheLibraryThisProcessMapped()
        {
            string libc = BpfProgramHandle.ResolveBinary("libc");
            Assert.StartsWith("libc", System.IO.Path.GetFileName(libc));
            Assert.Contains(System.IO.File.ReadLines("/proc/self/maps"), l => l.EndsWith(libc, StringComparison.Ordinal));
            Assert.Equal("/bin/sh", BpfProgramHandle.ResolveBinary("/bin/sh"));
        }
    }
}
