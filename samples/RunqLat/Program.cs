using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet;
using RunqLat;

// runqlat: summarizes how long tasks wait in the CPU run queues, from wake-up (or preemption) until they run, as a
// log2 histogram printed every interval.
// Usage: sudo dotnet run --project samples/RunqLat -- [-m] [-T] [-p PID] [interval [count]]

var millisecondsOption = new Option<bool>("--milliseconds", "-m") { Description = "Millisecond histogram (microseconds otherwise)" };
var timestampOption = new Option<bool>("--timestamp", "-T") { Description = "Print a time before each histogram" };
var pidOption = new Option<int>("--pid", "-p") { Description = "Trace only the threads this process has when the tool starts" };
var intervalArgument = new Argument<int>("interval") { Description = "Seconds between histograms (default: one histogram at Ctrl+C)", DefaultValueFactory = _ => 0 };
var countArgument = new Argument<int>("count") { Description = "Number of histograms to print (default: until Ctrl+C)", DefaultValueFactory = _ => 0 };
var root = new RootCommand("Summarize run-queue (scheduler) latency as a histogram, from a C# eBPF probe.")
{
    millisecondsOption, timestampOption, pidOption, intervalArgument, countArgument,
};
root.SetAction(async (result, cancellation) =>
{
    bool milliseconds = result.GetValue(millisecondsOption);
    bool timestamp = result.GetValue(timestampOption);
    int pid = result.GetValue(pidOption);
    int interval = result.GetValue(intervalArgument);
    int count = result.GetValue(countArgument);
    if (interval < 0 || count < 0)
    {
        Console.Error.WriteLine("runqlat: interval and count must not be negative");
        return 2;
    }
    try
    {
        using var probe = RunqLatProbe.Load(new() { Milliseconds = milliseconds, TargetTgid = pid });
        if (pid != 0)
        {
            string tasks = $"/proc/{pid}/task";
            if (!Directory.Exists(tasks))
            {
                Console.Error.WriteLine($"runqlat: no process {pid}");
                return 1;
            }
            foreach (string thread in Directory.GetDirectories(tasks)) probe.Threads[int.Parse(Path.GetFileName(thread))] = 1;
        }
        probe.AttachAll();
        Console.WriteLine("Tracing run queue latency... Hit Ctrl-C to end.");
        for (int printed = 0; count == 0 || printed < count; printed++)
        {
            bool stopped = false;
            try
            {
                await Task.Delay(interval > 0 ? TimeSpan.FromSeconds(interval) : Timeout.InfiniteTimeSpan, cancellation);
            }
            catch (OperationCanceledException)
            {
                stopped = true;
            }
            Console.WriteLine();
            if (timestamp) Console.WriteLine(DateTime.Now.ToString("HH:mm:ss"));
            var slots = new ulong[RunqLatProbe.Slots];
            for (uint slot = 0; slot < slots.Length; slot++)
            {
                slots[slot] = probe.Histogram.Sum(slot);
                probe.Histogram.Update(slot, 0UL);
            }
            Console.Write(Log2Histogram.Format(slots, milliseconds ? "msecs" : "usecs"));
            if (stopped) break;
        }
        return 0;
    }
    catch (BpfException ex)
    {
        Console.Error.WriteLine("runqlat: " + ex.Message);
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();
