using System;
using System.Collections.Generic;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>Programs attached to a map of sockets: sk_msg and sk_skb programs run for the sockets in it.</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>
        /// Attaches the program, an sk_msg (or sk_skb stream parser or verdict) program, to <paramref name="sockets"/> (a
        /// sockmap) with a link (kernel 6.10+): it runs for the sockets user space puts in the map.
        /// </summary>
        /// <exception cref="BpfException">The program or the map is of another type, or the kernel refused.</exception>
        public BpfLink AttachToSockMap(BpfMapHandle sockets)
        {
            ArgumentNullException.ThrowIfNull(sockets);
            _owner.ThrowIfDisposed();
            if (Type is not (BpfProgramType.SkMsg or BpfProgramType.SkSkb) || _kind.ExpectedAttach == 0)
                throw new BpfException($"Program '{Name}' is in section '{SectionName}'; a sockmap runs sk_msg and sk_skb/stream_parser or sk_skb/stream_verdict programs.");
            if (sockets.Type is not (BpfMapType.Sockmap or BpfMapType.Sockhash))
                throw new BpfException($"Map '{sockets.Name}' is a {sockets.Type} map; sk_msg and sk_skb programs attach to maps of sockets (BpfSockMap, BpfSockHash).");
            int lfd, errno;
            using (BpfFileDescriptor.Lease map = sockets.Fd.Acquire())
            {
                lfd = CreateLink(map.Fd, _kind.ExpectedAttach, 0, out errno);
            }
            string what = $"sockmap '{sockets.Name}' ({_kind.ExpectedAttach})";
            if (lfd < 0)
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to {what} (BPF_LINK_CREATE)",
                    errno == Native.EINVAL ? "The kernel may predate sockmap links (6.10)." : errno == Native.EBUSY ? "A program is attached to the map at this hook already." : null);
            return Track(new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>()));
        }

        /// <inheritdoc cref="AttachToSockMap(BpfMapHandle)"/>
        public BpfLink AttachToSockMap<TKey, TValue>(BpfMapHandle<TKey, TValue> sockets) where TKey : unmanaged where TValue : unmanaged
        {
            ArgumentNullException.ThrowIfNull(sockets);
            return AttachToSockMap(sockets.Handle);
        }
    }
}
