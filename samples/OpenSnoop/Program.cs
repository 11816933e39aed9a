using System;
using System.CommandLine;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet;
using OpenSnoop;

// opensnoop: prints each openat(2) call as it returns: pid, command, file descriptor or error, flags and path.
// Usage: sudo dotnet run --project samples/OpenSnoop -- [-p PID] [-x] [-n NAME] [-d SECONDS]

var pidOption = new Option<int>("--pid", "-p") { Description = "Trace this process only" };
var failedOption = new Option<bool>("--failed", "-x") { Description = "Show only failed opens" };
var nameOption = new Option<string?>("--name", "-n") { Description = "Show only commands whose name contains this" };
var durationOption = new Option<int>("--duration", "-d") { Description = "Stop after this many seconds (0: run until Ctrl+C)" };
var root = new RootCommand("Trace openat(2) calls, with the path each one opened, from a C# eBPF probe.")
{
    pidOption, failedOption, nameOption, durationOption,
};
root.SetAction(async (result, cancellation) =>
{
    int pid = result.GetValue(pidOption);
    bool failedOnly = result.GetValue(failedOption);
    string? name = result.GetValue(nameOption);
    int duration = result.GetValue(durationOption);
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
    if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));
    try
    {
        using var probe = OpenSnoopProbe.Load(new() { TargetPid = (uint)Math.Max(0, pid) });
        probe.AttachAll();
        Console.WriteLine($"{"PID",-7} {"COMM",-16} {"FD",4} {"ERR",3} {"FLAGS",-8} PATH");
        await foreach (var e in probe.Events.ReadAllAsync(stop.Token))
        {
            if (failedOnly && e.Ret >= 0) continue;
            string comm = e.Comm.ToString();
            if (name is not null && !comm.Contains(name, StringComparison.Ordinal)) continue;
            long fd = e.Ret >= 0 ? e.Ret : -1;
            long err = e.Ret >= 0 ? 0 : -e.Ret;
            Console.WriteLine($"{e.Pid,-7} {comm,-16} {fd,4} {err,3} {e.Flags,-8:x8} {PathOf(e)}");
        }
        return 0;
    }
    catch (OperationCanceledException)
    {
        return 0;
    }
    catch (BpfException ex)
    {
        Console.Error.WriteLine("opensnoop: " + ex.Message);
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();

static string PathOf(in OpenEvent e)
{
    ReadOnlySpan<byte> bytes = e.Path;
    int end = bytes.IndexOf((byte)0);
    return Encoding.UTF8.GetString(end >= 0 ? bytes[..end] : bytes);
}
