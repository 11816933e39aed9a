using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Reading memory a program does not own, from real system calls: user pointers, strings and kernel memory.</summary>
    [Collection("kernel")]
    public unsafe class MemoryReadTests
    {
        private static uint Pid => (uint)Environment.ProcessId;

        [KernelFact]
        public void OpenatPaths_AreReadFromUserMemory_AndSentThroughTheRingBuffer()
        {
            Kernel.Require();
            using var probe = OpenSnoop.Load(new() { TargetPid = Pid });
            probe.AttachAll();
            string path = Path.Combine(Path.GetTempPath(), "bpfdotnet-opensnoop-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(path, "x");
            File.Delete(path);
            var events = new List<(string Path, long Length, string Comm, int Pid)>();
            probe.Events.Consume((in OpenEvent e) =>
            {
                ReadOnlySpan<byte> bytes = e.Path;
                int end = bytes.IndexOf((byte)0);
                events.Add((Encoding.UTF8.GetString(bytes[..end]), e.PathLength, e.Comm.ToString(), e.Pid));
            });
            var mine = events.Where(e => e.Path == path).ToList();
            Assert.NotEmpty(mine);
            Assert.All(mine, e =>
            {
                Assert.Equal(Encoding.UTF8.GetByteCount(path) + 1, e.Length);
                Assert.Equal((int)Pid, e.Pid);
                Assert.False(string.IsNullOrEmpty(e.Comm));
            });
        }

        [KernelFact]
        public void UserValuesAndStrings_AndKernelMemory_AreRead_AndBadAddressesFail()
        {
            Kernel.Require();
            using var probe = MemoryReads.Load(new() { TargetPid = Pid });
            probe.AttachAll();
            byte* block = (byte*)NativeMemory.AllocZeroed(64);
            try
            {
                *(long*)block = 0x1122334455667788;
                Encoding.ASCII.GetBytes("hello, kernel", new Span<byte>(block + 8, 32));
                Syscalls.Getpgid64((long)block);
            }
            finally
            {
                NativeMemory.Free(block);
            }
            var r = probe.Results[0];
            Assert.Equal(0, r.UserStatus);
            Assert.Equal(0x1122334455667788, r.UserValue);
            Assert.Equal("hello, kernel".Length + 1, r.StringLength);
            ReadOnlySpan<byte> text = r.Text;
            Assert.Equal("hello, kernel", Encoding.ASCII.GetString(text[..text.IndexOf((byte)0)]));
            Assert.Equal(0, r.KernelStatus);
            // A user address read as kernel memory is refused (x86-64 says ERANGE; other architectures EFAULT).
            Assert.True(r.BadKernelStatus is -34 or -14, "bad kernel read returned " + r.BadKernelStatus);
            Assert.Equal(-14, r.BadUserStatus);
            // The same memory read as 16 raw bytes into a span: the text and the zeroes after it.
            Assert.Equal(0, r.RawStatus);
            Assert.Equal(Encoding.ASCII.GetBytes("hello, kernel\0\0\0"), ((ReadOnlySpan<byte>)r.Raw).ToArray());
            Assert.Equal(0, r.RawKernelStatus);
            Assert.Contains(((ReadOnlySpan<byte>)r.RawKernel).ToArray(), b => b != 0);
        }
    }
}
