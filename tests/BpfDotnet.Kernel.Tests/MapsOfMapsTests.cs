using System;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Arrays and hashes of maps: inner maps put in by user space, looked up and changed by a program in real getpgid(2) calls.</summary>
    [Collection("kernel")]
    public class MapsOfMapsTests
    {
        private static long Argument(uint tenant, uint key) => (long)(((ulong)tenant << 32) | key);

        [KernelFact]
        public void AProgram_CountsInTheInnerMapUserSpacePutIn_AndCountsSlotsWithoutOne()
        {
            Kernel.Require();
            using var probe = MapsOfMaps.Load(new() { TargetPid = (uint)Environment.ProcessId });
            Assert.Equal(new BpfMapTemplate("Tenants.inner", BpfMapType.Hash, 4, 8, 16, 0), probe.Tenants.InnerMap);

            using var first = probe.Tenants.CreateInnerMap("tenant1");
            using var second = probe.Tenants.CreateInnerMap("tenant2");
            probe.Tenants.Set(1, first);
            probe.Tenants.Set(2, second);
            using var slots = probe.ByKey.CreateInnerMap();
            var typedSlots = new BpfMapHandle<uint, ulong>(slots);
            typedSlots.Update(3, 5);
            probe.ByKey.Set(7, slots);

            probe.AttachAll();
            Syscalls.Getpgid64(Argument(1, 42));
            Syscalls.Getpgid64(Argument(1, 42));
            Syscalls.Getpgid64(Argument(2, 42));
            Syscalls.Getpgid64(Argument(3, 42));   // slot 3 holds no map
            Syscalls.Getpgid64(Argument(7, 3));    // ByKey[7][3]: 5 + 10

            var counts1 = new BpfMapHandle<uint, ulong>(first);
            var counts2 = new BpfMapHandle<uint, ulong>(second);
            Assert.True(counts1.TryGetValue(42, out ulong ones));
            Assert.True(counts2.TryGetValue(42, out ulong twos));
            Assert.Equal(2UL, ones);
            Assert.Equal(1UL, twos);
            Assert.False(counts1.TryGetValue(3, out _));
            Assert.True(typedSlots.TryGetValue(3, out ulong slot));
            Assert.Equal(15UL, slot);
            // Slot 3 is empty and slot 7 past the last.
            Assert.True(probe.Missing.TryGetValue(0, out ulong missingTenants));
            Assert.Equal(2UL, missingTenants);
            Assert.True(probe.Missing.TryGetValue(1, out ulong missingKeys));
            Assert.Equal(4UL, missingKeys);

            // What the map holds reads back as the inner map's id; taking it out makes the program miss it.
            Assert.True(probe.Tenants.TryGetInnerMapId(1, out uint id));
            Assert.Equal(first.Id, id);
            Assert.True(probe.Tenants.Delete(1));
            Assert.False(probe.Tenants.TryGetInnerMapId(1, out _));
            Syscalls.Getpgid64(Argument(1, 42));
            Assert.True(counts1.TryGetValue(42, out ones));
            Assert.Equal(2UL, ones);
            Assert.True(probe.Missing.TryGetValue(0, out missingTenants));
            Assert.Equal(3UL, missingTenants);
        }

        [KernelFact]
        public void AMapOfAnotherShape_IsRefusedAsAnInnerMap_WithTheShapeNamed()
        {
            Kernel.Require();
            using var probe = MapsOfMaps.Load(new() { TargetPid = (uint)Environment.ProcessId });
            using var wrong = new BpfMapTemplate("wrong", BpfMapType.Hash, 8, 8, 16, 0).Create();
            var e = Assert.Throws<BpfException>(() => probe.Tenants.Set(0, wrong));
            Assert.Contains("as an inner map of 'Tenants'", e.Message);
            Assert.Contains("key 4 B", e.Message);
            Assert.False(probe.Tenants.TryGetInnerMapId(0, out _));
        }

        /// <summary>The .NET stand-ins hold the maps put in them, so probe code run as .NET code finds what the kernel finds.</summary>
        [Fact]
        public void TheStandIns_GiveTheMapsPutInThem_AndNullElsewhere()
        {
            var tenants = new BpfArrayOfMaps<BpfHashMap<uint, ulong>>(4);
            var first = new BpfHashMap<uint, ulong>(16);
            tenants.Set(1, first);
            Assert.Same(first, tenants.Get(1));
            Assert.Null(tenants.Get(2));
            Assert.Null(tenants.Get(9));
            Assert.Throws<ArgumentOutOfRangeException>(() => tenants.Set(4, first));
            tenants.Set(1, null);
            Assert.Null(tenants.Get(1));

            var byKey = new BpfHashOfMaps<long, BpfArrayMap<ulong>>(1);
            var slots = new BpfArrayMap<ulong>(4);
            byKey.Set(-5, slots);
            Assert.Same(slots, byKey.Get(-5));
            Assert.Null(byKey.Get(5));
            Assert.Throws<InvalidOperationException>(() => byKey.Set(6, slots));
        }
    }
}
