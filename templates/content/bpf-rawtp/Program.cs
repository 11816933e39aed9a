using BpfDotnet;
using BpfRawtp;

// Counts system calls by number in the kernel and prints the most frequent every second.
// Usage: sudo dotnet run [-- --duration <seconds>]
int duration = args.Length == 2 && args[0] == "--duration" && int.TryParse(args[1], out int seconds) && seconds > 0 ? seconds : 0;
if (args.Length > 0 && duration == 0)
{
    Console.Error.WriteLine("usage: BpfRawtp [--duration <seconds>]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));

try
{
    using var probe = SyscallProbe.Load();
    probe.AttachAll();
    Console.WriteLine("Counting system calls by number. Ctrl+C to stop.");
    while (true)
    {
        bool stopping = stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        Console.WriteLine($"{"SYSCALL",8} {"CALLS",12}");
        foreach (var (nr, count) in probe.Calls.OrderByDescending(e => e.Value).Take(10))
        {
            Console.WriteLine($"{nr,8} {count,12}");
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
