using System;
using System.CommandLine;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet;
using TcMarker;

// tcmarker: marks the TCP and UDP packets an interface sends to one port (skb mark and priority) with a tcx egress
// program, and prints how many it marked every interval.
// Usage: sudo dotnet run --project samples/TcMarker -- --interface eth0 --port 443 --mark 42 [--priority 0x10001] [interval [count]]

var interfaceOption = new Option<string>("--interface", "-i") { Description = "The interface whose egress to mark", Required = true };
var portOption = new Option<ushort>("--port", "-p") { Description = "The destination port of the packets to mark", Required = true };
var markOption = new Option<uint>("--mark") { Description = "The mark to set", DefaultValueFactory = _ => 1 };
var priorityOption = new Option<uint>("--priority") { Description = "The priority to set (a tc class id: major << 16 | minor)", DefaultValueFactory = _ => 0 };
var intervalArgument = new Argument<int>("interval") { Description = "Seconds between reports", DefaultValueFactory = _ => 1 };
var countArgument = new Argument<int>("count") { Description = "Number of reports (default: until Ctrl+C)", DefaultValueFactory = _ => 0 };
var root = new RootCommand("Mark the packets an interface sends to a port, with a C# tc program.")
{
    interfaceOption, portOption, markOption, priorityOption, intervalArgument, countArgument,
};
root.SetAction(async (result, cancellation) =>
{
    string name = result.GetValue(interfaceOption)!;
    ushort port = result.GetValue(portOption);
    uint mark = result.GetValue(markOption), priority = result.GetValue(priorityOption);
    int interval = result.GetValue(intervalArgument), count = result.GetValue(countArgument);
    if (interval <= 0 || count < 0)
    {
        Console.Error.WriteLine("tcmarker: interval must be positive and count not negative");
        return 2;
    }
    try
    {
        using var probe = PortMarker.Load(new() { Port = port, Mark = mark, Priority = priority });
        using var link = probe.MarkPort.AttachTcx(name, TcxDirection.Egress);
        Console.WriteLine($"Marking packets to port {port} with mark {mark} on {name} ({link.Description})... Hit Ctrl-C to end.");
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
            var marked = probe.Counts[0];
            var seen = probe.Counts[1];
            Console.WriteLine($"marked {marked.Aggregate(0UL, (s, t) => s + t.Packets)} packets ({marked.Aggregate(0UL, (s, t) => s + t.Bytes)} bytes) of {seen.Aggregate(0UL, (s, t) => s + t.Packets)} sent");
        }
        return 0;
    }
    catch (BpfException ex)
    {
        Console.Error.WriteLine("tcmarker: " + ex.Message);
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();
