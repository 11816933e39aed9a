using BpfDotnet;
using BpfPerf;

// Samples every CPU 99 times a second (the CPU clock's perf event) and prints the processes that ran most, each second.
// Usage: sudo dotnet run [-- --duration <seconds>]
int duration = args.Length == 2 && args[0] == "--duration" && int.TryParse(args[1], out int seconds) && seconds > 0 ? seconds : 0;
if (args.Length > 0 && duration == 0)
{
    Console.Error.WriteLine("usage: BpfPerf [--duration <seconds>]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));

try
{
    using var probe = SamplerProbe.Load();
    // One sampling event per CPU, all detached when the link is disposed.
    using var link = probe.OnSample.AttachPerfEvent(SoftwareEvent.CpuClock, frequency: 99);
    Console.WriteLine("Sampling every CPU at 99 Hz. Ctrl+C to stop.");
    while (true)
    {
        bool stopping = stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        Console.WriteLine($"{"PID",8} {"COMM",-16} {"SAMPLES",10}");
        foreach (var (pid, count) in probe.Samples.OrderByDescending(e => e.Value).Take(10))
        {
            Console.WriteLine($"{pid,8} {(pid == 0 ? "[idle]" : Comm(pid)),-16} {count,10}");
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
