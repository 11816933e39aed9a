using System;
using System.Collections.Generic;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// An attachment of a program to a hook (a BPF link). Disposing it detaches the program. The link of a tracepoint,
    /// kprobe, uprobe or perf event program holds the perf event it was made on, which goes with it.
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

        /// <summary>
        /// One link of several (a USDT probe at each of its locations): disposing it detaches them all. Its descriptor and
        /// id are the first's.
        /// </summary>
        internal static BpfLink Merge(List<BpfLink> parts, string description)
        {
            var owned = new List<BpfFileDescriptor>(parts[0]._owned);
            for (int i = 1; i < parts.Count; i++)
            {
                owned.Add(parts[i].Fd);
                owned.AddRange(parts[i]._owned);
            }
            return new BpfLink(parts[0].Fd, description, owned);
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

        /// <summary>
        /// For an iterator link (<see cref="BpfProgramHandle.AttachIterator"/>): starts one walk of its target and returns
        /// what the program writes as a read-only stream. Each call walks again, from the start.
        /// </summary>
        /// <exception cref="BpfException">The link is not an iterator's, or the kernel refused the walk.</exception>
        public System.IO.Stream OpenIterator()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(BpfLink), "The link " + Description + " has been disposed.");
            int fd, errno;
            using (BpfFileDescriptor.Lease lease = Fd.Acquire())
            {
                fd = BpfSyscalls.IterCreate(lease.Fd, out errno);
            }
            if (fd < 0)
                throw BpfErrors.FromErrno(errno, "to open a walk of " + Description + " (BPF_ITER_CREATE)",
                    errno == Native.EINVAL ? "Only iterator links (programs in iter/<target> sections, attached with AttachIterator) can be read." : null);
            return new BpfIteratorStream(new BpfFileDescriptor(fd), Description);
        }

        /// <summary>Walks an iterator link's target once (<see cref="OpenIterator"/>) and returns all the program wrote, as UTF-8 text.</summary>
        /// <exception cref="BpfException">The link is not an iterator's, or the kernel refused or failed the walk.</exception>
        public string ReadIterator()
        {
            using var stream = OpenIterator();
            using var reader = new System.IO.StreamReader(stream, System.Text.Encoding.UTF8);
            return reader.ReadToEnd();
        }

        /// <summary>Walks an iterator link's target once and returns what the program wrote, line by line, as it is read.</summary>
        /// <exception cref="BpfException">The link is not an iterator's, or the kernel refused or failed the walk.</exception>
        public IEnumerable<string> ReadIteratorLines()
        {
            using var stream = OpenIterator();
            using var reader = new System.IO.StreamReader(stream, System.Text.Encoding.UTF8);
            while (reader.ReadLine() is { } line) yield return line;
        }

        /// <summary>
        /// Pins the link at <paramref name="path"/> on a BPF filesystem (<c>/sys/fs/bpf/...</c>): the program stays attached
        /// after this object is disposed and this process exits, until the file is deleted (<see cref="Unpin"/>, or
        /// <c>rm</c>). Another process opens it again with <see cref="OpenPinned"/>.
        /// </summary>
        /// <exception cref="BpfException">The path is taken, its directory is missing, or it is not on a BPF filesystem.</exception>
        public void Pin(string path) => Pins.Pin(Fd, path, "link " + Description);

        /// <summary>Deletes the pin at <paramref name="path"/>: once no descriptor holds the link either, the program detaches.</summary>
        /// <exception cref="BpfException">There is no pin there, or it cannot be deleted.</exception>
        public static void Unpin(string path) => Pins.Unpin(path);

        /// <summary>
        /// Opens the link pinned at <paramref name="path"/> (by this process or another). Disposing the result closes this
        /// descriptor only: the link stays while it is pinned.
        /// </summary>
        /// <exception cref="BpfException">Nothing is pinned there, or it is not a link.</exception>
        public static BpfLink OpenPinned(string path)
        {
            var fd = Pins.Open(path, "link");
            return new BpfLink(fd, "pinned at " + path, new List<BpfFileDescriptor>());
        }

        /// <inheritdoc />
        public override string ToString() => $"link {Id}: {Description}";
    }
}
