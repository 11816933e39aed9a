using System;
using System.Collections.Generic;
using System.Net;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>How <see cref="BpfProgramHandle.AttachTc"/> attaches a tc program to an interface.</summary>
    public enum TcAttachMode
    {
        /// <summary>Through tcx where the kernel has it (6.6 and later), else through the clsact qdisc.</summary>
        Auto,

        /// <summary>Through tcx, with a BPF link (kernel 6.6 and later), as <see cref="BpfProgramHandle.AttachTcx"/> does.</summary>
        Tcx,

        /// <summary>
        /// Through the clsact qdisc, made if the interface has none, and a <c>bpf</c> filter in direct-action mode, as
        /// <c>tc qdisc add dev IF clsact; tc filter add dev IF ingress bpf da obj ...</c> does: every kernel since 4.5,
        /// no link.
        /// </summary>
        Clsact,
    }

    /// <summary>
    /// A tc program attached to an interface's ingress or egress by <see cref="BpfProgramHandle.AttachTc"/>: a tcx link, or a
    /// <c>bpf</c> filter on the clsact qdisc. Disposing it detaches the program. The filter is deleted in the network
    /// namespace it was added in; if this process made the clsact qdisc (for this attachment or another) and no filter is
    /// left on the interface's ingress or egress, the qdisc is deleted too, so the interface is left as it was found. A
    /// qdisc that was there before is left. The <see cref="BpfObject"/> of the program owns the attachment too, and
    /// detaches it when disposed.
    /// </summary>
    public sealed class BpfTcAttachment : IDisposable
    {
        /// <summary>The clsact qdiscs this process made, by network namespace (its cookie) and interface index.</summary>
        private static readonly HashSet<(ulong Namespace, int Interface)> s_qdiscsMade = new HashSet<(ulong, int)>();

        private readonly BpfObject? _owner;
        private readonly RouteNetlinkSocket? _socket;
        private readonly TcMessage _filter;
        private readonly ulong _namespace;
        private readonly object _gate = new object();
        private bool _disposed;

        private BpfTcAttachment(BpfLink link, string interfaceName, TcxDirection direction)
        {
            Mode = TcAttachMode.Tcx;
            Link = link;
            InterfaceName = interfaceName;
            Direction = direction;
            Description = link.Description;
        }

        private BpfTcAttachment(BpfObject owner, RouteNetlinkSocket socket, ulong @namespace, TcMessage filter, string interfaceName, TcxDirection direction, string description)
        {
            Mode = TcAttachMode.Clsact;
            _owner = owner;
            _socket = socket;
            _namespace = @namespace;
            _filter = filter;
            InterfaceName = interfaceName;
            Direction = direction;
            Description = description;
        }

        /// <summary>How the program is attached: <see cref="TcAttachMode.Tcx"/> or <see cref="TcAttachMode.Clsact"/>, never Auto.</summary>
        public TcAttachMode Mode { get; }

        /// <summary>The tcx link; null for a clsact filter, which makes no link.</summary>
        public BpfLink? Link { get; }

        /// <summary>The interface the program is attached to.</summary>
        public string InterfaceName { get; }

        /// <summary>The traffic it sees.</summary>
        public TcxDirection Direction { get; }

        /// <summary>The clsact filter's priority (<c>pref</c> in <c>tc filter show</c>), which the kernel chose; 0 for tcx.</summary>
        public int Priority => Mode == TcAttachMode.Clsact ? (int)(_filter.Info >> 16) : 0;

        /// <summary>The clsact filter's handle, which the kernel chose; 0 for tcx.</summary>
        public uint Handle => _filter.Handle;

        /// <summary>What is attached where, such as <c>clsact ingress of 'lo' (bpf filter pref 49152 handle 0x1) -> OnIngress</c>.</summary>
        public string Description { get; }

        /// <summary>True once the program has been detached by <see cref="Dispose"/>.</summary>
        public bool IsDisposed => Link?.IsDisposed ?? _disposed;

        /// <summary>
        /// Detaches the program: closes the tcx link, or deletes the clsact filter (<c>RTM_DELTFILTER</c>) and then the
        /// clsact qdisc if this process made it and no filter is left. A filter already gone (deleted by hand, with its
        /// qdisc or interface) is not an error. Safe to call more than once.
        /// </summary>
        /// <exception cref="BpfException">The kernel refused to delete the filter; it stays, with the program.</exception>
        public void Dispose()
        {
            if (Link is not null)
            {
                Link.Dispose();
                return;
            }
            lock (_gate)
            {
                if (_disposed) return;
                var request = new NetlinkRequest(NetlinkMessageType.DeleteFilter, NetlinkFlags.Ack).WithHeader(_filter);
                request.Add((ushort)TcAttribute.Kind, "bpf");
                int errno = _socket!.Transact(request, out _, out string? kernelMessage);
                // ENOENT: no such filter; EINVAL: its qdisc is gone ("Parent Qdisc doesn't exists"); ENODEV: its interface.
                if (errno != 0 && errno != Native.ENOENT && errno != Native.EINVAL && errno != Native.ENODEV)
                    throw BpfErrors.FromNetlink(errno, $"to delete the tc filter {Description} (RTM_DELTFILTER)", kernelMessage);
                _disposed = true;
                try
                {
                    DeleteQdiscIfMadeAndEmpty(_socket, _namespace, _filter.InterfaceIndex);
                }
                finally
                {
                    _socket.Dispose();
                }
            }
            _owner!.ForgetAttachment(this);
        }

        /// <inheritdoc />
        public override string ToString() => Description;

        internal static BpfTcAttachment ForLink(BpfLink link, string interfaceName, TcxDirection direction) => new BpfTcAttachment(link, interfaceName, direction);

        /// <summary>
        /// Attaches <paramref name="program"/> with a <c>bpf</c> filter (direct action, every protocol, a priority and handle
        /// the kernel chooses) on the clsact qdisc of the interface, making the qdisc if there is none.
        /// </summary>
        internal static BpfTcAttachment AttachClsact(BpfObject owner, BpfProgramHandle program, string interfaceName, int interfaceIndex, TcxDirection direction)
        {
            string where = $"clsact {direction.ToString().ToLowerInvariant()} of '{interfaceName}'";
            var socket = RouteNetlinkSocket.Open("to attach a tc filter");
            try
            {
                ulong ns = socket.NamespaceCookie;
                bool made = MakeQdisc(socket, ns, interfaceName, interfaceIndex);
                var filter = new TcMessage
                {
                    InterfaceIndex = interfaceIndex,
                    Parent = TcHandle.Make(TcHandle.Clsact, direction == TcxDirection.Ingress ? TcHandle.MinorIngress : TcHandle.MinorEgress),
                    Info = TcHandle.Make(0, (ushort)IPAddress.HostToNetworkOrder((short)TcHandle.EthernetProtocolAll)),
                };
                var request = new NetlinkRequest(NetlinkMessageType.NewFilter, NetlinkFlags.Ack | NetlinkFlags.Create | NetlinkFlags.Exclusive | NetlinkFlags.Echo)
                    .WithHeader(filter);
                request.Add((ushort)TcAttribute.Kind, "bpf");
                int errno;
                string? kernelMessage;
                List<NetlinkReply> replies;
                using (BpfFileDescriptor.Lease prog = program.Fd.Acquire())
                {
                    int options = request.BeginNested((ushort)TcAttribute.Options);
                    request.Add((ushort)TcBpfAttribute.Fd, (uint)prog.Fd);
                    request.Add((ushort)TcBpfAttribute.Name, program.Name);
                    request.Add((ushort)TcBpfAttribute.Flags, (uint)TcBpfFlags.ActDirect);
                    request.EndNested(options);
                    errno = socket.Transact(request, out replies, out kernelMessage);
                }
                if (errno != 0)
                {
                    if (made) DeleteQdiscIfMadeAndEmpty(socket, ns, interfaceIndex);
                    throw BpfErrors.FromNetlink(errno, $"to attach program '{program.Name}' to the {where} (RTM_NEWTFILTER)", kernelMessage,
                        errno switch
                        {
                            Native.EINVAL or Native.ENOENT when !made => "The interface's qdisc at ffff: may be an ingress qdisc rather than clsact (tc qdisc show dev " + interfaceName + ").",
                            Native.ENOENT or Native.EOPNOTSUPP => "The kernel may have no bpf classifier (CONFIG_NET_CLS_BPF).",
                            _ => null,
                        });
                }
                NetlinkReply? echo = replies.Find(r => r.Type == NetlinkMessageType.NewFilter);
                if (echo is null)
                    throw new BpfException($"The kernel attached program '{program.Name}' to the {where} but did not echo the filter it made, so the loader cannot delete it; delete it with tc filter del dev {interfaceName} {direction.ToString().ToLowerInvariant()}.");
                TcMessage echoed = echo.Header<TcMessage>();
                filter.Handle = echoed.Handle;
                filter.Info = echoed.Info;
                string description = $"{where} (bpf filter pref {echoed.Info >> 16} handle 0x{echoed.Handle:x}) -> {program.Name}";
                var attachment = new BpfTcAttachment(owner, socket, ns, filter, interfaceName, direction, description);
                owner.TrackAttachment(attachment);
                return attachment;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        /// <summary>Adds the clsact qdisc to the interface: true when this call made it, false when it was there.</summary>
        private static bool MakeQdisc(RouteNetlinkSocket socket, ulong ns, string interfaceName, int interfaceIndex)
        {
            lock (s_qdiscsMade)
            {
                var request = new NetlinkRequest(NetlinkMessageType.NewQdisc, NetlinkFlags.Ack | NetlinkFlags.Create | NetlinkFlags.Exclusive)
                    .WithHeader(Qdisc(interfaceIndex));
                request.Add((ushort)TcAttribute.Kind, "clsact");
                int errno = socket.Transact(request, out _, out string? kernelMessage);
                if (errno == Native.EEXIST) return false;
                if (errno != 0)
                {
                    throw BpfErrors.FromNetlink(errno, $"to add the clsact qdisc to '{interfaceName}' (RTM_NEWQDISC)", kernelMessage,
                        errno is Native.ENOENT or Native.EOPNOTSUPP ? "The kernel may have no clsact qdisc (CONFIG_NET_SCH_INGRESS)." : null);
                }
                s_qdiscsMade.Add((ns, interfaceIndex));
                return true;
            }
        }

        /// <summary>
        /// Deletes the clsact qdisc of the interface if this process made it and it holds no filter on ingress or egress
        /// (a dump of either answers with nothing).
        /// </summary>
        private static void DeleteQdiscIfMadeAndEmpty(RouteNetlinkSocket socket, ulong ns, int interfaceIndex)
        {
            lock (s_qdiscsMade)
            {
                if (!s_qdiscsMade.Contains((ns, interfaceIndex))) return;
                foreach (uint minor in new[] { TcHandle.MinorIngress, TcHandle.MinorEgress })
                {
                    var dump = new NetlinkRequest(NetlinkMessageType.GetFilter, NetlinkFlags.Dump)
                        .WithHeader(new TcMessage { InterfaceIndex = interfaceIndex, Parent = TcHandle.Make(TcHandle.Clsact, minor) });
                    int errno = socket.Transact(dump, out List<NetlinkReply> filters, out _);
                    // Another filter still uses the qdisc, or the kernel cannot say: deleting it would delete filters too.
                    if (errno != 0 || filters.Count > 0) return;
                }
                var request = new NetlinkRequest(NetlinkMessageType.DeleteQdisc, NetlinkFlags.Ack).WithHeader(Qdisc(interfaceIndex));
                request.Add((ushort)TcAttribute.Kind, "clsact");
                socket.Transact(request, out _, out _); // gone already (with its interface, or by hand) is as good
                s_qdiscsMade.Remove((ns, interfaceIndex));
            }
        }

        private static TcMessage Qdisc(int interfaceIndex) => new TcMessage { InterfaceIndex = interfaceIndex, Handle = TcHandle.ClsactQdisc, Parent = TcHandle.Clsact };
    }
}
