using BpfDotnet;
using BpfUprobe;

// Counts malloc calls and the bytes they ask for, per process, with a uprobe on libc, and prints the busiest every second.
// Usage: sudo dotnet run [-- --duration <seconds>]
int duration = args.Length == 2 && args[0] == "--duration" && int.TryParse(args[1], out int seconds) && seconds > 0 ? seconds : 0;
if (args.Length > 0 && duration == 0)
{
    Console.Error.WriteLine("usage: BpfUprobe [--duration <seconds>]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));

try
{
    using var probe = MallocProbe.Load();
    probe.AttachAll();
    Console.WriteLine("Counting malloc calls per process. Ctrl+C to stop.");
    while (true)
    {
        bool stopping = stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        Console.WriteLine($"{"PID",8} {"COMM",-16} {"BYTES",14} {"CALLS",10}");
        foreach (var (pid, stats) in probe.Stats.OrderByDescending(e => e.Value.Calls).Take(10))
        {
            Console.WriteLine($"{pid,8} {Comm(pid),-16} {stats.Bytes,14} {stats.Calls,10}");
        }
        if (stopping) break;
    }
    return 0;
}
catch (BpfException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

static string Comm(uint pid)
{
    try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
    catch (IOException) { return "?"; }
    catch (UnauthorizedAccessException) { return "?"; }
}
