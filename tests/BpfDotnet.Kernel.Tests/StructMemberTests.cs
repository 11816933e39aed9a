using System;
using System.Numerics;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// A probe built by <c>dotnet build</c> that keeps its statistics through a map value's own members (an
    /// auto-property, a computed property, an instance method), takes a branch-free log2 and divides by a tested
    /// count, fed by real read(2) calls.
    /// </summary>
    [Collection("kernel")]
    public class StructMemberTests
    {
        [DllImport("libc")]
        private static extern int gettid();

        [DllImport("libc", SetLastError = true)]
        private static extern nint read(int fd, byte[] buffer, nint count);

        [DllImport("libc", SetLastError = true)]
        private static extern int open(string path, int flags);

        [DllImport("libc")]
        private static extern int close(int fd);

        [KernelFact]
        public void ReadSizesAreCountedThroughStructMembers()
        {
            Kernel.Require();
            using var probe = ReadSizes.Load(new() { TargetTid = (uint)gettid() });
            probe.AttachAll();
            long[] sizes = { 1, 10, 100, 1000, 4096 };
            var buffer = new byte[4096];
            int fd = open("/dev/zero", 0);
            Assert.True(fd >= 0, "open /dev/zero failed: " + Marshal.GetLastPInvokeError());
            try
            {
                foreach (long size in sizes) Assert.Equal(size, (long)read(fd, buffer, (nint)size));
            }
            finally
            {
                close(fd);
            }

            var stats = probe.Stats[0];
            // Other reads by this thread may land while the probe is attached; ours are all there.
            Assert.True(stats.Count >= sizes.Length, $"reads counted: {stats.Count}");
            Assert.True(stats.Total >= 5207, $"bytes counted: {stats.Total}");
            Assert.True(stats.Largest >= 4096, $"largest read: {stats.Largest}");
            Assert.Equal(stats.Total / stats.Count, probe.LastMean[0]);
            foreach (long size in sizes)
            {
                int bucket = BitOperations.Log2((ulong)size);
                Assert.True(probe.Log2Histogram[(uint)bucket] >= 1, $"bucket {bucket} of a {size}-byte read is empty");
            }
        }
    }
}
