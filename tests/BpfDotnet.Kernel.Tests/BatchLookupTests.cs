using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Enumerating maps reads them in batches (BPF_MAP_LOOKUP_BATCH), which this kernel has for every typed map kind.</summary>
    [Collection("kernel")]
    public class BatchLookupTests
    {
        [KernelFact]
        public void AHashMap_IsEnumeratedInBatches_WithEveryEntryOnce()
        {
            Kernel.Require();
            using var probe = OpenCounter.Load();
            var expected = new Dictionary<uint, ulong>();
            for (uint k = 1; k <= 1000; k++)
            {
                probe.Counts[k] = k * 3;
                expected[k] = k * 3;
            }
            // Batches smaller than the map, so the walk continues from the kernel's token several times.
            probe.Counts.BatchSize = 64;
            var read = probe.Counts.ToList();
            Assert.True(probe.Counts.LastEnumerationBatched, "the hash map was not read with BPF_MAP_LOOKUP_BATCH");
            Assert.Equal(expected.Count, read.Count);
            Assert.Equal(expected.OrderBy(e => e.Key), read.OrderBy(e => e.Key));
        }

        [KernelFact]
        public void EntriesAreWrittenAndDeletedInBatches_SkippingKeysTheMapDoesNotHold()
        {
            Kernel.Require();
            using var probe = OpenCounter.Load();
            probe.Counts.BatchSize = 64;
            uint[] keys = Enumerable.Range(1, 1000).Select(k => (uint)k).ToArray();
            probe.Counts.UpdateBatch(keys, keys.Select(k => (ulong)k * 7).ToArray());
            Assert.Equal(16, probe.Counts.LastBatchCalls); // 1000 entries, 64 per call
            Assert.Equal(keys.Select(k => (ulong)k * 7), probe.Counts.OrderBy(e => e.Key).Select(e => e.Value));

            // Keys 1..500 and ten that were never written: the ten are skipped, the rest deleted.
            uint[] doomed = keys.Take(500).Concat(Enumerable.Range(5000, 10).Select(k => (uint)k)).ToArray();
            Assert.Equal(500, probe.Counts.DeleteBatch(doomed));
            Assert.Equal(7 + 10, probe.Counts.LastBatchCalls); // 7 full calls of 64, then one call stopping at each missing key
            Assert.Equal(keys.Skip(500), probe.Counts.Keys.OrderBy(k => k));

            Assert.Equal(500, probe.Counts.Clear());
            Assert.Empty(probe.Counts.Keys);
        }

        [KernelFact]
        public void AnArrayMapRefusesBatchDeletion_WithABpfException()
        {
            Kernel.Require();
            using var probe = MapsOfMaps.Load();
            probe.Missing.UpdateBatch(new uint[] { 0, 1 }, new ulong[] { 4, 5 });
            Assert.Equal(new ulong[] { 4, 5 }, probe.Missing.Select(e => e.Value));
            Assert.Throws<BpfException>(() => probe.Missing.DeleteBatch(new uint[] { 0 }));
        }

        [KernelFact]
        public void AnLpmTrie_IsEnumeratedInBatchesToo()
        {
            Kernel.Require();
            using var probe = Routes.Load();
            probe.Table[new Ipv4Prefix { PrefixLength = 8, Address = 10 }] = 1;
            probe.Table[new Ipv4Prefix { PrefixLength = 16, Address = 10 | (1 << 8) }] = 2;
            Assert.Equal(new long[] { 1, 2 }, probe.Table.Select(e => e.Value).OrderBy(v => v));
            Assert.True(probe.Table.LastEnumerationBatched);
        }
    }
}
