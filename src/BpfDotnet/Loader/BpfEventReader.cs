using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace BpfDotnet
{
    /// <summary>
    /// What the readers of events share (<see cref="BpfRingBufferReader{T}"/>, <see cref="BpfPerfBufferReader{T}"/>):
    /// three ways to read, over a drain of what the buffers hold and a wait on an epoll instance.
    /// <see cref="Consume(RingBufferRecordHandler{T})"/> takes what is there now, in place, with no allocation;
    /// <see cref="Poll"/> waits for records first; <see cref="ReadAllAsync"/> is an asynchronous stream. One thread reads at
    /// a time; disposal waits for a read in progress to finish before the buffers go.
    /// </summary>
    /// <typeparam name="T">The record type, as the programs declare it.</typeparam>
    public abstract class BpfEventReader<T> : IDisposable
        where T : unmanaged
    {
        private readonly object _gate = new object();
        private int _reading;
        private bool _disposed;

        private protected BpfEventReader(string what) => Waiter = new EpollWaiter(what);

        /// <summary>The epoll instance the buffers are watched with.</summary>
        private protected EpollWaiter Waiter { get; }

        /// <summary>True once disposed.</summary>
        private protected bool IsDisposed => Volatile.Read(ref _disposed);

        /// <summary>Reads every record the buffers hold now, in order, handing each to <paramref name="handler"/> in place; allocates nothing.</summary>
        /// <returns>How many records were read.</returns>
        /// <exception cref="BpfException">A record is shorter than <typeparamref name="T"/>.</exception>
        /// <exception cref="InvalidOperationException">Called from inside a handler of this reader.</exception>
        public int Consume(RingBufferRecordHandler<T> handler)
        {
            if (handler is null) throw new ArgumentNullException(nameof(handler));
            return Read(handler, null);
        }

        /// <summary>Reads every record the buffers hold now, in order, as bytes in place.</summary>
        /// <returns>How many records were read.</returns>
        public int Consume(RingBufferBytesHandler handler)
        {
            if (handler is null) throw new ArgumentNullException(nameof(handler));
            return Read(null, handler);
        }

        /// <summary>Waits until records come or <paramref name="timeout"/> passes, then reads what is there with <paramref name="handler"/>.</summary>
        /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until a record comes.</param>
        /// <param name="handler">Receives each record in place.</param>
        /// <returns>How many records were read (0 when the time passed first).</returns>
        public int Poll(TimeSpan timeout, RingBufferRecordHandler<T> handler)
        {
            if (handler is null) throw new ArgumentNullException(nameof(handler));
            int read = Read(handler, null);
            if (read > 0) return read;
            Wait(timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Min(int.MaxValue, Math.Max(0, (long)Math.Ceiling(timeout.TotalMilliseconds))));
            return Read(handler, null);
        }

        /// <summary>
        /// The records as an asynchronous stream, waiting for more when there are none; each record is copied out.
        /// Cancelling <paramref name="cancellationToken"/> ends the wait at once and the stream with
        /// <see cref="OperationCanceledException"/>.
        /// </summary>
        public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var batch = new List<T>();
            RingBufferRecordHandler<T> collect = (in T record) => batch.Add(record);
            using var registration = cancellationToken.Register(static state => ((BpfEventReader<T>)state!).Waiter.Interrupt(), this);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Clear();
                Read(collect, null);
                if (batch.Count == 0)
                {
                    await Task.Factory.StartNew(static state => ((BpfEventReader<T>)state!).Wait(-1), this,
                        CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default).ConfigureAwait(false);
                    continue;
                }
                foreach (var record in batch)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return record;
                }
            }
        }

        /// <summary>Unmaps the buffers and closes the reader's descriptors; the map stays with its object. Safe to call more than once.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
            }
            Waiter.Interrupt();
            // A reader inside a drain or a wait finishes with the buffers before they go.
            SpinWait spin = default;
            while (Volatile.Read(ref _reading) != 0) spin.SpinOnce();
            Release();
            Waiter.Dispose();
        }

        /// <summary>The descriptors a poller watches for these buffers.</summary>
        internal abstract IEnumerable<int> Descriptors();

        /// <summary>True when records wait to be read.</summary>
        internal bool HasRecords() => !IsDisposed && HasRecordsNow();

        /// <summary>Reads what the buffers hold now, with one of the handlers.</summary>
        private protected abstract int Drain(RingBufferRecordHandler<T>? typed, RingBufferBytesHandler? bytes);

        /// <summary>True when the buffers hold records not yet read (the reader is not disposed).</summary>
        private protected abstract bool HasRecordsNow();

        /// <summary>Unmaps the buffers and closes their descriptors.</summary>
        private protected abstract void Release();

        /// <summary>Throws when the reader has been disposed.</summary>
        private protected void ThrowIfDisposed()
        {
            if (IsDisposed) throw new ObjectDisposedException(GetType().Name, "The reader has been disposed.");
        }

        /// <summary>The readers this thread is handing records from (a handler that reads its own reader again would see them twice).</summary>
        [ThreadStatic]
        private static List<object>? t_draining;

        private int Read(RingBufferRecordHandler<T>? typed, RingBufferBytesHandler? bytes)
        {
            var draining = t_draining ??= new List<object>();
            if (draining.Contains(this))
                throw new InvalidOperationException("A record handler of this reader read from the same reader (Consume, Poll or ReadAll inside the handler); "
                    + "the records not yet consumed would be handed out twice. Return from the handler and read again from the loop that called it.");
            Enter();
            draining.Add(this);
            try
            {
                return Drain(typed, bytes);
            }
            finally
            {
                draining.Remove(this);
                Interlocked.Decrement(ref _reading);
            }
        }

        /// <summary>Waits (up to <paramref name="timeoutMs"/>, -1 for ever) until the buffers have records or the reader is interrupted.</summary>
        private void Wait(int timeoutMs)
        {
            Enter();
            try
            {
                Waiter.Wait(timeoutMs, HasRecordsNow);
            }
            finally
            {
                Interlocked.Decrement(ref _reading);
            }
        }

        private void Enter()
        {
            Interlocked.Increment(ref _reading);
            if (IsDisposed)
            {
                Interlocked.Decrement(ref _reading);
                ThrowIfDisposed();
            }
        }
    }
}
