using System;
using System.CommandLine;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet;
using MallocStat;

// mallocstat: counts the malloc calls and bytes of every process (or one) that uses this machine's libc, from a uprobe
// on libc's malloc, and prints the processes that asked for the most bytes and a histogram of the request sizes.
// Usage: sudo dotnet run --project samples/MallocStat -- [-p PID] [-d SECONDS] [-t TOP]

var pidOption = new Option<int>("--pid", "-p") { Description = "Count only this process's calls" };
var durationOption = new Option<int>("--duration", "-d") { Description = "Seconds to count (default: until Ctrl+C)" };
var topOption = new Option<int>("--top", "-t") { Description = "Processes to print, by bytes (default 10)", DefaultValueFactory = _ => 10 };
var root = new RootCommand("Count libc malloc calls and bytes per process, with a C# uprobe.") { pidOption, durationOption, topOption };
root.SetAction(async (result, cancellation) =>
{
    int pid = result.GetValue(pidOption), duration = result.GetValue(durationOption), top = result.GetValue(topOption);
    if (pid < 0 || duration < 0 || top <= 0)
    {
        Console.Error.WriteLine("mallocstat: --pid and --duration must not be negative, --top must be positive");
        return 2;
    }
    try
    {
        using var probe = MallocProbe.Load(new() { TargetPid = (uint)pid });
        using var link = probe.OnMalloc.Attach();
        Console.Error.WriteLine($"Counting malloc calls of {(pid == 0 ? "every process" : "process " + pid)}... {(duration > 0 ? $"for {duration} s" : "Ctrl+C to stop")}");
        try
        {
            await Task.Delay(duration > 0 ? TimeSpan.FromSeconds(duration) : Timeout.InfiniteTimeSpan, cancellation);
        }
        catch (OperationCanceledException)
        {
        }
        Console.WriteLine($"{"PID",-7} {"COMM",-16} {"CALLS",12} {"BYTES",16}");
        foreach (var (process, usage) in probe.ByProcess.OrderByDescending(p => p.Value.Bytes).Take(top))
            Console.WriteLine($"{process,-7} {usage.Comm,-16} {usage.Calls,12} {usage.Bytes,16}");
        var slots = Enumerable.Range(0, MallocProbe.Slots).Select(slot => probe.Sizes.Sum((uint)slot)).ToArray();
        Console.WriteLine();
        Console.Write(Log2Histogram.Format(slots, "bytes"));
        return 0;
    }
    catch (BpfException ex)
    {
        Console.Error.WriteLine("mallocstat: " + ex.Message);
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();
