using System;
using System.CommandLine;
using System.IO;
using System.Text;
using System.Threading;
using BpfDotnet;
using ExecSnoop;

// execsnoop: prints each execve(2) call as it returns: pid, parent pid, command, result and the arguments.
// Usage: sudo dotnet run --project samples/ExecSnoop -- [-x] [-n NAME] [-d SECONDS]

var failedOption = new Option<bool>("--failed", "-x") { Description = "Show only failed execs" };
var nameOption = new Option<string?>("--name", "-n") { Description = "Show only commands whose path contains this" };
var durationOption = new Option<int>("--duration", "-d") { Description = "Stop after this many seconds (0: run until Ctrl+C)" };
var root = new RootCommand("Trace execve(2) calls, with the program's arguments, from a C# eBPF probe.")
{
    failedOption, nameOption, durationOption,
};
root.SetAction(async (result, cancellation) =>
{
    bool failedOnly = result.GetValue(failedOption);
    string? name = result.GetValue(nameOption);
    int duration = result.GetValue(durationOption);
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
    if (duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(duration));
    try
    {
        using var probe = ExecSnoopProbe.Load();
        probe.AttachAll();
        Console.WriteLine($"{"COMM",-16} {"PID",-7} {"PPID",-7} {"RET",3} ARGS");
        await foreach (var e in probe.Events.ReadAllAsync(stop.Token))
        {
            if (failedOnly && e.Ret >= 0) continue;
            string path = Text(e.Path);
            if (name is not null && !path.Contains(name, StringComparison.Ordinal)) continue;
            var args = new StringBuilder();
            for (int i = 0; i < e.ArgumentCount; i++) args.Append(i == 0 ? "" : " ").Append(Text(e.Args[i]));
            if (e.ArgumentCount == 0) args.Append(path);
            Console.WriteLine($"{e.Comm,-16} {e.Pid,-7} {e.ParentPid,-7} {e.Ret,3} {args}");
        }
        return 0;
    }
    catch (OperationCanceledException)
    {
        return 0;
    }
    catch (BpfException ex)
    {
        Console.Error.WriteLine("execsnoop: " + ex.Message);
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();

static string Text(ReadOnlySpan<byte> bytes)
{
    int end = bytes.IndexOf((byte)0);
    return Encoding.UTF8.GetString(end >= 0 ? bytes[..end] : bytes);
}
