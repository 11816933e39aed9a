using System.Text;
using BpfDotnet;
using BpfEvents;

// Prints each openat(2) call as it returns, streamed from the kernel through a ring buffer.
// Usage: sudo dotnet run [-- --duration <seconds>]
int duration = args.Length == 2 && args[0] == "--duration" && int.TryParse(args[1], out int seconds) && seconds > 0 ? seconds : 0;
if (args.Length > 0 && duration == 0)
{
    Console.Error.WriteLine("usage: BpfEvents [--duration <seconds>]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));

try
{
    using var probe = OpenEventsProbe.Load();
    probe.AttachAll();
    Console.WriteLine($"{"PID",8} {"COMM",-16} {"PATH",-48} {"FD",4}");
    await foreach (var e in probe.Events.ReadAllAsync(stop.Token))
    {
        Console.WriteLine($"{e.Pid,8} {e.Comm,-16} {PathOf(e),-48} {e.Result,4}");
    }
}
catch (OperationCanceledException)
{
}
catch (BpfException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
return 0;

static string PathOf(in OpenEvent e)
{
    ReadOnlySpan<byte> bytes = e.Path;
    int end = bytes.IndexOf((byte)0);
    return Encoding.UTF8.GetString(end >= 0 ? bytes[..end] : bytes);
}
