using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Perf event arrays end to end: per-CPU perf buffers fed by real getpgid(2) calls.</summary>
    [Collection("kernel")]
    public class PerfBufferTests
    {
        private static PerfEvents.Loaded Load()
        {
            var probe = PerfEvents.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            return probe;
        }

        /// <summary>A handler that reads its own reader again is refused, so no record is handed out twice.</summary>
        [KernelFact]
        public void AHandlerReadingItsOwnReader_IsRefused_AndEachRecordIsReadOnce()
        {
            Kernel.Require();
            using var probe = Load();
            for (int i = 0; i < 5; i++) Syscalls.Getpgid(0);
            int handled = 0;
            InvalidOperationException? refused = null;
            probe.Events.Poll(TimeSpan.FromSeconds(2), (in RingEvent e) =>
            {
                handled++;
                try { probe.Events.Consume((in RingEvent again) => handled += 100); }
                catch (InvalidOperationException x) { refused = x; }
            });
            while (probe.Events.Consume((in RingEvent e) => handled++) > 0) { }
            Assert.NotNull(refused);
            Assert.Equal(5, handled);
        }

        /// <summary>Asking for a reader of a map of another kind (a perf array as a ring buffer, an array as a perf buffer) leaves no descriptor open.</summary>
        [KernelFact]
        public void ReadersRefused_LeaveNoDescriptorBehind()
        {
            Kernel.Require();
            using var probe = PerfEvents.Load(new() { TargetPid = (uint)Environment.ProcessId });
            int before = System.IO.Directory.GetFiles("/proc/self/fd").Length;
            for (int i = 0; i < 20; i++)
            {
                Assert.Throws<BpfException>(() => probe.Object.GetRingBuffer<RingEvent>("Events"));
                Assert.Throws<BpfException>(() => probe.Object.GetPerfBuffer<RingEvent>("Failed"));
            }
            Assert.Equal(before, System.IO.Directory.GetFiles("/proc/self/fd").Length);
        }

        [KernelFact]
        public void RecordsFromTwoThreads_AreEachReadOnce()
        {
            Kernel.Require();
            using var probe = Load();
            Assert.Equal(BpfSystem.GetPossibleCpuCount(), probe.Events.CpuCount);
            const int PerThread = 5000;
            var producers = new[] { 1, 1_000_001 }.Select(first => Task.Factory.StartNew(() =>
            {
                for (int i = 0; i < PerThread; i++) Syscalls.Getpgid(first + i);
            }, TaskCreationOptions.LongRunning)).ToArray();
            var values = new List<long>();
            while (!Task.WhenAll(producers).IsCompleted) probe.Events.Poll(TimeSpan.FromMilliseconds(50), (in RingEvent e) => values.Add(e.Value));
            probe.Events.Consume((in RingEvent e) => values.Add(e.Value));
            Assert.Equal(0, probe.Failed[0]);
            Assert.Equal(0, probe.Events.Lost);
            var expected = Enumerable.Range(1, PerThread).Concat(Enumerable.Range(1_000_001, PerThread)).Select(v => (long)v);
            Assert.Equal(expected.OrderBy(v => v), values.OrderBy(v => v));
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int sched_setaffinity(int pid, nint size, byte[] mask);

        [DllImport("libc", SetLastError = true)]
        private static extern int sched_getaffinity(int pid, nint size, byte[] mask);

        [KernelFact]
        public void AFullBuffer_LosesRecords_AndTheLossIsCounted()
        {
            Kernel.Require();
            using var probe = Load();
            // This thread on one CPU, so that its records all go to that CPU's buffer (64 pages, 8,192 records of 32 bytes).
            var saved = new byte[128];
            Assert.Equal(0, sched_getaffinity(0, saved.Length, saved));
            var one = new byte[128];
            one[0] = 1;
            Assert.Equal(0, sched_setaffinity(0, one.Length, one));
            int read;
            const int Calls = 20_000;
            try
            {
                for (int i = 0; i < Calls; i++) Syscalls.Getpgid(i);
                read = probe.Events.Consume((in RingEvent e) => { });
                // The kernel reports what it lost with the next record it can write on that CPU.
                Syscalls.Getpgid(Calls);
                read += probe.Events.Consume((in RingEvent e) => { });
            }
            finally
            {
                sched_setaffinity(0, saved.Length, saved);
            }
            Assert.True(probe.Events.Lost > 0, $"nothing was lost: read {read}, outputs that failed {probe.Failed[0]}");
            Assert.Equal(Calls + 1, read + probe.Events.Lost);
            Assert.Equal(probe.Events.Lost, probe.Failed[0]);
        }

        [KernelFact]
        public async Task ReadAllAsync_StreamsRecords_AndCancellationEndsItPromptly()
        {
            Kernel.Require();
            using var probe = Load();
            using var cancel = new CancellationTokenSource();
            var values = new List<long>();
            var reading = Task.Run(async () =>
            {
                await foreach (var e in probe.Events.ReadAllAsync(cancel.Token))
                {
                    lock (values) values.Add(e.Value);
                }
            });
            await Task.Delay(100);
            for (int i = 1; i <= 50; i++) Syscalls.Getpgid(i);
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                lock (values)
                {
                    if (values.Count >= 50) break;
                }
                await Task.Delay(10);
            }
            lock (values) Assert.Equal(Enumerable.Range(1, 50).Select(v => (long)v), values.OrderBy(v => v));
            var cancelled = Stopwatch.StartNew();
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
            Assert.True(cancelled.Elapsed < TimeSpan.FromSeconds(1), "the stream ended " + cancelled.Elapsed.TotalMilliseconds + " ms after cancellation");
        }

        [KernelFact]
        public void Disposal_ClosesEveryCpusEventAndMapping()
        {
            Kernel.Require();
            int descriptorsBefore = Directory.GetFiles("/proc/self/fd").Length;
            using (var probe = Load())
            {
                Syscalls.Getpgid(3);
                Assert.Equal(1, probe.Events.Consume((in RingEvent e) => { }));
                Assert.True(Directory.GetFiles("/proc/self/fd").Length >= descriptorsBefore + probe.Events.CpuCount);
            }
            Assert.Equal(descriptorsBefore, Directory.GetFiles("/proc/self/fd").Length);
        }

        /// <summary>One poller waits on a ring buffer and a perf buffer of two objects, and reads both.</summary>
        [KernelFact]
        public void OnePoller_WaitsOnARingBufferAndAPerfBuffer_AndReadsBoth()
        {
            Kernel.Require();
            using var ring = RingEvents.Load(new() { TargetPid = (uint)Environment.ProcessId });
            ring.AttachAll();
            using var perf = Load();
            var fromRing = new List<long>();
            var fromPerf = new List<long>();
            using var poller = new BpfEventPoller()
                .Add(ring.Events, (in RingEvent e) => fromRing.Add(e.Value))
                .Add(perf.Events, (in RingEvent e) => fromPerf.Add(e.Value));
            var waiting = Task.Run(() => poller.Poll(Timeout.InfiniteTimeSpan));
            Thread.Sleep(200);
            Assert.False(waiting.IsCompleted, "the poller returned with no record to read");
            Syscalls.Getpgid(7);
            Assert.True(waiting.Wait(TimeSpan.FromSeconds(5)), "the poller did not wake for the records");
            poller.Consume();
            Assert.Equal(new long[] { 7 }, fromRing);
            Assert.Equal(new long[] { 7 }, fromPerf);
        }
    }
}
