using System;
using System.Net.Sockets;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>Socket filters: a program attached to one socket, deciding what of each packet it receives.</summary>
    public sealed partial class BpfProgramHandle
    {
        private const int SolSocket = 1;
        private const int SoAttachBpf = 50;
        private const int SoDetachBpf = 27;

        /// <summary>
        /// Attaches the program, a socket filter (section <c>socket</c>), to <paramref name="socket"/>
        /// (<c>SO_ATTACH_BPF</c>): for each packet the socket would receive, the program returns how many bytes of it to
        /// keep (0 drops it). Disposing the result detaches it (<c>SO_DETACH_BPF</c>); closing the socket does too.
        /// </summary>
        /// <exception cref="BpfException">The program is not a socket filter, or the kernel refused the attachment.</exception>
        public IDisposable AttachToSocket(Socket socket)
        {
            ArgumentNullException.ThrowIfNull(socket);
            _owner.ThrowIfDisposed();
            if (Type != BpfProgramType.SocketFilter)
                throw new BpfException($"Program '{Name}' is a {Type} program; a socket runs socket filter programs (section 'socket').");
            int r, errno;
            bool added = false;
            socket.SafeHandle.DangerousAddRef(ref added);
            try
            {
                using BpfFileDescriptor.Lease prog = Fd.Acquire();
                r = Native.SetSocketOption((int)socket.SafeHandle.DangerousGetHandle(), SolSocket, SoAttachBpf, prog.Fd, out errno);
            }
            finally
            {
                if (added) socket.SafeHandle.DangerousRelease();
            }
            if (r < 0) throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to a socket (setsockopt SO_ATTACH_BPF)");
            return new SocketFilter(socket);
        }

        private sealed class SocketFilter : IDisposable
        {
            private Socket? _socket;

            public SocketFilter(Socket socket) => _socket = socket;

            public void Dispose()
            {
                var socket = System.Threading.Interlocked.Exchange(ref _socket, null);
                if (socket is null || socket.SafeHandle.IsClosed) return;
                bool added = false;
                try
                {
                    socket.SafeHandle.DangerousAddRef(ref added);
                    Native.SetSocketOption((int)socket.SafeHandle.DangerousGetHandle(), SolSocket, SoDetachBpf, 0, out _);
                }
                catch (ObjectDisposedException)
                {
                }
                finally
                {
                    if (added) socket.SafeHandle.DangerousRelease();
                }
            }
        }
    }
}
