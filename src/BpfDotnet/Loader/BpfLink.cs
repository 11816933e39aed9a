using System;
using System.Collections.Generic;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// An attachment of a program to a hook (a BPF link). Disposing it detaches the program. A tracepoint link
    /// also owns the perf event it was created on.
    /// </summary>
    public sealed class BpfLink : IDisposable
    {
        private readonly List<BpfFileDescriptor> _owned;
        private bool _disposed;

        internal BpfLink(BpfFileDescriptor linkFd, string description, List<BpfFileDescriptor> owned)
        {
            Fd = linkFd;
            Description = description;
            _owned = owned;
        }

        /// <summary>The link's kernel id (as <c>bpftool link list</c> shows it).</summary>
        public uint Id => Fd.KernelId(4);

        /// <summary>The link's file descriptor.</summary>
        public BpfFileDescriptor Fd { get; }

        /// <summary>What the link attaches, such as <c>tracepoint syscalls/sys_enter_openat</c>.</summary>
        public string Description { get; }

        /// <summary>True once the link has been disposed (the program is detached).</summary>
        public bool IsDisposed => _disposed;

        /// <summary>Called by the owner on disposal, so it can forget the link.</summary>
        internal event Action<BpfLink>? Disposed;

        /// <summary>Detaches the program: closes the link and any perf events it owns. Safe to call more than once.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Fd.Dispose();
            foreach (BpfFileDescriptor fd in _owned) fd.Dispose();
            Disposed?.Invoke(this);
        }

        /// <inheritdoc />
        public override string ToString() => $"link {Id}: {Description}";
    }
}
