using System;
using System.CommandLine;
using System.Net;
using System.Threading;
using BpfDotnet;
using TcpLife;

// tcplife: prints each IPv4 TCP connection as it closes: the process that opened it, its addresses and ports, the bytes
// sent and received and how long it lived, read from the kernel's sock and tcp_sock through CO-RE.
// Usage: sudo dotnet run --project samples/TcpLife -- [-p PORT] [-d SECONDS]

var portOption = new Option<int>("--port", "-p") { Description = "Print only connections with this local or remote port" };
var durationOption = new Option<int>("--duration", "-d") { Description = "Seconds to run (default: until Ctrl+C)" };
var root = new RootCommand("Trace the lifetime of TCP connections, from a C# eBPF probe reading kernel structs portably.") { portOption, durationOption };
root.SetAction(async (result, cancellation) =>
{
    int port = result.GetValue(portOption), duration = result.GetValue(durationOption);
    try
    {
        using var probe = TcpLifeProbe.Load();
        probe.AttachAll();
        Console.WriteLine($"{"PID",-7} {"COMM",-16} {"LADDR",-15} {"LPORT",5} {"RADDR",-15} {"RPORT",5} {"TX_B",10} {"RX_B",10} {"MS",10}");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));
        try
        {
            await foreach (var e in probe.Events.ReadAllAsync(stop.Token))
            {
                if (port != 0 && e.LocalPort != port && e.RemotePort != port) continue;
                var local = new IPAddress(e.LocalAddress);
                var remote = new IPAddress(e.RemoteAddress);
                Console.WriteLine($"{e.Pid,-7} {e.Comm,-16} {local,-15} {e.LocalPort,5} {remote,-15} {e.RemotePort,5} {e.TxBytes,10} {e.RxBytes,10} {e.DurationNs / 1e6,10:F2}");
            }
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }
    catch (BpfException ex)
    {
        Console.Error.WriteLine("tcplife: " + ex.Message);
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();
