using BpfDotnet;
using BpfKprobe;

// Counts opens per process with a kprobe on the kernel's do_sys_openat2 (or, where the kernel has no kprobes, with the
// openat(2) tracepoint) and prints the busiest every second.
// Usage: sudo dotnet run [-- --duration <seconds>]
int duration = args.Length == 2 && args[0] == "--duration" && int.TryParse(args[1], out int seconds) && seconds > 0 ? seconds : 0;
if (args.Length > 0 && duration == 0)
{
    Console.Error.WriteLine("usage: BpfKprobe [--duration <seconds>]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));

try
{
    using var probe = OpenProbe.Load();
    BpfLink link;
    try
    {
        link = probe.OnOpenKprobe.Attach();
        Console.WriteLine("Counting opens per process with a kprobe on do_sys_openat2. Ctrl+C to stop.");
    }
    catch (BpfException e)
    {
        // Kernels built without kprobes (or that refuse this one) still have the system call's tracepoint.
        Console.WriteLine("No kprobe: " + e.Message.Split('\n')[0]);
        link = probe.OnOpenTracepoint.Attach();
        Console.WriteLine("Counting openat(2) calls per process with the syscalls/sys_enter_openat tracepoint instead. Ctrl+C to stop.");
    }
    using (link)
    {
        while (true)
        {
            bool stopping = stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            Console.WriteLine($"{"PID",8} {"COMM",-16} {"RELATIVE",10} {"OPENS",10}");
            foreach (var (pid, stats) in probe.Stats.OrderByDescending(e => e.Value.Calls).Take(10))
            {
                Console.WriteLine($"{pid,8} {Comm(pid),-16} {stats.FromWorkingDirectory,10} {stats.Calls,10}");
            }
            if (stopping) break;
        }
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
