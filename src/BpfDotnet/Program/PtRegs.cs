using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>
    /// The context of uprobes, uretprobes and kprobes: the registers of the probed code (the kernel's
    /// <c>struct pt_regs</c>), read by meaning rather than by register name, at the offsets of the architecture the probe
    /// is built for (x86-64, or arm64 with <c>BpfTargetArchitecture=arm64</c> or when building on arm64).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct PtRegs
    {
        private const int Registers = 34;
        private fixed ulong _registers[Registers];

        private static PtRegsLayout Layout => PtRegsLayout.Of(RuntimeInformation.ProcessArchitecture) ?? PtRegsLayout.X64;

        private readonly ulong At(int offset)
        {
            fixed (ulong* registers = _registers) return registers[offset / 8];
        }

        /// <summary>
        /// Argument <paramref name="index"/> (0 to 5) of the probed function, by the C calling convention (a constant
        /// index in a program).
        /// </summary>
        public readonly ulong Arg(int index)
        {
            var arguments = Layout.Arguments;
            if ((uint)index >= (uint)arguments.Length) throw new ArgumentOutOfRangeException(nameof(index), index, "The calling convention passes arguments 0 to 5 in registers.");
            return At(arguments[index]);
        }

        /// <summary>What the probed function returned (in a uretprobe or kretprobe).</summary>
        public readonly ulong ReturnValue => At(Layout.ReturnValue);

        /// <summary>The address of the instruction being executed.</summary>
        public readonly ulong InstructionPointer => At(Layout.InstructionPointer);

        /// <summary>The stack pointer.</summary>
        public readonly ulong StackPointer => At(Layout.StackPointer);

        /// <summary>The frame pointer.</summary>
        public readonly ulong FramePointer => At(Layout.FramePointer);
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// The context of a perf event program (<c>struct bpf_perf_event_data</c>): the registers where the sample was
    /// taken, the sample period, and the address of the event (for events that have one).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct PerfEventData
    {
        /// <summary>The registers when the sample was taken.</summary>
        public PtRegs Regs;

        private ulong _samplePeriod;
        private ulong _address;

        /// <summary>The sample period: events counted since the last sample (it varies when sampling at a frequency).</summary>
        public readonly ulong SamplePeriod => _samplePeriod;

        /// <summary>The address the event concerns (a page fault's, say); 0 for events without one.</summary>
        public readonly ulong Address => _address;
    }

    /// <summary>The type of a perf event (<c>PERF_TYPE_*</c>).</summary>
    public enum PerfEventType : uint
    {
        /// <summary>Hardware counters (<see cref="HardwareEvent"/>); virtual machines often have none.</summary>
        Hardware = 0,
        /// <summary>Software counters of the kernel (<see cref="SoftwareEvent"/>).</summary>
        Software = 1,
    }

    /// <summary>Software events (<c>PERF_COUNT_SW_*</c>).</summary>
    public enum SoftwareEvent : ulong
    {
        /// <summary>A CPU's clock: sampling it at a frequency is a CPU profiler.</summary>
        CpuClock = 0,
        /// <summary>The clock of the tasks running.</summary>
        TaskClock = 1,
        /// <summary>Page faults.</summary>
        PageFaults = 2,
        /// <summary>Context switches.</summary>
        ContextSwitches = 3,
        /// <summary>Migrations of tasks between CPUs.</summary>
        CpuMigrations = 4,
    }

    /// <summary>Hardware events (<c>PERF_COUNT_HW_*</c>).</summary>
    public enum HardwareEvent : ulong
    {
        /// <summary>CPU cycles.</summary>
        CpuCycles = 0,
        /// <summary>Instructions retired.</summary>
        Instructions = 1,
        /// <summary>Cache references.</summary>
        CacheReferences = 2,
        /// <summary>Cache misses.</summary>
        CacheMisses = 3,
        /// <summary>Branch instructions.</summary>
        BranchInstructions = 4,
        /// <summary>Mispredicted branches.</summary>
        BranchMisses = 5,
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// The context of an XDP program (<c>struct xdp_md</c>): the packet it runs on and where it came in. The packet's bytes
    /// are read and written through <see cref="GetPacketRefOrNullRef{T}"/>, <see cref="TryReadPacket{T}"/> and
    /// <see cref="TryWritePacket{T}"/>.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct XdpContext
    {
        private uint _data;
        private uint _dataEnd;
        private uint _dataMeta;

        /// <summary>The index of the interface the packet came in on.</summary>
        public uint IngressInterfaceIndex;

        /// <summary>The receive queue of that interface.</summary>
        public uint RxQueueIndex;

        /// <summary>The interface a redirected packet leaves by (in programs attached to device maps).</summary>
        public uint EgressInterfaceIndex;

        /// <summary>
        /// A context for running an XDP program as .NET code on <paramref name="packet"/> (a unit test of a packet filter): its
        /// packet access reads and writes that array.
        /// </summary>
        public static XdpContext ForPacket(byte[] packet, uint ingressInterfaceIndex = 1, uint rxQueueIndex = 0)
            => new XdpContext { _data = PacketBuffers.Register(packet), _dataEnd = (uint)packet.Length, IngressInterfaceIndex = ingressInterfaceIndex, RxQueueIndex = rxQueueIndex };

        /// <summary>
        /// The packet's length in bytes (<c>data_end - data</c>: for an skb, its linear part). In a .NET run, the length of the
        /// array the context was made for.
        /// </summary>
        public readonly int PacketLength => PacketBuffers.Of(_data).Length;

        /// <summary>
        /// A reference to the <typeparamref name="T"/> (a header, say) at byte <paramref name="offset"/> of the packet, which
        /// reads and writes the packet in place, or a null reference when the packet ends before it or the offset is negative
        /// or the value would end past byte 65,535: test it with <c>Unsafe.IsNullRef</c> before use (BPF0015). The compiler emits the comparison with
        /// the packet's end that the verifier needs. A helper that changes the packet (adjusting its head or tail) ends every
        /// reference taken before it.
        /// </summary>
        public readonly ref T GetPacketRefOrNullRef<T>(int offset) where T : unmanaged => ref PacketBuffers.At<T>(PacketBuffers.Of(_data), offset);

        /// <summary>Copies the <typeparamref name="T"/> at byte <paramref name="offset"/> of the packet; false (and <paramref name="value"/> zeroed) when the packet ends before it.</summary>
        public readonly bool TryReadPacket<T>(int offset, out T value) where T : unmanaged
            => PacketBuffers.TryRead(PacketBuffers.Of(_data), offset, out value);

        /// <summary>Writes <paramref name="value"/> at byte <paramref name="offset"/> of the packet; false (nothing written) when the packet ends before its end.</summary>
        public readonly bool TryWritePacket<T>(int offset, in T value) where T : unmanaged
            => PacketBuffers.TryWrite(PacketBuffers.Of(_data), offset, in value);

        /// <summary>The .NET side of <c>bpf_xdp_adjust_head</c>/<c>_tail</c>: the packet made anew, shorter or longer.</summary>
        internal long Adjust(int delta, bool head)
        {
            var packet = PacketBuffers.Of(_data);
            if (_data == 0 || packet.Length == 0) return -22;
            long length = (long)packet.Length - (head ? delta : -delta);
            // The kernel keeps an Ethernet header and 256 bytes of headroom/4 KiB of tailroom at most.
            if (length < 14 || (head && delta < -256) || (!head && delta > 4096 - packet.Length)) return -22;
            var resized = new byte[length];
            if (head) packet.AsSpan(Math.Max(0, delta)).CopyTo(resized.AsSpan(Math.Max(0, -delta)));
            else packet.AsSpan(0, (int)Math.Min(length, packet.Length)).CopyTo(resized);
            PacketBuffers.Replace(_data, resized);
            _dataEnd = (uint)length;
            return 0;
        }

        /// <summary>.NET only: the packet's bytes as a program left them (the array <see cref="ForPacket"/> was given, or one a helper made anew).</summary>
        public readonly byte[] PacketBytes() => PacketBuffers.Of(_data);
    }

    /// <summary>What an XDP program does with the packet (<c>enum xdp_action</c>): its return value.</summary>
    public enum XdpAction
    {
        /// <summary>Drop it, as an error (traced as <c>xdp_exception</c>).</summary>
        Aborted = 0,
        /// <summary>Drop it.</summary>
        Drop = 1,
        /// <summary>Let it go on to the network stack.</summary>
        Pass = 2,
        /// <summary>Send it back out of the interface it came in on.</summary>
        Tx = 3,
        /// <summary>Send it where a redirect helper said.</summary>
        Redirect = 4,
    }

    /// <summary>How an XDP program is attached to an interface (<c>XDP_FLAGS_*_MODE</c>).</summary>
    public enum XdpMode : uint
    {
        /// <summary>The driver's mode where it has one, the generic mode otherwise (the kernel chooses).</summary>
        Default = 0,
        /// <summary>Generic XDP, in the network stack: every interface, slower (<c>XDP_FLAGS_SKB_MODE</c>).</summary>
        Generic = 1 << 1,
        /// <summary>In the driver, before the stack allocates anything (<c>XDP_FLAGS_DRV_MODE</c>).</summary>
        Native = 1 << 2,
        /// <summary>On the network card (<c>XDP_FLAGS_HW_MODE</c>).</summary>
        Offload = 1 << 3,
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// The context of tc (tcx), socket filter and cgroup skb programs (<c>struct __sk_buff</c>): the packet's metadata, and its
    /// bytes through <see cref="GetPacketRefOrNullRef{T}"/>, <see cref="TryReadPacket{T}"/> and <see cref="TryWritePacket{T}"/>
    /// (a socket filter reads them with <c>bpf_skb_load_bytes</c>, and cannot write them).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct SkBuff
    {
        /// <summary>The packet's length in bytes.</summary>
        public uint Len;
        /// <summary>The packet type (<c>PACKET_HOST</c>, <c>PACKET_BROADCAST</c>, ...).</summary>
        public uint PacketType;
        /// <summary>The packet's mark (tc, cgroup skb and lwt programs may set it).</summary>
        public uint Mark;
        /// <summary>The transmit queue.</summary>
        public uint QueueMapping;
        /// <summary>The link-layer protocol, in network byte order (<c>ETH_P_IP</c> is 0x0008 read on a little-endian machine).</summary>
        public uint Protocol;
        /// <summary>1 when the packet carries a VLAN tag.</summary>
        public uint VlanPresent;
        /// <summary>The VLAN tag.</summary>
        public uint VlanTci;
        /// <summary>The VLAN protocol.</summary>
        public uint VlanProto;
        /// <summary>The packet's priority (tc, cgroup skb, sk_skb and lwt programs may set it).</summary>
        public uint Priority;
        /// <summary>The interface the packet came in on.</summary>
        public uint IngressInterfaceIndex;
        /// <summary>The interface the packet is on.</summary>
        public uint InterfaceIndex;
        /// <summary>The tc index (tc and sk_skb programs may set it).</summary>
        public uint TcIndex;
        /// <summary>The control buffer (<c>cb</c>): 20 bytes a program may use to pass values along (tc, cgroup skb, socket filter and lwt programs may write it).</summary>
        public SkBuffControlBuffer ControlBuffer;
        /// <summary>The packet's flow hash.</summary>
        public uint Hash;
        /// <summary>The tc class id (tc programs may set it; the kernel keeps its low 16 bits).</summary>
        public uint TcClassid;
        private uint _data;
        private uint _dataEnd;
        /// <summary>The NAPI id the packet came in through.</summary>
        public uint NapiId;
        /// <summary>The socket's address family (cgroup skb, sk_skb).</summary>
        public uint Family;
        /// <summary>The socket's remote IPv4 address, in network byte order.</summary>
        public uint RemoteIp4;
        /// <summary>The socket's local IPv4 address, in network byte order.</summary>
        public uint LocalIp4;
        /// <summary>The socket's remote IPv6 address, in network byte order.</summary>
        public fixed uint RemoteIp6[4];
        /// <summary>The socket's local IPv6 address, in network byte order.</summary>
        public fixed uint LocalIp6[4];
        /// <summary>The socket's remote port, in network byte order.</summary>
        public uint RemotePort;
        /// <summary>The socket's local port, in host byte order.</summary>
        public uint LocalPort;
        private uint _dataMeta;

        /// <summary>
        /// A context for running a tc, socket filter or cgroup skb program as .NET code on <paramref name="packet"/> (a unit test of
        /// a packet filter): its packet access reads and writes that array, and <see cref="Len"/> is its length.
        /// </summary>
        public static SkBuff ForPacket(byte[] packet, uint protocol = 0x0008, uint interfaceIndex = 1)
            => new SkBuff { _data = PacketBuffers.Register(packet), _dataEnd = (uint)packet.Length, Len = (uint)packet.Length, Protocol = protocol, InterfaceIndex = interfaceIndex, IngressInterfaceIndex = interfaceIndex };

        /// <summary>
        /// The packet's length in bytes (<c>data_end - data</c>: for an skb, its linear part). In a .NET run, the length of the
        /// array the context was made for.
        /// </summary>
        public readonly int PacketLength => PacketBuffers.Of(_data).Length;

        /// <summary>
        /// A reference to the <typeparamref name="T"/> (a header, say) at byte <paramref name="offset"/> of the packet's linear part, which
        /// reads and writes the packet in place, or a null reference when the packet ends before it or the offset is negative
        /// or the value would end past byte 65,535: test it with <c>Unsafe.IsNullRef</c> before use (BPF0015). The compiler emits the comparison with
        /// the packet's end that the verifier needs. A helper that changes the packet (adjusting its head or tail) ends every
        /// reference taken before it.
        /// </summary>
        public readonly ref T GetPacketRefOrNullRef<T>(int offset) where T : unmanaged => ref PacketBuffers.At<T>(PacketBuffers.Of(_data), offset);

        /// <summary>Copies the <typeparamref name="T"/> at byte <paramref name="offset"/> of the packet; false (and <paramref name="value"/> zeroed) when the packet ends before it.</summary>
        public readonly bool TryReadPacket<T>(int offset, out T value) where T : unmanaged
            => PacketBuffers.TryRead(PacketBuffers.Of(_data), offset, out value);

        /// <summary>Writes <paramref name="value"/> at byte <paramref name="offset"/> of the packet; false (nothing written) when the packet ends before its end.</summary>
        public readonly bool TryWritePacket<T>(int offset, in T value) where T : unmanaged
            => PacketBuffers.TryWrite(PacketBuffers.Of(_data), offset, in value);

        /// <summary>.NET only: the packet's bytes as a program left them (the array <see cref="ForPacket"/> was given, or one a helper made anew).</summary>
        public readonly byte[] PacketBytes() => PacketBuffers.Of(_data);

        /// <summary>The .NET side of the checksum helpers.</summary>
        internal readonly long ReplaceChecksum(uint offset, ulong from, ulong to, ulong size, bool pseudo)
        {
            var packet = PacketBuffers.Of(_data);
            if (size is not (2 or 4) || offset > int.MaxValue - 2 || offset + 2 > packet.Length) return size is 0 or 2 or 4 ? -14 : -22;
            Span<byte> before = stackalloc byte[4], after = stackalloc byte[4];
            // The values are as the packet holds them: their bytes in memory order.
            BitConverter.TryWriteBytes(before, (uint)from);
            BitConverter.TryWriteBytes(after, (uint)to);
            ushort current = (ushort)(packet[offset] << 8 | packet[offset + 1]);
            ushort updated = Bpf.UpdatedChecksum(current, before[..(int)size], after[..(int)size]);
            packet[offset] = (byte)(updated >> 8);
            packet[offset + 1] = (byte)updated;
            return 0;
        }

        /// <summary>The .NET side of <c>bpf_skb_change_head</c>.</summary>
        internal long Grow(int length)
        {
            var packet = PacketBuffers.Of(_data);
            if (_data == 0 || length > 4096) return -22;
            var grown = new byte[packet.Length + length];
            packet.CopyTo(grown, length);
            PacketBuffers.Replace(_data, grown);
            _dataEnd = (uint)grown.Length;
            Len = (uint)grown.Length;
            return 0;
        }

        /// <summary>The .NET side of <c>bpf_skb_change_tail</c>.</summary>
        internal long Resize(int length)
        {
            var packet = PacketBuffers.Of(_data);
            if (_data == 0 || length < 14 || length > packet.Length + 4096) return -22;
            var resized = new byte[length];
            packet.AsSpan(0, Math.Min(length, packet.Length)).CopyTo(resized);
            PacketBuffers.Replace(_data, resized);
            _dataEnd = (uint)length;
            Len = (uint)length;
            return 0;
        }

    }

    /// <summary>The five 32-bit words of an skb's control buffer (<c>cb[5]</c>).</summary>
    [InlineArray(5)]
    public struct SkBuffControlBuffer
    {
        private uint _element;
    }

    /// <summary>What a tc program does with the packet (<c>TC_ACT_*</c>): its return value.</summary>
    public enum TcAction
    {
        /// <summary>Let the next program (tcx) or the stack decide (<c>TC_ACT_UNSPEC</c>, tcx's <c>TCX_NEXT</c>).</summary>
        Next = -1,
        /// <summary>Let the packet go on (<c>TC_ACT_OK</c>, tcx's <c>TCX_PASS</c>).</summary>
        Ok = 0,
        /// <summary>Drop it (<c>TC_ACT_SHOT</c>, tcx's <c>TCX_DROP</c>).</summary>
        Shot = 2,
        /// <summary>Send it where a redirect helper said (<c>TC_ACT_REDIRECT</c>).</summary>
        Redirect = 7,
    }

    /// <summary>Which traffic of an interface a tcx program sees.</summary>
    public enum TcxDirection
    {
        /// <summary>Packets the interface receives.</summary>
        Ingress,
        /// <summary>Packets the interface sends.</summary>
        Egress,
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// The context of cgroup sock_addr programs (<c>struct bpf_sock_addr</c>: <c>cgroup/connect4</c>, <c>bind6</c>,
    /// <c>sendmsg4</c> and the like): the address a socket is about to connect, bind or send to, which the program may
    /// read and rewrite, and return 1 to allow the call or 0 to refuse it (EPERM). An IPv4 hook reads and writes
    /// <see cref="UserIp4"/>, an IPv6 hook <see cref="UserIp6"/>; any other access is a build error, as the verifier refuses it.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrContext
    {
        /// <summary>The family of the address the call was given (2 AF_INET, 10 AF_INET6).</summary>
        public uint UserFamily;
        /// <summary>IPv4 hooks: the address, in network byte order (writable).</summary>
        public uint UserIp4;
        /// <summary>IPv6 hooks: the address, as four 32-bit words in network byte order (writable).</summary>
        public SockAddrIp6 UserIp6;
        /// <summary>The port, in network byte order in the low 16 bits (writable); <see cref="Port"/> gives it in host order.</summary>
        public uint UserPort;
        /// <summary>The socket's family.</summary>
        public uint Family;
        /// <summary>The socket's type (1 SOCK_STREAM, 2 SOCK_DGRAM).</summary>
        public uint Type;
        /// <summary>The socket's protocol (<see cref="IpProtocol"/>).</summary>
        public uint Protocol;
        /// <summary>sendmsg4 hooks: the source address of the message, in network byte order (writable).</summary>
        public uint MsgSrcIp4;
        /// <summary>sendmsg6 hooks: the source address of the message (writable).</summary>
        public SockAddrIp6 MsgSrcIp6;
        private ulong _socket;

        /// <summary>The port, in host byte order.</summary>
        [BpfFieldView(nameof(UserPort), NetworkOrder = true, Shift = 16)]
        public readonly int Port => (int)(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(UserPort) >> 16);
    }

    /// <summary>An IPv6 address in a sock_addr context: four 32-bit words, each in network byte order.</summary>
    [InlineArray(4)]
    public struct SockAddrIp6
    {
        private uint _element;
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// The context of cgroup sysctl programs (<c>struct bpf_sysctl</c>, <c>cgroup/sysctl</c>): a read or write of a file under
    /// <c>/proc/sys</c> by a process of the cgroup, which the program sees through <see cref="Bpf.SysctlGetName"/>,
    /// <see cref="Bpf.SysctlGetCurrentValue"/> and <see cref="Bpf.SysctlGetNewValue"/>, may change with
    /// <see cref="Bpf.SysctlSetNewValue"/>, and allows by returning 1 or refuses by returning 0 (EPERM).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SysctlContext
    {
        /// <summary>1 for a write, 0 for a read.</summary>
        public uint Write;
        /// <summary>The position in the file the access is at (writable).</summary>
        public uint FilePosition;
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// The context of cgroup sockopt programs (<c>struct bpf_sockopt</c>: <c>cgroup/setsockopt</c>, <c>cgroup/getsockopt</c>):
    /// a process of the cgroup setting or getting a socket option. The option's value is read and written in place through
    /// <see cref="GetValueRefOrNullRef{T}"/>, <see cref="TryReadValue{T}"/> and <see cref="TryWriteValue{T}"/> (bounded by
    /// the compiler as packet bytes are); the program returns 1 to let the call go on or 0 to refuse it (EPERM).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockoptContext
    {
        private ulong _socket;
        private ulong _value;
        private ulong _valueEnd;
        /// <summary>The option's level (1 SOL_SOCKET, 6 IPPROTO_TCP, ...); a setsockopt program may change it.</summary>
        public int Level;
        /// <summary>The option's name (SO_*, TCP_*, ...); a setsockopt program may change it.</summary>
        public int OptionName;
        /// <summary>The value's length in bytes; the program may change it (to shorten the value, or -1 to let the kernel handle the call as it came in setsockopt).</summary>
        public int OptionLength;
        /// <summary>getsockopt programs: what the kernel's getsockopt returned (0 or a negative errno), which the program may change.</summary>
        public int ReturnValue;

        /// <summary>
        /// A context for running a sockopt program as .NET code on an option's <paramref name="value"/> (a unit test): its
        /// value access reads and writes that array.
        /// </summary>
        public static SockoptContext ForOption(int level, int optionName, byte[] value)
            => new SockoptContext { _value = PacketBuffers.Register(value), Level = level, OptionName = optionName, OptionLength = value.Length };

        /// <summary>
        /// A reference to the <typeparamref name="T"/> at byte <paramref name="offset"/> of the option's value, or a null
        /// reference where the value ends before it: test it with <c>Unsafe.IsNullRef</c> before use (BPF0015).
        /// </summary>
        public readonly ref T GetValueRefOrNullRef<T>(int offset) where T : unmanaged => ref PacketBuffers.At<T>(PacketBuffers.Of((uint)_value), offset);

        /// <summary>Copies the <typeparamref name="T"/> at byte <paramref name="offset"/> of the option's value; false (and <paramref name="value"/> zeroed) when the value ends before it.</summary>
        public readonly bool TryReadValue<T>(int offset, out T value) where T : unmanaged
            => PacketBuffers.TryRead(PacketBuffers.Of((uint)_value), offset, out value);

        /// <summary>Writes <paramref name="value"/> at byte <paramref name="offset"/> of the option's value; false (nothing written) when the value ends before its end.</summary>
        public readonly bool TryWriteValue<T>(int offset, in T value) where T : unmanaged
            => PacketBuffers.TryWrite(PacketBuffers.Of((uint)_value), offset, in value);
    }
}

