namespace BpfDotnet.Generator.Tests
{
    /// <summary>Probe sources shared by the tests.</summary>
    public static class Probes
    {
        /// <summary>A valid probe: counts openat calls per process in a hash map.</summary>
        public const string OpenSnoop = """
            using System.Runtime.CompilerServices;
            using BpfDotnet;

            namespace Probes;

            public static partial class OpenSnoop
            {
                [BpfMap(MaxEntries = 10240)]
                public static BpfHashMap<uint, ulong> Counts = null!;

                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx)
                {
                    uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
                    ref ulong count = ref Counts.GetValueRefOrNullRef(pid);
                    if (Unsafe.IsNullRef(ref count))
                    {
                        Counts.Update(pid, 1);
                    }
                    else
                    {
                        count++;
                    }
                    return 0;
                }
            }
            """;

        /// <summary>User code of <see cref="OpenSnoop"/>: compiles only against the generated loader.</summary>
        public const string OpenSnoopUser = """
            using System;
            using Probes;

            public static class Agent
            {
                public static ulong Run()
                {
                    using OpenSnoop.Loaded probe = OpenSnoop.Load();
                    probe.OnOpenat.Attach();
                    ulong total = 0;
                    foreach (var entry in probe.Counts) total += entry.Value;
                    ReadOnlySpan<byte> elf = OpenSnoop.BpfObjectBytes;
                    return total + (ulong)elf.Length;
                }
            }
            """;

        /// <summary>A probe whose program allocates on the heap, which eBPF cannot do.</summary>
        public const string Broken = """
            using BpfDotnet;

            namespace Probes;

            public static partial class Broken
            {
                [BpfMap(MaxEntries = 16)]
                public static BpfArrayMap<ulong> Slots = null!;

                [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                public static int OnOpenat(ref SysEnterArgs ctx)
                {
                    var buffer = new byte[16];
                    return buffer.Length;
                }
            }

            public static class BrokenUser
            {
                public static object Use()
                {
                    using Broken.Loaded probe = Broken.Load();
                    return probe.OnOpenat;
                }
            }
            """;
    }
}
