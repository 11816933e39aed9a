using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using BpfDotnet;

namespace TcpLife;

/// <summary>The members of the kernel's sock_common this tool reads (placeholder offsets, relocated by the loader: CO-RE).</summary>
[BtfName("sock_common")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct SockCommon
{
    [FieldOffset(0), BtfName("skc_daddr")] public uint RemoteAddress;
    [FieldOffset(4), BtfName("skc_rcv_saddr")] public uint LocalAddress;
    [FieldOffset(8), BtfName("skc_dport")] public ushort RemotePortNetworkOrder;
    [FieldOffset(10), BtfName("skc_num")] public ushort LocalPort;
    [FieldOffset(12), BtfName("skc_family")] public ushort Family;
}

/// <summary>The kernel's sock, as far as its sock_common.</summary>
[BtfName("sock")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct Sock
{
    [FieldOffset(0), BtfName("__sk_common")] public SockCommon Common;
}

/// <summary>The kernel's tcp_sock (a sock that is TCP), as far as its byte counters.</summary>
[BtfName("tcp_sock")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct TcpSock
{
    [FieldOffset(0), BtfName("bytes_received")] public ulong BytesReceived;
    [FieldOffset(8), BtfName("bytes_acked")] public ulong BytesAcked;
}

/// <summary>One closed TCP connection.</summary>
public struct TcpLifeEvent
{
    public int Pid;
    public TaskComm Comm;
    public uint LocalAddress;
    public uint RemoteAddress;
    public ushort LocalPort;
    public ushort RemotePort;
    public ulong DurationNs;
    public ulong TxBytes;
    public ulong RxBytes;
}

/// <summary>When a connection was first seen changing state, and by which process.</summary>
public struct Birth
{
    public ulong Ns;
    public int Pid;
    /// <summary>The local port while the socket has one (the kernel clears it as the connection closes).</summary>
    public ushort LocalPort;
    public TaskComm Comm;
}

/// <summary>
/// Follows the TCP state of IPv4 sockets (tracepoint sock:inet_sock_set_state): a connection's first change records its
/// birth, its change to TCP_CLOSE sends its lifetime and bytes, read from the kernel's sock and tcp_sock.
/// </summary>
public static unsafe partial class TcpLifeProbe
{
    private const int TcpClose = 7, AfInet = 2;

    [BpfMap(MaxEntries = 10240)]
    public static BpfHashMap<ulong, Birth> Births = new();

    [BpfMap(MaxEntries = 256 * 1024)]
    public static BpfRingBuffer<TcpLifeEvent> Events = new();

    [BpfProgram, Section("raw_tracepoint/inet_sock_set_state")]
    public static int OnStateChange(ref RawTracepointArgs ctx)
    {
        ulong address = ctx.Arg0;
        int newState = (int)ctx.Arg2;
        Sock* sk = (Sock*)address;
        if (sk->Common.Family != AfInet) return 0;
        ref Birth birth = ref Births.GetValueRefOrNullRef(address);
        if (newState != TcpClose)
        {
            if (!Unsafe.IsNullRef(ref birth))
            {
                // A connecting socket gets its port after its first change (SYN_SENT).
                if (birth.LocalPort == 0) birth.LocalPort = sk->Common.LocalPort;
                return 0;
            }
            var first = new Birth { Ns = Bpf.KtimeGetNs(), Pid = (int)(Bpf.GetCurrentPidTgid() >> 32), LocalPort = sk->Common.LocalPort };
            Bpf.GetCurrentComm(out first.Comm);
            Births.Update(address, first);
            return 0;
        }
        if (Unsafe.IsNullRef(ref birth)) return 0;
        ushort remotePort = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(sk->Common.RemotePortNetworkOrder);
        if (remotePort == 0)
        {
            // A listening socket closing: no connection.
            Births.Delete(address);
            return 0;
        }
        ref TcpLifeEvent e = ref Events.Reserve();
        if (!Unsafe.IsNullRef(ref e))
        {
            TcpSock* tcp = (TcpSock*)address;
            e.Pid = birth.Pid;
            e.Comm = birth.Comm;
            e.DurationNs = Bpf.KtimeGetNs() - birth.Ns;
            e.LocalAddress = sk->Common.LocalAddress;
            e.RemoteAddress = sk->Common.RemoteAddress;
            e.LocalPort = birth.LocalPort != 0 ? birth.LocalPort : sk->Common.LocalPort;
            e.RemotePort = remotePort;
            e.TxBytes = tcp->BytesAcked;
            e.RxBytes = tcp->BytesReceived;
            Events.Submit(ref e);
        }
        Births.Delete(address);
        return 0;
    }
}
