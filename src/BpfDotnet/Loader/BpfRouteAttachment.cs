using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>
    /// A lightweight-tunnel program attached to a route (<see cref="BpfProgramHandle.AttachToRoute(IPNetwork, string, IPAddress?, int)"/>):
    /// a route in the main table whose BPF encapsulation holds the program, as <c>ip route add ... encap bpf</c> makes.
    /// Disposing it deletes that route, in the network namespace it was added in. The <see cref="BpfObject"/> of the
    /// program owns it too, and deletes it when disposed.
    /// </summary>
    public sealed class BpfRouteAttachment : IDisposable
    {
        private readonly RouteNetlinkSocket _socket;
        private readonly RouteMessage _route;
        private readonly int _interfaceIndex;
        private readonly BpfObject _owner;
        private readonly object _gate = new object();
        private bool _disposed;

        private BpfRouteAttachment(BpfObject owner, RouteNetlinkSocket socket, RouteMessage route, IPNetwork destination, string interfaceName, int interfaceIndex, IPAddress? gateway, string description)
        {
            _owner = owner;
            _socket = socket;
            _route = route;
            Destination = destination;
            InterfaceName = interfaceName;
            _interfaceIndex = interfaceIndex;
            Gateway = gateway;
            Description = description;
        }

        /// <summary>The route's destination prefix.</summary>
        public IPNetwork Destination { get; }

        /// <summary>The interface the route sends through.</summary>
        public string InterfaceName { get; }

        /// <summary>The route's gateway; null for a destination on the link itself.</summary>
        public IPAddress? Gateway { get; }

        /// <summary>The route as <c>ip route</c> would show it, with the program: <c>10.1.0.0/24 dev eth0 encap bpf xmit -> OnXmit</c>.</summary>
        public string Description { get; }

        /// <summary>True once the route has been deleted by <see cref="Dispose"/>.</summary>
        public bool IsDisposed => _disposed;

        /// <summary>
        /// Deletes the route (<c>RTM_DELROUTE</c> of its destination, interface, gateway and protocol in the main table):
        /// the program no longer sees packets. A route already gone (deleted by hand, its interface removed) is not an
        /// error. Safe to call more than once.
        /// </summary>
        /// <exception cref="BpfException">The kernel refused to delete the route; it stays, with the program.</exception>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                int errno = _socket.Transact(Request(NetlinkMessageType.DeleteRoute, NetlinkFlags.Ack, _route, Destination, _interfaceIndex, Gateway, null),
                    out _, out string? kernelMessage);
                if (errno != 0 && errno != Native.ESRCH && errno != Native.ENODEV && errno != Native.ENOENT)
                    throw BpfErrors.FromNetlink(errno, $"to delete the route {Description} (RTM_DELROUTE)", kernelMessage);
                _disposed = true;
                _socket.Dispose();
            }
            _owner.ForgetAttachment(this);
        }

        /// <inheritdoc />
        public override string ToString() => "route " + Description;

        /// <summary>Adds the route with <paramref name="program"/> in its encapsulation at <paramref name="hook"/>.</summary>
        internal static BpfRouteAttachment Add(BpfObject owner, BpfProgramHandle program, LwtBpfAttribute hook, IPNetwork destination,
            string interfaceName, int interfaceIndex, IPAddress? gateway, int xmitHeadroom)
        {
            bool v6 = destination.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
            var route = new RouteMessage
            {
                Family = v6 ? LinuxAddressFamily.Inet6 : LinuxAddressFamily.Inet,
                DestinationLength = (byte)destination.PrefixLength,
                Table = RouteValues.TableMain,
                Protocol = RouteValues.ProtocolStatic,
                Scope = gateway is null ? RouteValues.ScopeLink : RouteValues.ScopeUniverse,
                Type = RouteValues.TypeUnicast,
            };
            string description = $"{destination}{(gateway is null ? "" : " via " + gateway)} dev {interfaceName} encap bpf {hook.ToString().ToLowerInvariant()}"
                + $"{(xmitHeadroom > 0 ? " headroom " + xmitHeadroom : "")} -> {program.Name}";
            string operation = $"to add the route {description} (RTM_NEWROUTE)";
            var socket = RouteNetlinkSocket.Open("to add a route");
            try
            {
                int errno;
                string? kernelMessage;
                using (BpfFileDescriptor.Lease prog = program.Fd.Acquire())
                {
                    var encapsulation = new Encapsulation(hook, prog.Fd, program.Name, xmitHeadroom);
                    errno = socket.Transact(Request(NetlinkMessageType.NewRoute, NetlinkFlags.Ack | NetlinkFlags.Create | NetlinkFlags.Exclusive,
                        route, destination, interfaceIndex, gateway, encapsulation), out _, out kernelMessage);
                }
                if (errno != 0)
                {
                    throw BpfErrors.FromNetlink(errno, operation, kernelMessage, errno switch
                    {
                        Native.EEXIST => $"A route to {destination} is in the main table already; delete it (ip route del {destination}) or attach to another destination.",
                        Native.ENODEV => $"The interface '{interfaceName}' is gone, or down.",
                        Native.ENETUNREACH => $"The gateway {gateway} is not on a network '{interfaceName}' reaches; give an address of its subnet.",
                        Native.EOPNOTSUPP => "The kernel has no BPF route encapsulation (CONFIG_LWTUNNEL_BPF).",
                        _ => null,
                    });
                }
                var attachment = new BpfRouteAttachment(owner, socket, route, destination, interfaceName, interfaceIndex, gateway, description);
                owner.TrackAttachment(attachment);
                return attachment;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        /// <summary>The program a new route's encapsulation holds, and where.</summary>
        private readonly record struct Encapsulation(LwtBpfAttribute Hook, int ProgramFd, string ProgramName, int XmitHeadroom);

        /// <summary>
        /// A route message: <c>rtmsg</c>, then <c>RTA_DST</c>, <c>RTA_OIF</c>, <c>RTA_GATEWAY</c> and, for a new route,
        /// <c>RTA_ENCAP_TYPE</c> (BPF) and <c>RTA_ENCAP</c> { hook { <c>LWT_BPF_PROG_FD</c>, <c>LWT_BPF_PROG_NAME</c> },
        /// <c>LWT_BPF_XMIT_HEADROOM</c> }.
        /// </summary>
        private static NetlinkRequest Request(NetlinkMessageType type, NetlinkFlags flags, RouteMessage route, IPNetwork destination,
            int interfaceIndex, IPAddress? gateway, Encapsulation? encapsulation)
        {
            var request = new NetlinkRequest(type, flags).WithHeader(route);
            request.Add((ushort)RouteAttribute.Destination, destination.BaseAddress.GetAddressBytes());
            request.Add((ushort)RouteAttribute.OutputInterface, (uint)interfaceIndex);
            if (gateway is not null) request.Add((ushort)RouteAttribute.Gateway, gateway.GetAddressBytes());
            if (encapsulation is { } e)
            {
                request.Add((ushort)RouteAttribute.EncapsulationType, BitConverter.GetBytes(LightweightTunnel.EncapsulationBpf));
                int encap = request.BeginNested((ushort)RouteAttribute.Encapsulation);
                int hook = request.BeginNested((ushort)e.Hook);
                request.Add((ushort)LwtBpfProgramAttribute.Fd, (uint)e.ProgramFd);
                request.Add((ushort)LwtBpfProgramAttribute.Name, e.ProgramName);
                request.EndNested(hook);
                if (e.XmitHeadroom > 0) request.Add((ushort)LwtBpfAttribute.XmitHeadroom, (uint)e.XmitHeadroom);
                request.EndNested(encap);
            }
            return request;
        }
    }
}
