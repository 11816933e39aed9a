using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfLib.Probes;

/// <summary>The kernel side, compiled to eBPF when this library builds: bytes passed to write(2) per process.</summary>
public static partial class WriteProbe
{
    /// <summary>Bytes written per process id, shared with user space.</summary>
    [BpfMap(MaxEntries = 10240)]
    public static BpfHashMap<uint, ulong> Bytes = new();

    /// <summary>Runs in the kernel on every write(2) entry; its third argument is the byte count.</summary>
    [BpfProgram, Tracepoint("syscalls", "sys_enter_write")]
    public static int OnWrite(ref SysEnterArgs ctx)
    {
        uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
        ulong count = (ulong)ctx.Arg2;
        ref ulong total = ref Bytes.GetValueRefOrNullRef(pid);
        if (Unsafe.IsNullRef(ref total))
        {
            Bytes.Update(pid, count, BpfUpdateFlags.NoExist);
        }
        else
        {
            Interlocked.Add(ref total, count);
        }
        return 0;
    }
}
