using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary>Loads clang-built objects into the running kernel and exercises them.</summary>
    public class ObjectLoadTests
    {
        private static readonly Lazy<string> CounterObject = new Lazy<string>(() => Kernel.CompileC("counter", Programs.OpenatCounter));

        private static uint Pid => (uint)Environment.ProcessId;

        private static void OpenFiles(string path, int n)
        {
            for (int i = 0; i < n; i++)
            {
                using FileStream f = File.OpenRead(path);
            }
        }

        [KernelFact]
        public void TracepointCountsOpenatPerProcess()
        {
            Kernel.Require();
            using BpfObject obj = BpfObject.LoadFile(CounterObject.Value);

            Assert.Equal(new[] { "count_openat", "count_raw" }, obj.Programs.Keys.OrderBy(k => k));
            BpfProgramHandle prog = obj.GetProgram("count_openat");
            Assert.Equal(BpfProgramType.Tracepoint, prog.Type);
            Assert.Equal("tracepoint/syscalls/sys_enter_openat", prog.SectionName);
            Assert.NotEqual(0u, prog.Id);
            Assert.Equal(BpfProgramType.RawTracepoint, obj.GetProgram("count_raw").Type);

            BpfMapHandle counts = obj.GetMap("counts");
            Assert.Equal(BpfMapType.Hash, counts.Type);
            Assert.Equal(4u, counts.KeySize);
            Assert.Equal(8u, counts.ValueSize);
            Assert.Equal(1024u, counts.MaxEntries);

            BpfLink link = prog.Attach();
            Assert.NotEqual(0u, link.Id);

            string file = CounterObject.Value;
            const int N = 25;
            OpenFiles(file, N);

            BpfMapHandle<uint, ulong> map = obj.GetMap<uint, ulong>("counts");
            Assert.True(map.TryGetValue(Pid, out ulong hits), "no entry for this process");
            Assert.True(hits >= N, $"expected at least {N} openat calls, counted {hits}");
            Assert.Contains(Pid, map.Keys);
            Assert.Contains(map, kv => kv.Key == Pid && kv.Value >= N);

            // Global data: .data starts at 5 and is incremented on each hit; .rodata was frozen with magic = 42.
            BpfMapHandle<uint, ulong> data = obj.GetMap<uint, ulong>(".data");
            Assert.True(data[0] >= 5 + (ulong)N);
            Assert.True(obj.GetMap<uint, ulong>(".bss")[0] >= (ulong)N);
            Assert.Equal(42u, obj.GetMap<uint, uint>(".rodata")[0]);

            BpfProgramInfo info = prog.GetInfo();
            Assert.Equal(prog.Id, info.Id);
            Assert.Equal(BpfProgramType.Tracepoint, info.Type);
            Assert.Equal("count_openat", info.Name);
            Assert.True(info.XlatedLength > 0);
            Assert.True(info.VerifiedInstructions > 0);
            Assert.True(info.BtfId != 0 && info.BtfId == obj.BtfId);
            Assert.Equal(16, info.Tag.Length);

            link.Dispose();
            Assert.Empty(obj.Links);
            ulong before = map[Pid];
            OpenFiles(file, 10);
            Assert.Equal(before, map[Pid]);
        }

        [KernelFact]
        public void TracepointFiresOnEveryCpu()
        {
            Kernel.Require();
            IReadOnlyList<int> cpus = BpfSystem.GetOnlineCpus();
            using BpfObject obj = BpfObject.LoadFile(CounterObject.Value);
            obj.GetProgram("count_openat").Attach();
            BpfMapHandle<uint, ulong> map = obj.GetMap<uint, ulong>("counts");
            foreach (int cpu in cpus)
            {
                using Process p = Process.Start(new ProcessStartInfo("taskset", $"-c {cpu} cat /proc/self/stat") { RedirectStandardOutput = true })!;
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                Assert.True(map.TryGetValue((uint)p.Id, out ulong n) && n > 0, $"no openat counted for a process pinned to CPU {cpu}");
            }
        }

        [KernelFact]
        public void RawTracepointAttachAndAttachAll()
        {
            Kernel.Require();
            using BpfObject obj = BpfObject.LoadFile(CounterObject.Value);
            IReadOnlyList<BpfLink> links = obj.AttachAll();
            Assert.Equal(2, links.Count);
            Assert.All(links, l => Assert.NotEqual(0u, l.Id));
            OpenFiles(CounterObject.Value, 5);
            BpfMapHandle<uint, ulong> raw = obj.GetMap<uint, ulong>("raw_counts");
            Assert.True(raw.TryGetValue(Pid, out ulong n) && n >= 5, $"raw tracepoint counted {n}");
        }

        [KernelFact]
        public void MapUpdateDeleteAndEnumerateFromUserSpace()
        {
            Kernel.Require();
            using BpfObject obj = BpfObject.LoadFile(CounterObject.Value);
            BpfMapHandle<uint, ulong> map = obj.GetMap<uint, ulong>("raw_counts");

            Assert.Empty(map);
            Assert.False(map.TryGetValue(1, out _));
            Assert.Throws<KeyNotFoundException>(() => map[1]);

            for (uint k = 1; k <= 50; k++) map[k] = k * 100;
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (uint)i), map.Keys.OrderBy(k => k));
            Assert.Equal(50, map.Count());
            Assert.All(map, kv => Assert.Equal(kv.Key * 100UL, kv.Value));

            map.Update(7, 1, BpfUpdateFlags.Exist);
            Assert.Equal(1UL, map[7]);
            BpfException dup = Assert.Throws<BpfException>(() => map.Update(7, 2, BpfUpdateFlags.NoExist));
            Assert.Equal(17, dup.Errno);
            Assert.Contains("NoExist", dup.Message);
            Assert.Throws<BpfException>(() => map.Update(999, 2, BpfUpdateFlags.Exist));

            Assert.True(map.Delete(7));
            Assert.False(map.Delete(7));
            Assert.False(map.TryGetValue(7, out _));
            Assert.Equal(49, map.Keys.Count());

            // Deleting while enumerating keys neither loops nor fails.
            foreach (uint k in map.Keys) map.Delete(k);
            Assert.Empty(map.Keys);
        }

        [KernelFact]
        public void DisposeReleasesEveryKernelObject()
        {
            Kernel.Require();
            var obj = BpfObject.LoadFile(CounterObject.Value);
            obj.AttachAll();
            uint[] progs = obj.Programs.Values.Select(p => p.Id).ToArray();
            uint[] maps = obj.Maps.Values.Select(m => m.Id).ToArray();
            uint[] links = obj.Links.Select(l => l.Id).ToArray();
            uint btf = obj.BtfId;
            Assert.Equal(2, progs.Length);
            Assert.Equal(5, maps.Length);   // counts, raw_counts, .data, .rodata, .bss
            Assert.Equal(2, links.Length);
            Assert.All(progs, id => Assert.Contains(id, BpfSystem.GetProgramIds()));
            Assert.All(maps, id => Assert.Contains(id, BpfSystem.GetMapIds()));
            Assert.All(links, id => Assert.Contains(id, BpfSystem.GetLinkIds()));
            Assert.Contains(btf, BpfSystem.GetBtfIds());

            obj.Dispose();
            obj.Dispose();   // idempotent
            Assert.Throws<ObjectDisposedException>(() => obj.GetProgram("count_openat"));

            // Programs and links go at once; maps and BTF are freed after an RCU grace period.
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (true)
            {
                bool gone = !progs.Intersect(BpfSystem.GetProgramIds()).Any()
                            && !maps.Intersect(BpfSystem.GetMapIds()).Any()
                            && !links.Intersect(BpfSystem.GetLinkIds()).Any()
                            && !BpfSystem.GetBtfIds().Contains(btf);
                if (gone) break;
                Assert.True(DateTime.UtcNow < deadline,
                    $"kernel objects left behind: progs {string.Join(",", progs.Intersect(BpfSystem.GetProgramIds()))} maps {string.Join(",", maps.Intersect(BpfSystem.GetMapIds()))} links {string.Join(",", links.Intersect(BpfSystem.GetLinkIds()))}");
                Thread.Sleep(20);
            }
        }

        [KernelFact]
        public void LoadFromBytesMatchesLoadFile()
        {
            Kernel.Require();
            using BpfObject obj = BpfObject.Load(File.ReadAllBytes(CounterObject.Value));
            Assert.Equal(2, obj.Programs.Count);
            Assert.Contains("counts", obj.Maps.Keys);
        }
    
        [KernelFact]
        public void SeveralProgramsInOneSectionLoadAndAttach()
        {
            Kernel.Require();
            string path = Kernel.CompileC("two_in_one", Programs.TwoInOneSection);
            using BpfObject obj = BpfObject.LoadFile(path);
            Assert.Equal(new[] { "first", "second" }, obj.Programs.Keys.OrderBy(k => k));
            Assert.All(obj.Programs.Values, p => Assert.Equal("tp/syscalls/sys_enter_openat", p.SectionName));
            Assert.Equal(2, obj.AttachAll().Count);
            OpenFiles(path, 10);
            BpfMapHandle<uint, ulong> hits = obj.GetMap<uint, ulong>("hits");
            Assert.True(hits[0] >= 10);
            Assert.True(hits[1] >= 20);
        }

        [KernelFact]
        public void HandlesOfADisposedObjectRefuseToWork()
        {
            Kernel.Require();
            BpfObject obj = BpfObject.LoadFile(CounterObject.Value);
            BpfMapHandle<uint, ulong> map = obj.GetMap<uint, ulong>("counts");
            BpfProgramHandle prog = obj.GetProgram("count_openat");
            obj.Dispose();
            Assert.Throws<ObjectDisposedException>(() => map.TryGetValue(1, out _));
            Assert.Throws<ObjectDisposedException>(() => prog.Attach());
            Assert.Throws<ObjectDisposedException>(() => prog.GetInfo());
        }
    }
}
