using System;
using System.IO;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Iterator programs walked by the kernel and read back as text.</summary>
    [Collection("kernel")]
    public class IteratorTests
    {
        [KernelFact]
        public void AMapElementIterator_PrintsEachElement_AndChangesItsValueInPlace_WhereTheKernelRunsIt()
        {
            Kernel.Require();
            var linksBefore = BpfSystem.GetLinkIds().Count();
            MapWalks.Loaded walks;
            try
            {
                walks = MapWalks.Load();
            }
            catch (BpfException e)
            {
                // This suite's kernel refuses bpf_map_elem iterators before verifying them, to libbpf's objects as well
                // (EPERM, a log of statistics only): the exception names the program and says what to do instead.
                Assert.Contains("DumpScores", e.Message);
                Assert.Contains("EPERM", e.Message);
                Assert.Contains("iterator even to root", e.Message);
                Assert.IsNotType<BpfVerifierException>(e);
                return;
            }
            using (walks)
            {
                walks.Scores[1] = 10;
                walks.Scores[2] = 20;
                walks.Scores[3] = 30;
                var manual = Assert.Throws<BpfException>(() => walks.AttachAll());
                Assert.Contains("AttachIterator(map)", manual.Message);
                var noMap = Assert.Throws<BpfException>(() => walks.DumpScores.AttachIterator());
                Assert.Contains("AttachIterator(map)", noMap.Message);
                using var link = walks.DumpScores.AttachIterator(walks.Scores);
                var first = link.ReadIterator().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(new[] { "1 10", "2 20", "3 30" }, first.Take(3).OrderBy(l => l));
                Assert.Equal("3 elements", first.Last());
                Assert.Equal(4, first.Length);
                Assert.Equal(20, walks.Scores[1]);
                Assert.Equal(60, walks.Scores[3]);
                // Each walk runs the program again: the doubled values are printed and doubled once more.
                var second = link.ReadIteratorLines().ToList();
                Assert.Contains("2 40", second);
                Assert.Equal(80, walks.Scores[2]);
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count());
        }

        [Fact]
        public void AMapElementIterator_RunsAsDotNet_OnAnElementAndAtTheEnd()
        {
            var output = new IteratorOutput();
            var element = MapElementIterator<uint, long>.ForElement(output, 0, 7u, 21L);
            Assert.Equal(0, MapWalks.DumpScores(ref element));
            Assert.Equal(42L, element.GetValueRefOrNullRef());
            var end = MapElementIterator<uint, long>.ForEnd(output, 1);
            MapWalks.DumpScores(ref end);
            Assert.Equal("7 21\n1 elements\n", output.ToString());
        }

        [KernelFact]
        public void ATaskIterator_VisitsEveryTask_OrOneProcesssThreads()
        {
            Kernel.Require();
            using var walks = Walks.Load();
            var threadsHere = Directory.GetDirectories("/proc/self/task").Length;
            var processes = Directory.GetDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _));

            using var all = walks.ListTasks.AttachIterator();
            var lines = all.ReadIteratorLines().ToList();
            var tasks = lines.Where(l => l.StartsWith("task ", StringComparison.Ordinal)).ToList();
            Assert.Equal("tasks " + tasks.Count, lines.Last());
            Assert.Equal(Enumerable.Range(0, tasks.Count).Select(i => "task " + i), tasks);
            Assert.True(tasks.Count >= processes, $"{tasks.Count} tasks walked, {processes} processes in /proc");

            using var own = walks.ListTasks.AttachIterator(processId: Environment.ProcessId);
            var ownTasks = own.ReadIteratorLines().Count(l => l.StartsWith("task ", StringComparison.Ordinal));
            Assert.InRange(ownTasks, 1, threadsHere + 16);
            Assert.True(ownTasks < tasks.Count);
        }

        [KernelFact]
        public void ALinkThatIsNotAnIterator_CannotBeRead()
        {
            Kernel.Require();
            using var walks = Walks.Load();
            using var link = walks.ListTasks.AttachIterator();
            using var stream = link.OpenIterator();
            Assert.False(stream.CanSeek);
            Assert.True(stream.ReadByte() >= 0);
            using var probes = LibcMultiProbes.Load(new() { TargetPid = 1 });
            using var probeLink = probes.OnAny.Attach();
            var e = Assert.Throws<BpfException>(() => probeLink.OpenIterator());
            Assert.Contains("iterator links", e.Message);
        }
    }
}
