using BpfDotnet;
using BpfTc;

// Counts the TCP and UDP packets an interface receives per destination port with a tc (tcx) program, and prints the
// busiest ports every second.
// Usage: sudo dotnet run [-- --interface <name>] [--duration <seconds>]
string interfaceName = "lo";
int duration = 0;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--interface") interfaceName = args[i + 1];
    else if (args[i] == "--duration" && int.TryParse(args[i + 1], out int seconds) && seconds > 0) duration = seconds;
    else
    {
        Console.Error.WriteLine("usage: BpfTc [--interface <name>] [--duration <seconds>]");
        return 2;
    }
}
if (args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: BpfTc [--interface <name>] [--duration <seconds>]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));

try
{
    using var probe = TcProbe.Load();
    using var link = probe.CountPorts.AttachTcx(interfaceName, TcxDirection.Ingress);
    Console.WriteLine($"Counting TCP and UDP packets per destination port on {interfaceName}. Ctrl+C to stop.");
    while (true)
    {
        bool stopping = stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        Console.WriteLine($"{"PORT",6} {"PACKETS",10} {"BYTES",12}");
        foreach (var (port, traffic) in probe.ByPort.OrderByDescending(e => e.Value.Packets).Take(10))
        {
            Console.WriteLine($"{port,6} {traffic.Packets,10} {traffic.Bytes,12}");
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
