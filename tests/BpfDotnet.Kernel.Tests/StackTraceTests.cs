using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Stack-trace maps: stacks recorded in a real system call, read back and resolved.</summary>
    [Collection("kernel")]
    public class StackTraceTests
    {
        [KernelFact]
        public void KernelAndUserStacks_AreRecorded_AndResolveToTheSystemCallPathAndTheCallingMethod()
        {
            Kernel.Require();
            using var probe = StackProbe.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            CallGetpgid();
            long kernelId = probe.LastIds[0], userId = probe.LastIds[1];
            Assert.True(kernelId >= 0, "bpf_get_stackid failed: " + kernelId);
            Assert.True(userId >= 0, "bpf_get_stackid of the user stack failed: " + userId);

            var frames = probe.Stacks.GetKernelStack((uint)kernelId);
            Assert.NotEmpty(frames);
            Assert.All(frames, f => Assert.NotNull(f.Symbol));
            // The stack of a system call's tracepoint runs through the architecture's system call entry.
            string[] entries = { "do_syscall_64", "entry_SYSCALL_64", "el0_svc", "invoke_syscall" };
            Assert.Contains(frames, f => entries.Any(e => f.Symbol!.Contains(e, StringComparison.Ordinal)));

            var user = probe.Stacks.GetStack((uint)userId);
            Assert.NotEmpty(user);
            Assert.All(user, address => Assert.True(address < 0x0000_8000_0000_0000UL, $"0x{address:x} is not a user address"));

            // The innermost user frame is libc's getpgid, found through the process's mappings and libc's ELF symbols;
            // further out, the method that called it, named in the runtime's perf map (kernel.runsettings turns it on).
            var resolved = probe.Stacks.GetUserStack((uint)userId, Environment.ProcessId);
            string shown = string.Join(" <- ", resolved.Select(f => f.ToString()));
            Assert.StartsWith("libc.so", resolved[0].Module);
            Assert.Contains("getpgid", resolved[0].Symbol);
            Assert.Contains(resolved, f => f.Module == "[perf-map]" && f.Symbol!.Contains("::" + nameof(CallGetpgid) + "()", StringComparison.Ordinal));
            Assert.Contains(resolved, f => f.Module == "[perf-map]"
                && f.Symbol!.Contains("::" + nameof(KernelAndUserStacks_AreRecorded_AndResolveToTheSystemCallPathAndTheCallingMethod) + "()", StringComparison.Ordinal));
            Assert.True(resolved.Length == user.Length, shown);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void CallGetpgid() => Syscalls.Getpgid(0);

        /// <summary>bpf_get_stack writes the stacks into a map value: the kernel's runs through the system call entry, the user's starts in libc's getpgid.</summary>
        [KernelFact]
        public void GetStack_CopiesTheKernelAndUserStacks()
        {
            Kernel.Require();
            using var probe = StackCopies.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            CallGetpgid();
            var copy = probe.Last[0];
            Assert.True(copy.KernelBytes > 0 && copy.KernelBytes % 8 == 0, "kernel stack: " + copy.KernelBytes);
            Assert.True(copy.UserBytes > 0 && copy.UserBytes % 8 == 0, "user stack: " + copy.UserBytes);
            ReadOnlySpan<ulong> kernel = copy.Kernel;
            var symbols = kernel[..(int)(copy.KernelBytes / 8)].ToArray().Select(a => KernelSymbols.Shared.Resolve(a).Symbol ?? "?").ToArray();
            string[] entries = { "do_syscall_64", "entry_SYSCALL_64", "el0_svc", "invoke_syscall" };
            Assert.Contains(symbols, s => entries.Any(e => s.Contains(e, StringComparison.Ordinal)));
            ReadOnlySpan<ulong> user = copy.User;
            var first = new BpfProcessSymbols(Environment.ProcessId).Resolve(user[0]);
            Assert.Contains("getpgid", first.Symbol);
        }
    }
}
