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
    /// <summary>
    /// Ring buffers end to end: probes built by <c>dotnet build</c> send records from real getpgid(2) calls, and the
    /// loaded object's reader receives them through the mapped buffer.
    /// </summary>
    [Collection("kernel")]
    public class RingBufferTests
    {
        private static uint Pid => (uint)Environment.ProcessId;

        /// <summary>Each thread calls Syscalls.Getpgid(first), Syscalls.Getpgid(first + 1), ... and reports its thread id.</summary>
        private static Task<int> Produce(int first, int count) => Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < count; i++) Syscalls.Getpgid(first + i);
            return Syscalls.Gettid();
        }, TaskCreationOptions.LongRunning);

        [KernelFact]
        public void RecordsFromTwoThreads_AreEachReadOnceInTheOrderEachThreadMadeThem()
        {
            Kernel.Require();
            using var probe = RingEvents.Load(new() { TargetPid = Pid });
            probe.AttachAll();
            const int PerThread = 20_000;
            var received = new List<RingEvent>();
            var producers = new[] { Produce(1, PerThread), Produce(1_000_001, PerThread) };
            // A reader draining while the producers run, with the zero-allocation handler, then what remains.
            while (!Task.WhenAll(producers).IsCompleted)
            {
                probe.Events.Poll(TimeSpan.FromMilliseconds(50), (in RingEvent e) => received.Add(e));
            }
            probe.Events.Consume((in RingEvent e) => received.Add(e));

            Assert.Equal(0, probe.Failed[0]);
            Assert.Equal(0, probe.Events.Dropped);
            foreach (var (producer, first) in producers.Zip(new[] { 1, 1_000_001 }))
            {
                var mine = received.Where(e => e.Tid == producer.Result).Select(e => e.Value).ToList();
                Assert.Equal(Enumerable.Range(first, PerThread).Select(v => (long)v), mine);
            }
            // Even values went through Output, odd ones through Reserve and Submit.
            Assert.All(received.Where(e => e.Tid == producers[0].Result), e => Assert.Equal((int)(e.Value & 1), e.Kind));
        }

        [KernelFact]
        public void DiscardedRecords_AreNotRead()
        {
            Kernel.Require();
            using var probe = RingEvents.Load(new() { TargetPid = Pid });
            probe.AttachAll();
            Syscalls.Getpgid(-3);
            Syscalls.Getpgid(-5);
            Syscalls.Getpgid(7);
            var values = new List<long>();
            probe.Events.Consume((in RingEvent e) => values.Add(e.Value));
            Assert.Equal(new long[] { 7 }, values);
        }

        [KernelFact]
        public void AFullBuffer_FailsReservations_AndEveryCallIsReadOrCounted()
        {
            Kernel.Require();
            using var probe = SmallRing.Load(new() { TargetPid = Pid });
            probe.AttachAll();
            const int Calls = 1000;
            for (int i = 0; i < Calls; i++) Syscalls.Getpgid(i);
            int read = probe.Events.Consume((in RingEvent e) => { });
            long failed = probe.Failed[0];
            // One page holds as many records as fit with their 8-byte headers, each rounded up to 8 bytes.
            Assert.Equal(4096 / ((System.Runtime.CompilerServices.Unsafe.SizeOf<RingEvent>() + 8 + 7) & ~7), read);
            Assert.Equal(Calls, read + failed);
            // The drop counter BpfDotnet adds counts the same failures, across CPUs.
            Assert.Equal(failed, probe.Events.Dropped);
            // The space read is free again.
            Syscalls.Getpgid(5);
            var after = new List<long>();
            probe.Events.Consume((in RingEvent e) => after.Add(e.Value));
            Assert.Equal(new long[] { 5 }, after);
        }

        [KernelFact]
        public async Task ReadAllAsync_StreamsRecords_AndCancellationEndsItPromptly()
        {
            Kernel.Require();
            using var probe = RingEvents.Load(new() { TargetPid = Pid });
            probe.AttachAll();
            using var cancel = new CancellationTokenSource();
            var values = new List<long>();
            var reading = Task.Run(async () =>
            {
                await foreach (var e in probe.Events.ReadAllAsync(cancel.Token))
                {
                    lock (values) values.Add(e.Value);
                }
            });
            // Records made after the reader started waiting wake it.
            await Task.Delay(100);
            for (int i = 1; i <= 100; i++) Syscalls.Getpgid(i);
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                lock (values)
                {
                    if (values.Count >= 100) break;
                }
                await Task.Delay(10);
            }
            lock (values) Assert.Equal(Enumerable.Range(1, 100).Select(v => (long)v), values);

            var cancelled = Stopwatch.StartNew();
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
            Assert.True(cancelled.Elapsed < TimeSpan.FromSeconds(1), "the stream ended " + cancelled.Elapsed.TotalMilliseconds + " ms after cancellation");
        }

        [KernelFact]
        public void Disposal_UnmapsTheBufferAndClosesItsDescriptors()
        {
            Kernel.Require();
            int descriptorsBefore = Directory.GetFiles("/proc/self/fd").Length;
            int mappingsBefore = RingMappings();
            using (var probe = RingEvents.Load(new() { TargetPid = Pid }))
            {
                probe.AttachAll();
                Syscalls.Getpgid(9);
                Assert.Equal(1, probe.Events.Consume((in RingEvent e) => { }));
                Assert.True(RingMappings() >= mappingsBefore + 2, "the consumer page and the data are mapped");
            }
            Assert.Equal(mappingsBefore, RingMappings());
            Assert.Equal(descriptorsBefore, Directory.GetFiles("/proc/self/fd").Length);
        }

        /// <summary>Mappings of BPF maps in this process.</summary>
        private static int RingMappings() => File.ReadAllLines("/proc/self/maps").Count(l => l.Contains("bpf", StringComparison.Ordinal));

        /// <summary>Records of two sizes go through one buffer, each read with its own length by the bytes handler.</summary>
        [KernelFact]
        public void RecordsOfSeveralSizes_ShareABuffer_AndArriveWithTheirLengths()
        {
            Kernel.Require();
            using var probe = MixedRecords.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            foreach (int value in new[] { 3, 12, 20, 5 }) Syscalls.Getpgid(value);
            var seen = new List<(int Length, int Kind, int Value, byte Last)>();
            probe.Events.Consume((ReadOnlySpan<byte> record) =>
                seen.Add((record.Length, BitConverter.ToInt32(record), BitConverter.ToInt32(record[4..]), record[^1])));
            Assert.Equal(new[] { (8, 1, 3, (byte)0), (64, 2, 12, (byte)(12 + 55)), (8, 1, 5, (byte)0) }, seen.Select(s => s.Length == 8 ? (s.Length, s.Kind, s.Value, (byte)0) : s));
        }
    }
}
