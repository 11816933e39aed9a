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
            PrintLog2Histogram(slots, milliseconds ? "msecs" : "usecs");
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

// As bcc prints a log2 histogram: one line per power of two up to the last non-empty slot, 40 stars for the largest.
static void PrintLog2Histogram(IReadOnlyList<ulong> slots, string unit)
{
    int last = -1;
    ulong max = 0;
    for (int i = 0; i < slots.Count; i++)
    {
        if (slots[i] == 0) continue;
        last = i;
        max = Math.Max(max, slots[i]);
    }
    bool wide = last > 32;
    Console.WriteLine(wide ? $"{"",15}{unit,-29} : count     distribution" : $"{"",5}{unit,-19} : count     distribution");
    for (int i = 0; i <= last; i++)
    {
        ulong low = i == 0 ? 0 : 1UL << i, high = (i == 63 ? ulong.MaxValue : (1UL << (i + 1)) - 1);
        string stars = new string('*', (int)(slots[i] * 40 / max)).PadRight(40);
        Console.WriteLine(wide ? $"{low,20} -> {high,-20} : {slots[i],-8} |{stars}|" : $"{low,10} -> {high,-10} : {slots[i],-8} |{stars}|");
    }
}
