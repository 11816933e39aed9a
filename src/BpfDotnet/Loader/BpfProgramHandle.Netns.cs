using System;
using System.Collections.Generic;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>Programs attached to a network namespace: sk_lookup (and flow dissectors).</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>
        /// Attaches the program, an sk_lookup or flow dissector program, to the network namespace at
        /// <paramref name="namespacePath"/> (<c>/proc/self/ns/net</c>, this process's, by default; <c>/run/netns/NAME</c>
        /// for one <c>ip netns add</c> made) with a link: it runs for the packets arriving in that namespace.
        /// </summary>
        /// <exception cref="BpfException">The program is of another type, the path is not a network namespace, or the kernel refused.</exception>
        public BpfLink AttachNetworkNamespace(string namespacePath = "/proc/self/ns/net")
        {
            ArgumentNullException.ThrowIfNull(namespacePath);
            _owner.ThrowIfDisposed();
            if (Type is not (BpfProgramType.SkLookup or BpfProgramType.FlowDissector))
                throw new BpfException($"Program '{Name}' is a {Type} program; a network namespace runs sk_lookup and flow dissector programs (sections sk_lookup, flow_dissector).");
            int netns = Native.OpenReadOnly(namespacePath, out int errno);
            if (netns < 0)
                throw BpfErrors.FromErrno(errno, $"to open network namespace '{namespacePath}'", errno == Native.ENOENT ? "Give /proc/<pid>/ns/net, or /run/netns/<name> for a namespace ip netns made." : null);
            using var ns = new BpfFileDescriptor(netns);
            int lfd = CreateLink(netns, _kind.ExpectedAttach, 0, out errno);
            string what = $"network namespace '{namespacePath}' ({_kind.ExpectedAttach})";
            if (lfd < 0)
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to {what} (BPF_LINK_CREATE)",
                    errno == Native.EINVAL ? "The path may not be a network namespace, or the kernel predates links of this kind (sk_lookup 5.9)." : null);
            return Track(new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>()));
        }
    }
}
