using BpfDotnet;
using BpfXdp;

// Counts the packets an interface receives per IP protocol with an XDP program, and prints them every second.
// Usage: sudo dotnet run [-- --interface <name>] [--duration <seconds>]
string interfaceName = "lo";
int duration = 0;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--interface") interfaceName = args[i + 1];
    else if (args[i] == "--duration" && int.TryParse(args[i + 1], out int seconds) && seconds > 0) duration = seconds;
    else
    {
        Console.Error.WriteLine("usage: BpfXdp [--interface <name>] [--duration <seconds>]");
        return 2;
    }
}
if (args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: BpfXdp [--interface <name>] [--duration <seconds>]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));

try
{
    using var probe = XdpProbe.Load();
    // Generic mode works on every interface; XdpMode.Native runs in the driver, where it has XDP support.
    using var link = probe.CountProtocols.AttachXdp(interfaceName, XdpMode.Generic);
    Console.WriteLine($"Counting packets per IP protocol on {interfaceName}. Ctrl+C to stop.");
    while (true)
    {
        bool stopping = stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        Console.WriteLine($"{"PROTO",6} {"NAME",-8} {"PACKETS",10} {"BYTES",12}");
        for (uint protocol = 0; protocol < 256; protocol++)
        {
            var perCpu = probe.ByProtocol[protocol];
            ulong packets = perCpu.Aggregate(0UL, (sum, t) => sum + t.Packets);
            if (packets == 0) continue;
            ulong bytes = perCpu.Aggregate(0UL, (sum, t) => sum + t.Bytes);
            Console.WriteLine($"{protocol,6} {Name(protocol),-8} {packets,10} {bytes,12}");
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

static string Name(uint protocol) => protocol switch
{
    IpProtocol.Icmp => "ICMP",
    IpProtocol.Tcp => "TCP",
    IpProtocol.Udp => "UDP",
    IpProtocol.Icmpv6 => "ICMPv6",
    _ => "-",
};
