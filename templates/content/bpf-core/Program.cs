using BpfDotnet;
using BpfCore;

// Counts system calls per process in the kernel, with each process's parent read from the kernel's task_struct through
// CO-RE, and prints the busiest every second.
// Usage: sudo dotnet run [-- --duration <seconds>]
int duration = args.Length == 2 && args[0] == "--duration" && int.TryParse(args[1], out int seconds) && seconds > 0 ? seconds : 0;
if (args.Length > 0 && duration == 0)
{
    Console.Error.WriteLine("usage: BpfCore [--duration <seconds>]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));

try
{
    using var probe = ProcessProbe.Load();
    probe.AttachAll();
    Console.WriteLine("Counting system calls per process. Ctrl+C to stop.");
    while (true)
    {
        bool stopping = stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        Console.WriteLine($"{"PID",8} {"PPID",8} {"CALLS",12}");
        foreach (var (pid, process) in probe.Processes.OrderByDescending(e => e.Value.Calls).Take(10))
        {
            Console.WriteLine($"{pid,8} {process.ParentPid,8} {process.Calls,12}");
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
