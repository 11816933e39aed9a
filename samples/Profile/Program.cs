using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet;
using Profile;

// profile: samples every CPU at a frequency (99 Hz by default) with the user and kernel stacks of what ran, and prints
// them as folded stacks ("comm;outer;...;inner count"), the input of flame graph tools.
// Usage: sudo dotnet run --project samples/Profile -- [-p PID] [-F HZ] [duration]

var pidOption = new Option<int>("--pid", "-p") { Description = "Profile only this process" };
var frequencyOption = new Option<int>("--frequency", "-F") { Description = "Samples per second on each CPU", DefaultValueFactory = _ => 99 };
var durationArgument = new Argument<int>("duration") { Description = "Seconds to profile (default: until Ctrl+C)", DefaultValueFactory = _ => 0 };
var root = new RootCommand("Profile CPU usage with stacks, as folded stacks for flame graphs, from a C# perf event program.") { pidOption, frequencyOption, durationArgument };
root.SetAction(async (result, cancellation) =>
{
    int pid = result.GetValue(pidOption), frequency = result.GetValue(frequencyOption), duration = result.GetValue(durationArgument);
    if (frequency <= 0 || duration < 0)
    {
        Console.Error.WriteLine("profile: the frequency must be positive and the duration not negative");
        return 2;
    }
    try
    {
        using var probe = StackSampler.Load(new() { TargetPid = (uint)pid });
        using (var link = probe.OnSample.AttachPerfEvent(SoftwareEvent.CpuClock, frequency: (ulong)frequency))
        {
            Console.Error.WriteLine($"Sampling at {frequency} Hz on every CPU{(pid != 0 ? " for process " + pid : "")}... Hit Ctrl-C to end.");
            try
            {
                await Task.Delay(duration > 0 ? TimeSpan.FromSeconds(duration) : Timeout.InfiniteTimeSpan, cancellation);
            }
            catch (OperationCanceledException)
            {
            }
        }
        var symbols = new Dictionary<uint, BpfProcessSymbols>();
        var folded = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var (key, count) in probe.Counts)
        {
            var frames = new List<string> { key.Comm.ToString() };
            if (key.UserStack >= 0)
            {
                if (!symbols.TryGetValue(key.Pid, out var process)) symbols[key.Pid] = process = new BpfProcessSymbols((int)key.Pid);
                frames.AddRange(probe.Stacks.GetUserStack((uint)key.UserStack, process).Reverse().Select(Name));
            }
            if (key.KernelStack >= 0) frames.AddRange(probe.Stacks.GetKernelStack((uint)key.KernelStack).Reverse().Select(f => Name(f) + "_[k]"));
            string line = string.Join(";", frames);
            folded[line] = (folded.TryGetValue(line, out ulong sum) ? sum : 0) + count;
        }
        foreach (var (stack, count) in folded.OrderBy(e => e.Key, StringComparer.Ordinal)) Console.WriteLine($"{stack} {count}");
        return 0;
    }
    catch (BpfException ex)
    {
        Console.Error.WriteLine("profile: " + ex.Message);
        return 1;
    }
});
return await root.Parse(args).InvokeAsync();

// A frame as flame graphs show it: the function's name, or its address.
static string Name(BpfStackFrame frame) => frame.Symbol ?? "0x" + frame.Address.ToString("x");
