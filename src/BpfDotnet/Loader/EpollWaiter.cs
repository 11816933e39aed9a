using System;
using System.Runtime.InteropServices;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// An epoll instance that a reader waits on for its buffers, with an eventfd that interrupts the wait (cancellation,
    /// disposal). The buffers are watched edge-triggered (each wake-up is followed by a full drain); the eventfd
    /// level-triggered, so that once written it ends every later wait too.
    /// </summary>
    internal sealed unsafe class EpollWaiter : IDisposable
    {
        private int _epoll;
        private int _wakeup;

        /// <param name="what">What waits, for error messages (<c>ring buffer 'Events'</c>).</param>
        public EpollWaiter(string what)
        {
            What = what;
            _epoll = Native.epoll_create1(Native.EpollCloexec);
            if (_epoll < 0) throw BpfErrors.FromErrno(Marshal.GetLastPInvokeError(), "to create an epoll instance for " + what);
            _wakeup = Native.eventfd(0, Native.EfdCloexec | Native.EfdNonblock);
            if (_wakeup < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                Native.close(_epoll);
                _epoll = -1;
                throw BpfErrors.FromErrno(errno, "to create an eventfd for " + what);
            }
            Add(_wakeup, Native.EpollIn);
        }

        public string What { get; }

        /// <summary>Watches <paramref name="fd"/> (a buffer) for records, edge-triggered.</summary>
        public void Watch(int fd) => Add(fd, Native.EpollIn | Native.EpollEdgeTriggered);

        /// <summary>Waits up to <paramref name="timeoutMs"/> (-1: for ever) for a watched buffer or an interruption, unless <paramref name="ready"/> says records are already there.</summary>
        public void Wait(int timeoutMs, Func<bool> ready)
        {
            int size = Native.EpollEventSize;
            byte* events = stackalloc byte[4 * 16];
            while (true)
            {
                // An edge may have come before this wait: records already there end it at once.
                if (ready()) return;
                int n = Native.epoll_wait(_epoll, events, 4, timeoutMs);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Native.EINTR) continue;
                    throw BpfErrors.FromErrno(errno, "to wait for " + What + " (epoll_wait)");
                }
                return;
            }
        }

        /// <summary>Wakes a waiting reader; the eventfd stays readable, so later waits return at once.</summary>
        public void Interrupt()
        {
            int fd = _wakeup;
            if (fd < 0) return;
            ulong one = 1;
            Native.write(fd, &one, sizeof(ulong));
        }

        public void Dispose()
        {
            if (_epoll >= 0) Native.close(_epoll);
            if (_wakeup >= 0) Native.close(_wakeup);
            _epoll = _wakeup = -1;
        }

        private void Add(int fd, uint events)
        {
            byte* e = stackalloc byte[16];
            new Span<byte>(e, 16).Clear();
            *(uint*)e = events;
            *(ulong*)(e + Native.EpollDataOffset) = (ulong)fd;
            if (Native.epoll_ctl(_epoll, Native.EpollCtlAdd, fd, e) < 0)
                throw BpfErrors.FromErrno(Marshal.GetLastPInvokeError(), "to watch " + What + " (epoll_ctl)");
        }
    }
}
