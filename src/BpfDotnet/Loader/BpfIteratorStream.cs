using System;
using System.IO;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// One walk of an iterator link (<c>BPF_ITER_CREATE</c>): reading it runs the iterator program over its target and gives
    /// what the program wrote. Read-only and forward-only; it ends where the walk does.
    /// </summary>
    internal sealed class BpfIteratorStream : Stream
    {
        private readonly BpfFileDescriptor _fd;
        private readonly string _what;

        public BpfIteratorStream(BpfFileDescriptor fd, string what)
        {
            _fd = fd;
            _what = what;
        }

        public override bool CanRead => !_fd.IsClosed;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException("An iterator's output has no length until it is read to its end.");
        public override long Position
        {
            get => throw new NotSupportedException("An iterator's output cannot seek.");
            set => throw new NotSupportedException("An iterator's output cannot seek.");
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        /// <exception cref="BpfException">The kernel failed the walk (the program wrote more than one object's output may hold, say).</exception>
        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty) return 0;
            int r, errno;
            using (BpfFileDescriptor.Lease lease = _fd.Acquire())
            {
                r = Native.Read(lease.Fd, buffer, out errno);
            }
            if (r < 0)
                throw BpfErrors.FromErrno(errno, "to read " + _what,
                    errno == Native.E2BIG ? "The program wrote more for one object than the kernel buffers (a page or more): write less per object." : null);
            return r;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An iterator's output cannot seek.");
        public override void SetLength(long value) => throw new NotSupportedException("An iterator's output is read-only.");
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("An iterator's output is read-only.");

        protected override void Dispose(bool disposing)
        {
            if (disposing) _fd.Dispose();
            base.Dispose(disposing);
        }
    }
}
