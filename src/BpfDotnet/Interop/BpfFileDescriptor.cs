using System;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// A file descriptor for a kernel object (BPF program, map, link, BTF, or perf event).
    /// Closing the handle releases the process's reference; the kernel frees the object once
    /// no file descriptor, link or pin refers to it.
    /// </summary>
    public sealed class BpfFileDescriptor : SafeHandle
    {
        /// <summary>Creates an invalid handle (used by the marshaller).</summary>
        public BpfFileDescriptor()
            : base(new IntPtr(-1), ownsHandle: true)
        {
        }

        /// <summary>Wraps an existing file descriptor.</summary>
        /// <param name="fd">The descriptor number.</param>
        /// <param name="ownsHandle">Whether disposing this handle closes the descriptor.</param>
        public BpfFileDescriptor(int fd, bool ownsHandle = true)
            : base(new IntPtr(-1), ownsHandle)
        {
            SetHandle(new IntPtr(fd));
        }

        /// <summary>The descriptor number, or -1 when invalid. Throws when the handle has been closed.</summary>
        public int Value
        {
            get
            {
                if (IsClosed) throw new ObjectDisposedException(nameof(BpfFileDescriptor), "The kernel object's file descriptor has been closed.");
                return (int)handle.ToInt64();
            }
        }

        private uint _kernelId;

        /// <summary>
        /// The kernel id of the object this descriptor refers to (the <c>u32</c> at <paramref name="idOffset"/> of its
        /// BPF_OBJ_GET_INFO_BY_FD record), read on first use and kept; 0 when the descriptor was closed before that.
        /// </summary>
        internal uint KernelId(int idOffset)
        {
            if (_kernelId != 0 || IsClosed) return _kernelId;
            try
            {
                using var lease = Acquire();
                return _kernelId = Interop.BpfSyscalls.ObjId(lease.Fd, idOffset);
            }
            catch (ObjectDisposedException)
            {
                return 0;
            }
        }

        /// <summary>
        /// Takes a reference on the handle for the duration of a system call, so a concurrent
        /// <see cref="SafeHandle.Dispose()"/> cannot close (and the kernel reuse) the descriptor mid-call.
        /// </summary>
        internal Lease Acquire()
        {
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(nameof(BpfFileDescriptor), "The kernel object's file descriptor has been closed (its owner was disposed).");
            }
            return new Lease(this, (int)handle.ToInt64());
        }

        /// <summary>A reference taken by <see cref="Acquire"/>; dispose it when the system call returns.</summary>
        internal readonly struct Lease : IDisposable
        {
            private readonly BpfFileDescriptor _owner;

            internal Lease(BpfFileDescriptor owner, int fd)
            {
                _owner = owner;
                Fd = fd;
            }

            /// <summary>The descriptor number, valid until the lease is disposed.</summary>
            public int Fd { get; }

            public void Dispose() => _owner.DangerousRelease();
        }

        /// <summary>True when the handle does not hold a descriptor.</summary>
        public override bool IsInvalid => handle.ToInt64() < 0;

        /// <inheritdoc />
        protected override bool ReleaseHandle() => Interop.Native.close((int)handle.ToInt64()) == 0;

        /// <inheritdoc />
        public override string ToString() => IsClosed ? "fd (closed)" : "fd " + handle.ToInt64();
    }
}
