using System;
using System.Runtime.InteropServices;
using BpfDotnet;
using FirstEvent;

// Start to first event: load the probe, attach it, make the event happen (getppid), and exit once the map shows
// that the kernel ran the program. c/first_event.c does the same with libbpf, on the same object file.
// With --ops N: load, attach and close the object N times and print the median microseconds of each step
// (c/loader_ops.c does the same with libbpf).
if (args.Length == 2 && args[0] == "--ops") return Operations.Run(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
using var probe = FirstEventProbe.Load();
probe.AttachAll();
for (int calls = 1; calls <= 1_000_000; calls++)
{
    _ = Native.getppid();
    if (probe.Hits.TryGetValue(0, out ulong hits) && hits > 0)
    {
        Console.WriteLine($"first event after {calls} call(s)");
        return 0;
    }
}
Console.Error.WriteLine("no event");
return 1;

internal static partial class Native
{
    [LibraryImport("libc")]
    internal static partial int getppid();
}

internal static class Operations
{
    public static int Run(int iterations)
    {
        var load = new double[iterations];
        var attach = new double[iterations];
        var close = new double[iterations];
        var clock = new System.Diagnostics.Stopwatch();
        for (int i = 0; i < iterations; i++)
        {
            clock.Restart();
            var probe = FirstEventProbe.Load();
            double t1 = clock.Elapsed.TotalMicroseconds;
            var links = probe.AttachAll();
            double t2 = clock.Elapsed.TotalMicroseconds;
            foreach (var link in links) link.Dispose();
            probe.Dispose();
            double t3 = clock.Elapsed.TotalMicroseconds;
            load[i] = t1;
            attach[i] = t2 - t1;
            close[i] = t3 - t2;
        }
        Console.WriteLine(System.FormattableString.Invariant($"load_us {Median(load):F1} attach_us {Median(attach):F1} close_us {Median(close):F1}"));
        return 0;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values.Length % 2 == 1 ? values[values.Length / 2] : (values[values.Length / 2 - 1] + values[values.Length / 2]) / 2;
    }
}
