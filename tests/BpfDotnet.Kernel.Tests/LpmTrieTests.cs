using System;
using System.Net;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>An LPM trie filled from user space and looked up by a program with addresses from real getpgid(2) calls.</summary>
    [Collection("kernel")]
    public class LpmTrieTests
    {
        /// <summary>The address's bytes in network order, read as the uint the key holds.</summary>
        private static uint Bytes(string address) => BitConverter.ToUInt32(IPAddress.Parse(address).GetAddressBytes());

        private static Ipv4Prefix Prefix(string address, uint length) => new() { PrefixLength = length, Address = Bytes(address) };

        /// <summary>A prefix longer than the key's address is an ArgumentException naming it, before the kernel's EINVAL.</summary>
        [KernelFact]
        public void APrefixLongerThanTheAddress_IsAnArgumentException()
        {
            Kernel.Require();
            using var probe = Routes.Load(new() { TargetPid = (uint)Environment.ProcessId });
            var e = Assert.Throws<ArgumentException>(() => probe.Table[Prefix("10.0.0.0", 33)] = 1);
            Assert.Contains("33 bits", e.Message);
            probe.Table[Prefix("10.0.0.0", 32)] = 1;
        }

        [KernelFact]
        public void AProgramsLookup_FindsTheLongestStoredPrefix()
        {
            Kernel.Require();
            using var probe = Routes.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            probe.Table[Prefix("10.0.0.0", 8)] = 1;
            probe.Table[Prefix("10.1.0.0", 16)] = 2;
            probe.Table[Prefix("10.1.2.0", 24)] = 3;
            (string Address, long Route)[] cases = { ("10.1.2.3", 3), ("10.1.9.9", 2), ("10.200.0.1", 1), ("11.0.0.1", -1) };
            foreach (var (address, route) in cases)
            {
                Syscalls.Getpgid(unchecked((int)Bytes(address)));
                Assert.Equal(route, probe.Found[0]);
                // User space finds the same.
                Assert.Equal(route, probe.Table.TryGetValue(Prefix(address, 32), out long value) ? value : -1);
            }
        }

        /// <summary>The .NET stand-in matches longest prefixes too, so probe code run as .NET code finds what the kernel finds.</summary>
        [Fact]
        public void TheStandIn_FindsTheLongestStoredPrefix()
        {
            var table = new BpfLpmTrieMap<Ipv4Prefix, long>();
            table.Update(Prefix("10.0.0.0", 8), 1);
            table.Update(Prefix("10.1.0.0", 16), 2);
            Assert.True(table.TryGetValue(Prefix("10.1.2.3", 32), out long route));
            Assert.Equal(2, route);
            Assert.True(table.TryGetValue(Prefix("10.9.9.9", 32), out route));
            Assert.Equal(1, route);
            Assert.False(table.TryGetValue(Prefix("11.0.0.1", 32), out _));
        }
    }
}
