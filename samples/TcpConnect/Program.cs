using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet;
using TcpConnect;

// tcpconnect: prints every TCP connect(2) the processes of a cgroup (all of them by default) make, from cgroup
// connect4/connect6 programs, which see each call's destination before the kernel acts on it.
// Usage: sudo dotnet run --project samples/TcpConnect -- [-p PID] [-P PORT] [--cgroup /sys/fs/cgroup/...] [-d SECONDS]

var pidOption = new Option<int>("--pid", "-p") { Description = "Print only this process's connects" };
var portOption = new Option<int>("--port", "-P") { Description = "Print only connects to this destination port" };
var cgroupOption = new Option<string?>("--cgroup", "-c") { Description = "The cgroup v2 directory to watch (default: the root, every process)" };
var durationOption = new Option<int>("--duration", "-d") { Description = "Seconds to run (default: until Ctrl+C)" };
var root = new RootCommand("Trace TCP connects, with C# cgroup sock_addr programs.") { pidOption, portOption, cgroupOption, durationOption };
root.SetAction(async (result, cancellation) =>
{
    int pid = result.GetValue(pidOption), port = result.GetValue(portOption), duration = result.GetValue(durationOption);
    string? cgroup = result.GetValue(cgroupOption) ?? CgroupRoot();
    if (cgroup is null)
    {
        Console.Error.WriteLine("tcpconnect: no cgroup v2 filesystem is mounted; mount one (mount -t cgroup2 none /sys/fs/cgroup) or give --cgroup");
        return 1;
    }
    try
    {
        using var probe = ConnectTracer.Load();
        using var connect4 = probe.OnConnect4.AttachCgroup(cgroup);
        using var connect6 = probe.OnConnect6.AttachCgroup(cgroup);
        Console.WriteLine($"{"PID",-7} {"COMM",-16} {"IP",-2} {"DADDR",-39} {"DPORT",5}");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));
        try
        {
            await foreach (var e in probe.Events.ReadAllAsync(stop.Token))
            {
                if ((pid != 0 && e.Pid != pid) || (port != 0 && e.Port != port)) continue;
                ReadOnlySpan<byte> bytes = e.Address;
                var address = new IPAddress(e.IpVersion == 4 ? bytes[..4] : bytes);
                Console.WriteLine($"{e.Pid,-7} {e.Comm,-16} {e.IpVersion,-2} {address,-39} {e.Port,5}");
            }
        }
        catch (OperationCanceledException)
        {
        }
        if (probe.Dropped[0] > 0) Console.WriteLine($"({probe.Dropped[0]} connects not reported: the ring buffer was full)");
        return 0;
    }
    catch (BpfException ex)
    {
        Console.Error.WriteLine("tcpconnect: " + ex.Message);
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();

// Where the cgroup v2 hierarchy is mounted.
static string? CgroupRoot() => File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).FirstOrDefault(f => f.Length > 2 && f[2] == "cgroup2")?[1];
