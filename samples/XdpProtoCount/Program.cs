using System;
using System.CommandLine;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet;
using XdpProtoCount;

// xdpprotocount: counts the packets and bytes an interface receives per IP protocol with an XDP program, and prints
// them every interval.
// Usage: sudo dotnet run --project samples/XdpProtoCount -- --interface eth0 [--mode generic|native] [interval [count]]

var interfaceOption = new Option<string>("--interface", "-i") { Description = "The interface to count on (a name or an index)", Required = true };
var modeOption = new Option<XdpMode>("--mode", "-m") { Description = "XDP mode: Default (the driver's if it has one), Generic, Native or Offload", DefaultValueFactory = _ => XdpMode.Default };
var intervalArgument = new Argument<int>("interval") { Description = "Seconds between reports", DefaultValueFactory = _ => 1 };
var countArgument = new Argument<int>("count") { Description = "Number of reports (default: until Ctrl+C)", DefaultValueFactory = _ => 0 };
var root = new RootCommand("Count the packets an interface receives per IP protocol, with a C# XDP program.")
{
    interfaceOption, modeOption, intervalArgument, countArgument,
};
root.SetAction(async (result, cancellation) =>
{
    string name = result.GetValue(interfaceOption)!;
    var mode = result.GetValue(modeOption);
    int interval = result.GetValue(intervalArgument);
    int count = result.GetValue(countArgument);
    if (interval <= 0 || count < 0)
    {
        Console.Error.WriteLine("xdpprotocount: interval must be positive and count not negative");
        return 2;
    }
    try
    {
        using var probe = ProtocolCounter.Load();
        using var link = int.TryParse(name, out int index) ? probe.Count.AttachXdp(index, mode) : probe.Count.AttachXdp(name, mode);
        Console.WriteLine($"Counting packets on {name} ({link.Description})... Hit Ctrl-C to end.");
        for (int printed = 0; count == 0 || printed < count; printed++)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(interval), cancellation);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            Console.WriteLine();
            Console.WriteLine($"{"PROTOCOL",-10} {"PACKETS",12} {"BYTES",14}");
            for (uint protocol = 0; protocol < 256; protocol++) Print(Name(protocol), probe.ByProtocol[protocol]);
            Print("non-IP", probe.Other[0]);
            Print("truncated", probe.Other[1]);
        }
        return 0;
    }
    catch (BpfException ex)
    {
        Console.Error.WriteLine("xdpprotocount: " + ex.Message);
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();

static void Print(string name, ProtocolCounter.Traffic[] perCpu)
{
    ulong packets = perCpu.Aggregate(0UL, (sum, t) => sum + t.Packets), bytes = perCpu.Aggregate(0UL, (sum, t) => sum + t.Bytes);
    if (packets > 0) Console.WriteLine($"{name,-10} {packets,12} {bytes,14}");
}

static string Name(uint protocol) => protocol switch
{
    IpProtocol.Icmp => "ICMP",
    IpProtocol.Tcp => "TCP",
    IpProtocol.Udp => "UDP",
    IpProtocol.Icmpv6 => "ICMPv6",
    _ => "proto " + protocol,
};
