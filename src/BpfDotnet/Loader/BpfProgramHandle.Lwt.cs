using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>Lightweight-tunnel programs: attached to a route through its BPF encapsulation.</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>
        /// Attaches the program, a lightweight-tunnel program, to a new route to <paramref name="destination"/> (a prefix
        /// such as <c>10.1.0.0/24</c> or <c>2001:db8::/64</c>, or one address) through <paramref name="interfaceName"/>,
        /// as <c>ip route add DESTINATION [via GATEWAY] dev INTERFACE encap bpf in|out|xmit obj ...</c> does. See
        /// <see cref="AttachToRoute(IPNetwork, string, IPAddress?, int)"/>.
        /// </summary>
        /// <exception cref="ArgumentException"><paramref name="destination"/> is not an address or prefix, has bits set after
        /// its prefix, or its family is not the gateway's; or a headroom is given to a program that is not lwt_xmit.</exception>
        /// <exception cref="BpfException">The program is not a lightweight-tunnel program, there is no such interface, the
        /// route exists already, or the kernel refused the route.</exception>
        public BpfRouteAttachment AttachToRoute(string destination, string interfaceName, IPAddress? gateway = null, int xmitHeadroom = 0)
        {
            ArgumentNullException.ThrowIfNull(destination);
            return AttachToRoute(ParseDestination(destination), interfaceName, gateway, xmitHeadroom);
        }

        /// <summary>
        /// Attaches the program, a lightweight-tunnel program (section <c>lwt_in</c>, <c>lwt_out</c> or <c>lwt_xmit</c>,
        /// context <see cref="SkBuff"/>), to a new route to <paramref name="destination"/> in the main routing table of the
        /// calling thread's network namespace, through <paramref name="interfaceName"/> (and <paramref name="gateway"/>
        /// when given). The route's BPF encapsulation holds the program at the hook its type names: an lwt_in program
        /// sees the packets received and routed by the route (forwarded), an lwt_out program the packets this host sends
        /// through it, before the output path, an lwt_xmit program those packets again just before they are transmitted
        /// (it may change them, and push headers into <paramref name="xmitHeadroom"/> bytes reserved in front). Packets
        /// to other destinations never reach it.
        /// </summary>
        /// <param name="destination">The route's destination prefix, IPv4 or IPv6; a default route is <c>0.0.0.0/0</c>.</param>
        /// <param name="interfaceName">The interface the route sends through.</param>
        /// <param name="gateway">The next hop, an address of the same family on the interface's network; null for a destination on the link.</param>
        /// <param name="xmitHeadroom">For an lwt_xmit program: the bytes of headroom it needs in front of the packet, up to 256.</param>
        /// <returns>The route; dispose it to delete the route. The program's <see cref="BpfObject"/> deletes it too when disposed.</returns>
        /// <exception cref="ArgumentException">The gateway's family is not the destination's, or a headroom is given to a program that is not lwt_xmit.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="xmitHeadroom"/> is negative or more than 256.</exception>
        /// <exception cref="BpfException">The program is not a lightweight-tunnel program, there is no such interface, a route
        /// to the destination exists already, or the kernel refused the route (its message is quoted).</exception>
        public BpfRouteAttachment AttachToRoute(IPNetwork destination, string interfaceName, IPAddress? gateway = null, int xmitHeadroom = 0)
        {
            ArgumentNullException.ThrowIfNull(interfaceName);
            ArgumentOutOfRangeException.ThrowIfNegative(xmitHeadroom);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(xmitHeadroom, LightweightTunnel.MaxHeadroom);
            _owner.ThrowIfDisposed();
            LwtBpfAttribute hook = Type switch
            {
                BpfProgramType.LwtIn => LwtBpfAttribute.In,
                BpfProgramType.LwtOut => LwtBpfAttribute.Out,
                BpfProgramType.LwtXmit => LwtBpfAttribute.Xmit,
                _ => throw new BpfException($"Program '{Name}' is a {Type} program; a route's BPF encapsulation runs lightweight-tunnel programs (sections lwt_in, lwt_out, lwt_xmit, context SkBuff)."),
            };
            if (xmitHeadroom != 0 && hook != LwtBpfAttribute.Xmit)
                throw new ArgumentException($"Only an lwt_xmit program is given headroom; '{Name}' is a {Type} program.", nameof(xmitHeadroom));
            if (gateway is not null && gateway.AddressFamily != destination.BaseAddress.AddressFamily)
                throw new ArgumentException($"The gateway {gateway} is not of the destination {destination}'s address family.", nameof(gateway));
            uint index = if_nametoindex(interfaceName);
            if (index == 0) throw new BpfException($"There is no network interface named '{interfaceName}' (in this thread's network namespace).", Native.ENODEV);
            return BpfRouteAttachment.Add(_owner, this, hook, destination, interfaceName, (int)index, gateway, xmitHeadroom);
        }

        /// <summary><c>ADDRESS/PREFIX</c>, or one address (a prefix of all its bits).</summary>
        private static IPNetwork ParseDestination(string destination)
        {
            int slash = destination.IndexOf('/');
            string addressText = slash < 0 ? destination : destination.Substring(0, slash);
            if (!IPAddress.TryParse(addressText, out IPAddress? address))
                throw new ArgumentException($"'{destination}' is not an IPv4 or IPv6 address or prefix (such as 10.1.0.0/24 or 2001:db8::/64).", nameof(destination));
            int bits = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
            int prefix = bits;
            if (slash >= 0 && (!int.TryParse(destination.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > bits))
                throw new ArgumentException($"'{destination}' has no prefix length from 0 to {bits} after its '/'.", nameof(destination));
            IPAddress network = Truncate(address, prefix);
            if (!network.GetAddressBytes().AsSpan().SequenceEqual(address.GetAddressBytes()))
                throw new ArgumentException($"'{destination}' has bits set after its {prefix}-bit prefix; a route's destination is the network's first address ({network}/{prefix}).", nameof(destination));
            return new IPNetwork(network, prefix);
        }

        /// <summary><paramref name="address"/> with the bits after <paramref name="prefix"/> cleared.</summary>
        private static IPAddress Truncate(IPAddress address, int prefix)
        {
            byte[] bytes = address.GetAddressBytes();
            for (int bit = prefix; bit < bytes.Length * 8; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
            return new IPAddress(bytes);
        }
    }
}
