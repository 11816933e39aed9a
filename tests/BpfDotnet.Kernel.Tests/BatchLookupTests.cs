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
