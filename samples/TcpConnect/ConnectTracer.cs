using System.Runtime.CompilerServices;
using System.Threading;
using BpfDotnet;

namespace TcpConnect;

/// <summary>Reports every TCP connect(2) the processes of a cgroup make, with its destination, and lets it go on.</summary>
public static partial class ConnectTracer
{
    /// <summary>One connect(2) call.</summary>
    public struct ConnectEvent
    {
        public uint Pid;
        public uint Uid;
        public TaskComm Comm;
        /// <summary>4 or 6.</summary>
        public uint IpVersion;
        /// <summary>The destination port, in host byte order.</summary>
        public uint Port;
        /// <summary>The destination address: the IPv4 address in the first 4 bytes, or the IPv6 address.</summary>
        public Ipv6Address Address;
    }

    [BpfMap(MaxEntries = 256 * 1024)]
    public static BpfRingBuffer<ConnectEvent> Events = new();

    /// <summary>connect(2) calls not reported because the ring buffer was full.</summary>
    [BpfMap(MaxEntries = 1)]
    public static BpfArrayMap<ulong> Dropped = new(1);

    private const uint SockStream = 1;

    [BpfProgram, Section("cgroup/connect4")]
    public static int OnConnect4(ref SockAddrContext ctx)
    {
        if (ctx.Type != SockStream) return 1;
        ref ConnectEvent e = ref Events.Reserve();
        if (Unsafe.IsNullRef(ref e)) return CountDropped();
        Fill(ref e, 4, ctx.Port);
        Put(ref e, 0, ctx.UserIp4);
        Events.Submit(ref e);
        return 1;
    }

    [BpfProgram, Section("cgroup/connect6")]
    public static int OnConnect6(ref SockAddrContext ctx)
    {
        if (ctx.Type != SockStream) return 1;
        ref ConnectEvent e = ref Events.Reserve();
        if (Unsafe.IsNullRef(ref e)) return CountDropped();
        Fill(ref e, 6, ctx.Port);
        Put(ref e, 0, ctx.UserIp6[0]);
        Put(ref e, 4, ctx.UserIp6[1]);
        Put(ref e, 8, ctx.UserIp6[2]);
        Put(ref e, 12, ctx.UserIp6[3]);
        Events.Submit(ref e);
        return 1;
    }

    private static void Fill(ref ConnectEvent e, uint version, int port)
    {
        e.Pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
        e.Uid = (uint)Bpf.GetCurrentUidGid();
        Bpf.GetCurrentComm(out e.Comm);
        e.IpVersion = version;
        e.Port = (uint)port;
    }

    /// <summary>A 32-bit word of an address, as the socket holds it (network byte order), into the event's address at <paramref name="at"/>.</summary>
    private static void Put(ref ConnectEvent e, int at, uint word)
    {
        e.Address[at] = (byte)word;
        e.Address[at + 1] = (byte)(word >> 8);
        e.Address[at + 2] = (byte)(word >> 16);
        e.Address[at + 3] = (byte)(word >> 24);
    }

    private static int CountDropped()
    {
        ref ulong dropped = ref Dropped.GetValueRefOrNullRef(0);
        if (!Unsafe.IsNullRef(ref dropped)) Interlocked.Increment(ref dropped);
        return 1;
    }
}
