using BpfDotnet;

namespace FirstEvent;

/// <summary>Counts getppid(2) calls: the event the start-up benchmark waits for.</summary>
public static partial class FirstEventProbe
{
    [BpfMap(MaxEntries = 1)]
    public static BpfArrayMap<ulong> Hits = new();

    [BpfProgram, Tracepoint("syscalls", "sys_enter_getppid")]
    public static int OnGetppid(ref SysEnterArgs ctx)
    {
        ref ulong hits = ref Hits.GetValueRefOrNullRef(0);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref hits)) System.Threading.Interlocked.Increment(ref hits);
        return 0;
    }
}
