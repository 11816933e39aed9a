using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfRawtp;

/// <summary>The kernel side, compiled to eBPF at build time: counts system calls by number.</summary>
public static partial class SyscallProbe
{
    /// <summary>Calls per system call number, shared with user space.</summary>
    [BpfMap(MaxEntries = 1024)]
    public static BpfHashMap<uint, ulong> Calls = new();

    /// <summary>
    /// Runs in the kernel on every system call entry (the raw tracepoint sys_enter, whose arguments are the
    /// registers and the system call number).
    /// </summary>
    [BpfProgram, Section("raw_tp/sys_enter")]
    public static int OnSysEnter(ref RawTracepointArgs ctx)
    {
        uint nr = (uint)ctx.Arg1;
        ref ulong count = ref Calls.GetValueRefOrNullRef(nr);
        if (Unsafe.IsNullRef(ref count))
        {
            Calls.Update(nr, 1, BpfUpdateFlags.NoExist);
        }
        else
        {
            Interlocked.Increment(ref count);
        }
        return 0;
    }
}
