using System;
using System.Runtime.InteropServices;
using BpfDotnet;
using FirstEvent;

// Start to first event: load the probe, attach it, make the event happen (getppid), and exit once the map shows
// that the kernel ran the program. c/first_event.c does the same with libbpf, on the same object file.
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
