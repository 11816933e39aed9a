using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// The context of an sk_lookup program (<c>[Section("sk_lookup")]</c>, <c>struct bpf_sk_lookup</c>): the kernel runs it
    /// when a connection or datagram arrives in the network namespace it is attached to, before it looks for the socket
    /// itself, and the program may hand the packet to a socket of its choice (<see cref="BpfSockMap.Assign"/>). It returns
    /// <see cref="SkAction.Pass"/> (the socket it assigned, or the kernel's own lookup) or <see cref="SkAction.Drop"/>.
    /// Read-only.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SkLookupContext
    {
        private ulong _socket;
        /// <summary>2 (AF_INET) or 10 (AF_INET6).</summary>
        public uint Family;
        /// <summary>6 (TCP) or 17 (UDP).</summary>
        public uint Protocol;
        /// <summary>The remote IPv4 address, in network byte order.</summary>
        public uint RemoteIp4;
        /// <summary>The remote IPv6 address.</summary>
        public SockAddrIp6 RemoteIp6;
        /// <summary>The remote port, in network byte order.</summary>
        public ushort RemotePortNetworkOrder;
        private ushort _padding;
        /// <summary>The local IPv4 address the packet was sent to, in network byte order.</summary>
        public uint LocalIp4;
        /// <summary>The local IPv6 address the packet was sent to.</summary>
        public SockAddrIp6 LocalIp6;
        /// <summary>The local port the packet was sent to, in host byte order.</summary>
        public uint LocalPort;
        /// <summary>The index of the interface the packet came in on.</summary>
        public uint IngressInterfaceIndex;
    }

    /// <summary>What an sk_lookup (or sk_msg, sk_skb) program returns.</summary>
    public enum SkAction
    {
        /// <summary>Drop the packet (a connection is refused).</summary>
        Drop = 0,
        /// <summary>Let it go to the socket the program assigned, or to the one the kernel finds.</summary>
        Pass = 1,
    }

    /// <summary>Flags of <see cref="BpfSockMap.RedirectMessage"/>.</summary>
    [Flags]
    public enum SockRedirectFlags : ulong
    {
        /// <summary>Out of the target socket (to its peer).</summary>
        None = 0,
        /// <summary>Into the target socket's receive queue (<c>BPF_F_INGRESS</c>).</summary>
        Ingress = 1,
    }

    /// <summary>
    /// The context of an sk_msg program (<c>[Section("sk_msg")]</c>, <c>struct sk_msg_md</c>), attached to a sockmap: the
    /// kernel runs it on each sendmsg of a socket in the map, with the message's bytes read and written in place
    /// (<see cref="GetPacketRefOrNullRef{T}"/>, <see cref="TryReadPacket{T}"/>, <see cref="TryWritePacket{T}"/>, bounded as packet
    /// bytes are). It returns <see cref="SkAction.Pass"/>, <see cref="SkAction.Drop"/> (sendmsg fails with EACCES; the kernel
    /// keeps that verdict for the socket's later sends too) or the result of <see cref="BpfSockMap.RedirectMessage"/>.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SkMsgContext
    {
        private ulong _data;
        private ulong _dataEnd;
        /// <summary>2 (AF_INET) or 10 (AF_INET6).</summary>
        public uint Family;
        /// <summary>The remote IPv4 address, in network byte order.</summary>
        public uint RemoteIp4;
        /// <summary>The local IPv4 address, in network byte order.</summary>
        public uint LocalIp4;
        /// <summary>The remote IPv6 address.</summary>
        public SockAddrIp6 RemoteIp6;
        /// <summary>The local IPv6 address.</summary>
        public SockAddrIp6 LocalIp6;
        /// <summary>The remote port, in network byte order (in the low 16 bits).</summary>
        public uint RemotePortNetworkOrder;
        /// <summary>The local port, in host byte order.</summary>
        public uint LocalPort;
        /// <summary>The size of the whole message in bytes (the part in reach of the packet accessors may be shorter).</summary>
        public uint Size;
        private ulong _socket;

        /// <summary>A context for running an sk_msg program as .NET code on <paramref name="message"/>: its accessors read and write that array.</summary>
        public static SkMsgContext ForMessage(byte[] message)
        {
            ArgumentNullException.ThrowIfNull(message);
            return new SkMsgContext { _data = PacketBuffers.Register(message), Size = (uint)message.Length, Family = 2 };
        }

        /// <summary>The bytes of the message in reach (<c>data_end - data</c>).</summary>
        public readonly int PacketLength => PacketBuffers.Of((uint)_data).Length;

        /// <summary>A reference to the <typeparamref name="T"/> at byte <paramref name="offset"/> of the message, or a null reference where it ends before it (BPF0015 until tested).</summary>
        public readonly ref T GetPacketRefOrNullRef<T>(int offset) where T : unmanaged => ref PacketBuffers.At<T>(PacketBuffers.Of((uint)_data), offset);

        /// <summary>Copies the <typeparamref name="T"/> at byte <paramref name="offset"/> of the message; false (and <paramref name="value"/> zeroed) where it ends before it.</summary>
        public readonly bool TryReadPacket<T>(int offset, out T value) where T : unmanaged
            => PacketBuffers.TryRead(PacketBuffers.Of((uint)_data), offset, out value);

        /// <summary>Writes <paramref name="value"/> at byte <paramref name="offset"/> of the message; false (nothing written) where it ends before its end.</summary>
        public readonly bool TryWritePacket<T>(int offset, in T value) where T : unmanaged
            => PacketBuffers.TryWrite(PacketBuffers.Of((uint)_data), offset, in value);
    }

    /// <summary>Flags of <see cref="BpfSockMap.Assign"/>.</summary>
    [Flags]
    public enum SkAssignFlags : ulong
    {
        /// <summary>None: fail with EEXIST if another program assigned a socket already.</summary>
        None = 0,
        /// <summary>Replace a socket another program assigned (<c>BPF_SK_LOOKUP_F_REPLACE</c>).</summary>
        Replace = 1,
        /// <summary>Skip the SO_REUSEPORT group of the socket: the packet goes to this socket only (<c>BPF_SK_LOOKUP_F_NO_REUSEPORT</c>).</summary>
        NoReuseport = 2,
    }

    /// <summary>
    /// A map of sockets by any 4-byte key (<c>BPF_MAP_TYPE_SOCKHASH</c>): user space puts sockets in it (their descriptors,
    /// through the loaded map's handle: <c>map[key] = (uint)socket.Handle</c>), and sk_msg and sk_skb programs send data to
    /// them by key (<see cref="RedirectMessage"/>, <see cref="RedirectPacket"/>), an sk_lookup program hands one a
    /// connection (<see cref="Assign"/>); sk_msg and sk_skb programs attach to it as to a sockmap. Outside the kernel the
    /// entries are a managed set, filled with <see cref="Set"/>.
    /// </summary>
    public sealed class BpfSockHash : IBpfMapStandIn
    {
        private readonly HashSet<uint> _entries = new HashSet<uint>();
        private uint _maxEntries = 1;

        /// <summary><c>bpf_sk_assign</c> of the socket at <paramref name="key"/>, as <see cref="BpfSockMap.Assign"/> does.</summary>
        public long Assign(ref SkLookupContext context, uint key, SkAssignFlags flags = SkAssignFlags.None) => _entries.Contains(key) ? 0 : -2;

        /// <summary><c>bpf_msg_redirect_hash</c>: as <see cref="BpfSockMap.RedirectMessage"/>, to the socket at <paramref name="key"/>.</summary>
        public SkAction RedirectMessage(ref SkMsgContext context, uint key, SockRedirectFlags flags = SockRedirectFlags.None) => _entries.Contains(key) ? SkAction.Pass : SkAction.Drop;

        /// <summary><c>bpf_sk_redirect_hash</c>: as <see cref="BpfSockMap.RedirectPacket"/>, to the socket at <paramref name="key"/>.</summary>
        public SkAction RedirectPacket(ref SkBuff context, uint key, SockRedirectFlags flags = SockRedirectFlags.None) => _entries.Contains(key) ? SkAction.Pass : SkAction.Drop;

        /// <summary>Outside the kernel: marks <paramref name="key"/> as holding a socket (user space sets the kernel's through the loaded map's handle).</summary>
        public void Set(uint key)
        {
            if (!_entries.Contains(key) && _entries.Count >= _maxEntries) throw new InvalidOperationException($"the map has {_maxEntries} entries");
            _entries.Add(key);
        }

        /// <summary>Outside the kernel: removes the socket at <paramref name="key"/>.</summary>
        public bool Delete(uint key) => _entries.Remove(key);

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => _maxEntries = Math.Max(1, maxEntries);
    }

    /// <summary>
    /// A map of sockets by index (<c>BPF_MAP_TYPE_SOCKMAP</c>): user space puts sockets in it (their descriptors, through the
    /// loaded map's handle: <c>map[0] = (uint)socket.Handle</c>), and an sk_lookup program hands connections to them with
    /// <see cref="Assign"/>. A listening TCP socket or an unconnected UDP one can take them. Outside the kernel the entries
    /// are a managed set, filled with <see cref="Set"/>.
    /// </summary>
    public sealed class BpfSockMap : IBpfMapStandIn
    {
        private readonly HashSet<uint> _entries = new HashSet<uint>();
        private uint _maxEntries = 1;

        /// <summary>
        /// <c>bpf_sk_assign</c> of the socket at <paramref name="key"/>: the packet the sk_lookup program runs for goes to
        /// it (return <see cref="SkAction.Pass"/> after). Returns 0, -ENOENT where the map has no socket at the key, or
        /// another negative errno (-ESOCKTNOSUPPORT for a socket of the wrong type or protocol, -EEXIST where one was
        /// assigned already). As .NET code: 0 where <see cref="Set"/> put a socket at the key, else -ENOENT.
        /// </summary>
        public long Assign(ref SkLookupContext context, uint key, SkAssignFlags flags = SkAssignFlags.None) => _entries.Contains(key) ? 0 : -2;

        /// <summary>
        /// <c>bpf_msg_redirect_map</c>: in an sk_msg program, sends the message to the socket at <paramref name="key"/>
        /// instead (out of it, or into its receive queue with <see cref="SockRedirectFlags.Ingress"/>). Return its result:
        /// <see cref="SkAction.Pass"/>, or <see cref="SkAction.Drop"/> where the map has no socket at the key. As .NET code:
        /// Pass where <see cref="Set"/> put a socket at the key.
        /// </summary>
        public SkAction RedirectMessage(ref SkMsgContext context, uint key, SockRedirectFlags flags = SockRedirectFlags.None) => _entries.Contains(key) ? SkAction.Pass : SkAction.Drop;

        /// <summary>
        /// <c>bpf_sk_redirect_map</c>: in an sk_skb program, sends the packet to the socket at <paramref name="key"/> instead
        /// (out of it, or into its receive queue with <see cref="SockRedirectFlags.Ingress"/>). Return its result:
        /// <see cref="SkAction.Pass"/>, or <see cref="SkAction.Drop"/> where the map has no socket at the key. As .NET code:
        /// Pass where <see cref="Set"/> put a socket at the key.
        /// </summary>
        public SkAction RedirectPacket(ref SkBuff context, uint key, SockRedirectFlags flags = SockRedirectFlags.None) => _entries.Contains(key) ? SkAction.Pass : SkAction.Drop;

        /// <summary>Outside the kernel: marks <paramref name="key"/> as holding a socket (user space sets the kernel's through the loaded map's handle).</summary>
        public void Set(uint key)
        {
            if (key >= _maxEntries) throw new ArgumentOutOfRangeException(nameof(key), $"the map has {_maxEntries} entries");
            _entries.Add(key);
        }

        /// <summary>Outside the kernel: removes the socket at <paramref name="key"/>.</summary>
        public bool Delete(uint key) => _entries.Remove(key);

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => _maxEntries = Math.Max(1, maxEntries);
    }
}
