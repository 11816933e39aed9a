using System;
using System.Collections.Generic;
using System.Threading;

namespace BpfDotnet
{
    /// <summary>
    /// One wait for several buffers (ring buffers and perf buffers, of one object or several), as libbpf's
    /// <c>ring_buffer__add</c> gives: <see cref="Poll"/> waits on one epoll instance until any of them has records, then
    /// reads each with the handler it was added with. The readers stay usable on their own; disposing the poller
    /// disposes only its epoll instance.
    /// </summary>
    public sealed class BpfEventPoller : IDisposable
    {
        private readonly EpollWaiter _waiter = new EpollWaiter("the event poller");
        private readonly List<(Func<bool> Ready, Func<int> Drain)> _sources = new List<(Func<bool>, Func<int>)>();

        /// <summary>Adds a ring buffer or perf buffer reader, read with <paramref name="handler"/> (in place, no allocation).</summary>
        /// <returns>This poller, to add more.</returns>
        public BpfEventPoller Add<T>(BpfEventReader<T> reader, RingBufferRecordHandler<T> handler)
            where T : unmanaged
        {
            if (reader is null) throw new ArgumentNullException(nameof(reader));
            if (handler is null) throw new ArgumentNullException(nameof(handler));
            foreach (int fd in reader.Descriptors()) _waiter.Watch(fd);
            _sources.Add((reader.HasRecords, () => reader.Consume(handler)));
            return this;
        }

        /// <summary>Reads every record the added buffers hold now, each with its handler.</summary>
        /// <returns>How many records were read in all.</returns>
        public int Consume()
        {
            int count = 0;
            foreach (var source in _sources) count += source.Drain();
            return count;
        }

        /// <summary>Waits until any added buffer has records or <paramref name="timeout"/> passes, then reads them all.</summary>
        /// <returns>How many records were read (0 when the time passed first).</returns>
        public int Poll(TimeSpan timeout)
        {
            int read = Consume();
            if (read > 0) return read;
            _waiter.Wait(timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Min(int.MaxValue, Math.Max(0, (long)Math.Ceiling(timeout.TotalMilliseconds))), AnyReady);
            return Consume();
        }

        /// <summary>Ends a <see cref="Poll"/> that waits, from another thread; every later wait then returns at once.</summary>
        public void Interrupt() => _waiter.Interrupt();

        /// <summary>Closes the poller's epoll instance (the readers are untouched).</summary>
        public void Dispose() => _waiter.Dispose();

        private bool AnyReady()
        {
            foreach (var source in _sources)
            {
                if (source.Ready()) return true;
            }
            return false;
        }
    }
}
