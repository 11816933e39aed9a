using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using BpfDotnet.KernelModel;

namespace BpfDotnet.Interop
{
    /// <summary>
    /// An rtnetlink socket (<c>AF_NETLINK</c>, <c>NETLINK_ROUTE</c>) in the network namespace of the thread that opened it:
    /// one request at a time, each with its own sequence number, answered by the kernel's acknowledgement, its error (with
    /// the extended-ack message when the kernel gives one) or the messages of a dump. Receives into one bounded buffer and
    /// gives up after a timeout rather than waiting for ever. Disposing it closes the socket.
    /// </summary>
    internal sealed class RouteNetlinkSocket : IDisposable
    {
        /// <summary>Larger than any one datagram the kernel sends on rtnetlink (a dump's are at most 32 KiB).</summary>
        private const int ReceiveBufferSize = 64 * 1024;

        /// <summary>The most a dump may return before the loader gives up on it.</summary>
        private const int MaxReplyBytes = 16 * 1024 * 1024;

        /// <summary>How long the kernel has to answer a request.</summary>
        private const int ReceiveTimeoutSeconds = 10;

        /// <summary>How many times a dump the kernel interrupted (the table changed under it) is asked again.</summary>
        private const int DumpAttempts = 3;

        private readonly BpfFileDescriptor _fd;
        private readonly object _gate = new object();
        private uint _sequence;

        private RouteNetlinkSocket(BpfFileDescriptor fd)
        {
            _fd = fd;
            _sequence = (uint)Environment.TickCount;
        }

        /// <summary>Opens a socket for <paramref name="purpose"/> (named in the exception if the kernel refuses).</summary>
        /// <exception cref="BpfException">The socket cannot be made or bound.</exception>
        public static RouteNetlinkSocket Open(string purpose)
        {
            int fd = Native.Socket(Netlink.AddressFamily, Native.SockRaw | Native.SockCloexec, Netlink.ProtocolRoute, out int errno);
            if (fd < 0) throw BpfErrors.FromErrno(errno, $"to open an rtnetlink socket {purpose}");
            var handle = new BpfFileDescriptor(fd);
            try
            {
                // Errors carry the kernel's message, and not a copy of the whole request.
                Native.SetSocketOption(fd, Netlink.SocketLevel, Netlink.OptionExtendedAck, 1, out _);
                Native.SetSocketOption(fd, Netlink.SocketLevel, Netlink.OptionCapAck, 1, out _);
                Span<byte> timeout = stackalloc byte[16]; // struct timeval on a 64-bit system: seconds, microseconds
                timeout.Clear();
                long seconds = ReceiveTimeoutSeconds;
                MemoryMarshal.Write(timeout, in seconds);
                Native.SetSocketOption(fd, Native.SolSocket, Native.SoReceiveTimeout, timeout, out _);
                Span<byte> address = stackalloc byte[Netlink.SocketAddressSize]; // port id 0: the kernel picks one
                address.Clear();
                ushort family = Netlink.AddressFamily;
                MemoryMarshal.Write(address, in family);
                if (Native.Bind(fd, address, out errno) < 0) throw BpfErrors.FromErrno(errno, $"to bind an rtnetlink socket {purpose}");
                return new RouteNetlinkSocket(handle);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        /// <summary>
        /// The network namespace the socket lives in, as the kernel's cookie for it (<c>SO_NETNS_COOKIE</c>, kernel 5.14
        /// and later); 0 where the kernel cannot tell.
        /// </summary>
        public ulong NamespaceCookie
        {
            get
            {
                using BpfFileDescriptor.Lease lease = _fd.Acquire();
                return Native.GetSocketOption(lease.Fd, Native.SolSocket, Native.SoNetnsCookie, out ulong cookie, out _) < 0 ? 0 : cookie;
            }
        }

        /// <summary>
        /// Sends <paramref name="request"/> and reads the kernel's answer: 0 when it acknowledged the request (or ended the
        /// dump), else the positive errno it gave, with its extended-ack message in <paramref name="kernelMessage"/> when
        /// it gave one. The messages it answered with (an echo, a dump's entries) are in <paramref name="replies"/>.
        /// </summary>
        /// <exception cref="BpfException">The socket failed, the kernel did not answer in time, or its answer was malformed.</exception>
        public int Transact(NetlinkRequest request, out List<NetlinkReply> replies, out string? kernelMessage)
        {
            lock (_gate)
            {
                bool dump = (request.Flags & NetlinkFlags.Dump) == NetlinkFlags.Dump;
                for (int attempt = 1; ; attempt++)
                {
                    int errno = TransactOnce(request, out replies, out kernelMessage, out bool interrupted);
                    if (!(dump && interrupted && errno == 0) || attempt == DumpAttempts) return errno;
                }
            }
        }

        private int TransactOnce(NetlinkRequest request, out List<NetlinkReply> replies, out string? kernelMessage, out bool interrupted)
        {
            replies = new List<NetlinkReply>();
            kernelMessage = null;
            interrupted = false;
            uint sequence = ++_sequence;
            byte[] message = request.ToArray(sequence);
            byte[] buffer = new byte[ReceiveBufferSize];
            using BpfFileDescriptor.Lease lease = _fd.Acquire();
            int sent = Native.Send(lease.Fd, message, out int errno);
            if (sent < 0) throw BpfErrors.FromErrno(errno, $"to send {request.Type} on an rtnetlink socket");
            int total = 0;
            while (true)
            {
                int received = Native.ReceiveDatagram(lease.Fd, buffer, out errno);
                if (received < 0)
                {
                    if (errno == Native.EAGAIN)
                        throw new BpfException($"The kernel did not answer {request.Type} on rtnetlink within {ReceiveTimeoutSeconds} s.", errno);
                    throw BpfErrors.FromErrno(errno, $"to read the kernel's answer to {request.Type} on rtnetlink");
                }
                if (received > buffer.Length)
                    throw new BpfException($"The kernel's answer to {request.Type} on rtnetlink is {received} bytes, more than the {buffer.Length} the loader reads.");
                total += received;
                if (total > MaxReplyBytes)
                    throw new BpfException($"The kernel's answer to {request.Type} on rtnetlink is more than {MaxReplyBytes} bytes; the loader stops there.");
                var datagram = new ReadOnlySpan<byte>(buffer, 0, received);
                int offset = 0;
                while (datagram.Length - offset >= Netlink.HeaderSize)
                {
                    NetlinkHeader header = MemoryMarshal.Read<NetlinkHeader>(datagram.Slice(offset));
                    if (header.Length < Netlink.HeaderSize || header.Length > datagram.Length - offset)
                        throw new BpfException($"The kernel's answer to {request.Type} on rtnetlink holds a message of length {header.Length} in a datagram of {received} bytes.");
                    ReadOnlySpan<byte> payload = datagram.Slice(offset + Netlink.HeaderSize, (int)header.Length - Netlink.HeaderSize);
                    offset += Math.Min(Netlink.Align((int)header.Length), datagram.Length - offset);
                    if (header.Sequence != sequence) continue; // an answer to an earlier request that gave up
                    var flags = (NetlinkFlags)header.Flags;
                    if ((flags & NetlinkFlags.DumpInterrupted) != 0) interrupted = true;
                    switch ((NetlinkMessageType)header.Type)
                    {
                        case NetlinkMessageType.Noop:
                            continue;
                        case NetlinkMessageType.Error:
                        {
                            if (payload.Length < Netlink.ErrorCodeSize)
                                throw new BpfException($"The kernel's error answer to {request.Type} on rtnetlink is {payload.Length} bytes.");
                            int error = MemoryMarshal.Read<int>(payload);
                            if (error == 0) return 0;
                            kernelMessage = ExtendedAckMessage(payload, flags, holdsRequest: true);
                            return -error;
                        }
                        case NetlinkMessageType.Done:
                        {
                            int error = payload.Length >= Netlink.ErrorCodeSize ? MemoryMarshal.Read<int>(payload) : 0;
                            if (error < 0) kernelMessage = ExtendedAckMessage(payload, flags, holdsRequest: false);
                            return error < 0 ? -error : 0;
                        }
                        case NetlinkMessageType.Overrun:
                            throw new BpfException($"The kernel's answer to {request.Type} on rtnetlink overran the socket's buffer.");
                        default:
                            replies.Add(new NetlinkReply((NetlinkMessageType)header.Type, flags, payload.ToArray()));
                            break;
                    }
                }
            }
        }

        /// <summary>
        /// The <c>NLMSGERR_ATTR_MSG</c> of an error or done message's payload: after the error code come, in an error
        /// message (<paramref name="holdsRequest"/>), the request's header and, unless capped, the rest of the request;
        /// then the attributes.
        /// </summary>
        private static string? ExtendedAckMessage(ReadOnlySpan<byte> payload, NetlinkFlags flags, bool holdsRequest)
        {
            if ((flags & NetlinkFlags.AcknowledgementAttributes) == 0) return null;
            int offset = Netlink.ErrorCodeSize;
            if (holdsRequest)
            {
                if (payload.Length < offset + Netlink.HeaderSize) return null;
                NetlinkHeader request = MemoryMarshal.Read<NetlinkHeader>(payload.Slice(offset));
                offset += (flags & NetlinkFlags.Capped) != 0 ? Netlink.HeaderSize : Netlink.Align((int)Math.Min(request.Length, (uint)payload.Length));
            }
            if (offset > payload.Length) return null;
            if (!NetlinkAttributes.TryFind(payload.Slice(offset), (ushort)NetlinkErrorAttribute.Message, out ReadOnlySpan<byte> text)) return null;
            int end = text.IndexOf((byte)0);
            string message = Encoding.UTF8.GetString(end < 0 ? text : text.Slice(0, end)).Trim();
            return message.Length == 0 ? null : message;
        }

        /// <summary>Closes the socket.</summary>
        public void Dispose() => _fd.Dispose();
    }

    /// <summary>A message the kernel answered a request with: its type, flags and what follows its header.</summary>
    internal sealed class NetlinkReply
    {
        public NetlinkReply(NetlinkMessageType type, NetlinkFlags flags, byte[] payload)
        {
            Type = type;
            Flags = flags;
            Payload = payload;
        }

        public NetlinkMessageType Type { get; }

        public NetlinkFlags Flags { get; }

        /// <summary>The family header (<c>rtmsg</c>, <c>tcmsg</c>) and the attributes after it.</summary>
        public byte[] Payload { get; }

        /// <summary>The family header <typeparamref name="T"/> at the start of the payload.</summary>
        /// <exception cref="BpfException">The payload is shorter than the header.</exception>
        public T Header<T>() where T : unmanaged
        {
            if (Payload.Length < Marshal.SizeOf<T>())
                throw new BpfException($"The kernel's {Type} message on rtnetlink is {Payload.Length} bytes, shorter than its {typeof(T).Name} header.");
            return MemoryMarshal.Read<T>(Payload);
        }

        /// <summary>The attributes after the family header <typeparamref name="T"/>.</summary>
        public ReadOnlySpan<byte> Attributes<T>() where T : unmanaged
        {
            int start = Netlink.Align(Marshal.SizeOf<T>());
            return start >= Payload.Length ? ReadOnlySpan<byte>.Empty : Payload.AsSpan(start);
        }
    }

    /// <summary>Reads netlink attributes (<c>struct nlattr</c>: length, type, value, padding to 4 bytes).</summary>
    internal static class NetlinkAttributes
    {
        /// <summary>
        /// The value of the first attribute of <paramref name="type"/> (its flag bits ignored) among
        /// <paramref name="attributes"/>; false when there is none or the attributes are malformed before it.
        /// </summary>
        public static bool TryFind(ReadOnlySpan<byte> attributes, ushort type, out ReadOnlySpan<byte> value)
        {
            int offset = 0;
            while (attributes.Length - offset >= Netlink.AttributeHeaderSize)
            {
                ushort length = MemoryMarshal.Read<ushort>(attributes.Slice(offset));
                ushort kind = MemoryMarshal.Read<ushort>(attributes.Slice(offset + 2));
                if (length < Netlink.AttributeHeaderSize || length > attributes.Length - offset) break;
                if ((kind & Netlink.AttributeTypeMask) == type)
                {
                    value = attributes.Slice(offset + Netlink.AttributeHeaderSize, length - Netlink.AttributeHeaderSize);
                    return true;
                }
                offset += Netlink.Align(length);
            }
            value = default;
            return false;
        }

        /// <summary>A string attribute's text (up to its NUL); null when there is no such attribute.</summary>
        public static string? FindString(ReadOnlySpan<byte> attributes, ushort type)
        {
            if (!TryFind(attributes, type, out ReadOnlySpan<byte> value)) return null;
            int end = value.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? value : value.Slice(0, end));
        }
    }

    /// <summary>
    /// A netlink request being built: the header (its length and sequence number filled in when sent), a family header,
    /// then attributes, nested ones with <see cref="BeginNested"/> and <see cref="EndNested"/>.
    /// </summary>
    internal sealed class NetlinkRequest
    {
        private byte[] _buffer = new byte[256];
        private int _length = Netlink.HeaderSize;

        public NetlinkRequest(NetlinkMessageType type, NetlinkFlags flags)
        {
            Type = type;
            Flags = flags | NetlinkFlags.Request;
        }

        public NetlinkMessageType Type { get; }

        public NetlinkFlags Flags { get; }

        /// <summary>Appends the family header (<c>rtmsg</c>, <c>tcmsg</c>), padded to 4 bytes.</summary>
        public NetlinkRequest WithHeader<T>(in T header) where T : unmanaged
        {
            int size = Marshal.SizeOf<T>();
            Span<byte> target = Reserve(Netlink.Align(size));
            MemoryMarshal.Write(target, in header);
            return this;
        }

        /// <summary>Appends an attribute holding <paramref name="value"/>.</summary>
        public void Add(ushort type, ReadOnlySpan<byte> value)
        {
            int length = Netlink.AttributeHeaderSize + value.Length;
            Span<byte> target = Reserve(Netlink.Align(length));
            ushort length16 = Length16.Of(length);
            MemoryMarshal.Write(target, in length16);
            MemoryMarshal.Write(target.Slice(2), in type);
            value.CopyTo(target.Slice(Netlink.AttributeHeaderSize));
        }

        /// <summary>Appends a 32-bit attribute, in host byte order.</summary>
        public void Add(ushort type, uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            MemoryMarshal.Write(bytes, in value);
            Add(type, bytes);
        }

        /// <summary>Appends a string attribute, NUL-terminated.</summary>
        public void Add(ushort type, string value)
        {
            byte[] bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
            Encoding.UTF8.GetBytes(value, 0, value.Length, bytes, 0);
            Add(type, bytes);
        }

        /// <summary>Starts a nested attribute; what is added until <see cref="EndNested"/> goes in it.</summary>
        public int BeginNested(ushort type)
        {
            int start = _length;
            Span<byte> target = Reserve(Netlink.AttributeHeaderSize);
            ushort flagged = (ushort)(type | Netlink.AttributeNested);
            MemoryMarshal.Write(target.Slice(2), in flagged);
            return start;
        }

        /// <summary>Ends the nested attribute begun at <paramref name="start"/>, writing its length.</summary>
        public void EndNested(int start)
        {
            ushort length = Length16.Of(_length - start);
            MemoryMarshal.Write(_buffer.AsSpan(start), in length);
        }

        /// <summary>The message, its header filled in, with sequence number <paramref name="sequence"/>.</summary>
        public byte[] ToArray(uint sequence)
        {
            var header = new NetlinkHeader { Length = (uint)_length, Type = (ushort)Type, Flags = (ushort)Flags, Sequence = sequence };
            byte[] message = _buffer.AsSpan(0, _length).ToArray();
            MemoryMarshal.Write(message, in header);
            return message;
        }

        private Span<byte> Reserve(int size)
        {
            if (_length + size > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
            Span<byte> target = _buffer.AsSpan(_length, size);
            target.Clear();
            _length += size;
            return target;
        }

        private static class Length16
        {
            /// <summary>A length that must fit an attribute's 16-bit length field.</summary>
            public static ushort Of(int length) => length <= ushort.MaxValue
                ? (ushort)length
                : throw new BpfException($"A netlink attribute of {length} bytes is more than its 16-bit length can say.");
        }
    }
}
