using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using BpfDotnet;
using OpenatCounter;

// Counts openat(2) calls per process and prints the busiest processes every second.
// Usage: sudo dotnet run --project samples/OpenatCounter -- [--duration <seconds>] [--top <n>]

int duration = 0, top = 20;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--duration" && i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d > 0) duration = d;
    else if (args[i] == "--top" && i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0) top = t;
    else
    {
        Console.Error.WriteLine("usage: OpenatCounter [--duration <seconds>] [--top <n>]");
        return 2;
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));

try
{
    using var probe = OpenatProbe.Load();
    probe.AttachAll();
    Console.WriteLine($"Counting openat(2) calls per process{(duration > 0 ? $" for {duration} s" : "")} (pid {Environment.ProcessId}). Ctrl+C to stop.");
    int second = 0;
    while (!stop.IsCancellationRequested)
    {
        stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        second++;
        var rows = probe.Counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(top).ToList();
        Console.WriteLine($"--- {second} s");
        Console.WriteLine($"{"PID",8}  {"COMM",-16} {"OPENS",10}");
        foreach (var (pid, count) in rows) Console.WriteLine($"{pid,8}  {CommandName(pid),-16} {count,10}");
    }
    return 0;
}
catch (BpfException ex)
{
    Console.Error.WriteLine("OpenatCounter: " + ex.Message);
    return 1;
}

static string CommandName(uint pid)
{
    try
    {
        return File.ReadAllText($"/proc/{pid}/comm").Trim();
    }
    catch (IOException)
    {
        return "?";
    }
    catch (UnauthorizedAccessException)
    {
        return "?";
    }
}
