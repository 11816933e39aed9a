using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Queues, stacks and bloom filters between programs and user space, fed by real getpgid(2) calls.</summary>
    [Collection("kernel")]
    public class ValueMapTests
    {
        [KernelFact]
        public void ValuesPushedByAProgram_ComeOutInQueueAndStackOrder_AndTheFilterHasThem()
        {
            Kernel.Require();
            using var probe = ValueMaps.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            foreach (int v in new[] { 11, 22, 33 }) Syscalls.Getpgid(v);

            Assert.True(probe.Fifo.TryPeek(out long first));
            Assert.Equal(11, first);
            var fifo = new List<long>();
            while (probe.Fifo.TryPop(out long v)) fifo.Add(v);
            Assert.Equal(new long[] { 11, 22, 33 }, fifo);
            var lifo = new List<long>();
            while (probe.Lifo.TryPop(out long v)) lifo.Add(v);
            Assert.Equal(new long[] { 33, 22, 11 }, lifo);

            Assert.True(probe.Seen.MayContain(22));
            // A bloom filter may say yes to a value never added, but rarely: of 100 such values, most are refused.
            Assert.True(Enumerable.Range(1000, 100).Count(v => !probe.Seen.MayContain(v)) > 90);
        }

        [KernelFact]
        public void AProgram_PopsWhatUserSpacePushed_AndFindsAnEmptyQueueEmpty()
        {
            Kernel.Require();
            using var probe = ValueMaps.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            probe.Requests.Push(4242);
            Syscalls.Getpgid(-1);
            Assert.Equal(4242, probe.Popped[0]);
            Assert.Equal(1, probe.Popped[1]);
            Syscalls.Getpgid(-1);
            Assert.Equal(0, probe.Popped[0]);
            Assert.Equal(0, probe.Popped[1]);
        }
    }
}
