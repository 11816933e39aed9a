using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>Receives one ring buffer record, read in place (no copy, no allocation).</summary>
    /// <typeparam name="T">The record type.</typeparam>
    /// <param name="record">The record, valid only during the call.</param>
    public delegate void RingBufferRecordHandler<T>(in T record) where T : unmanaged;

    /// <summary>Receives one ring buffer record's bytes, read in place (no copy, no allocation).</summary>
    /// <param name="record">The record's bytes, valid only during the call.</param>
    public delegate void RingBufferBytesHandler(ReadOnlySpan<byte> record);

    /// <summary>
    /// Reads the records programs send through a ring buffer (<c>BPF_MAP_TYPE_RINGBUF</c>) declared as a
    /// <see cref="BpfRingBuffer{T}"/>. The buffer is mapped into this process (the consumer page read-write, the producer
    /// page and the data read-only, the data mapped twice so a record never wraps) and read in place, in the order the
    /// records were committed. Three ways to read: <see cref="Consume(RingBufferRecordHandler{T})"/> takes what is there
    /// now, with no allocation; <see cref="Poll"/> waits for records first; <see cref="ReadAllAsync"/> is an asynchronous
    /// stream. One thread reads at a time. Disposing unmaps the buffer; the map itself belongs to its <see cref="BpfObject"/>.
    /// </summary>
    /// <typeparam name="T">The record type, as the programs declare it.</typeparam>
    public sealed unsafe class BpfRingBufferReader<T> : IDisposable
        where T : unmanaged
    {
        private const uint BusyBit = 1u << 31;
        private const uint DiscardBit = 1u << 30;
        private const int HeaderSize = 8;

        private readonly BpfMapHandle _map;
        private readonly BpfPerCpuMapHandle<uint, ulong>? _drops;
        private readonly nuint _pageSize;
        private readonly nuint _dataMappingSize;
        private readonly ulong _mask;
        private readonly object _gate = new object();
        private IntPtr _consumerPage;
        private IntPtr _producerPage;
        private byte* _data;
        private EpollWaiter? _waiter;
        private int _reading;
        private bool _disposed;

        internal BpfRingBufferReader(BpfMapHandle map, BpfMapHandle? drops = null)
        {
            if (drops is { IsPerCpu: true, KeySize: 4, ValueSize: 8 }) _drops = new BpfPerCpuMapHandle<uint, ulong>(drops);
            if (map.Type != BpfMapType.Ringbuf)
                throw new BpfException($"Map '{map.Name}' is a {map.Type} map, not a ring buffer; read it with GetMap.");
            ulong size = map.MaxEntries;
            if (size == 0 || (size & (size - 1)) != 0)
                throw new BpfException($"Ring buffer '{map.Name}' has a size of {size} bytes, which is not a power of two; the kernel would not have created it.");
            _map = map;
            _mask = size - 1;
            _pageSize = (nuint)Native.getpagesize();
            _dataMappingSize = _pageSize + (nuint)(2 * size);
            try
            {
                using (BpfFileDescriptor.Lease lease = map.Fd.Acquire())
                {
                    _consumerPage = Map(lease.Fd, _pageSize, Native.ProtRead | Native.ProtWrite, 0, "the consumer page");
                    _producerPage = Map(lease.Fd, _dataMappingSize, Native.ProtRead, (long)_pageSize, "the producer page and the data");
                    _data = (byte*)_producerPage + _pageSize;
                    _waiter = new EpollWaiter("ring buffer '" + map.Name + "'");
                    _waiter.Watch(lease.Fd);
                }
            }
            catch
            {
                Release();
                throw;
            }
        }

        /// <summary>The map's name.</summary>
        public string Name => _map.Name;

        /// <summary>The buffer's size in bytes.</summary>
        public uint Size => _map.MaxEntries;

        /// <summary>
        /// Records the programs could not send because the buffer was full (a failed <c>Reserve</c> or <c>Output</c>),
        /// summed over the CPUs from the drop counter BpfDotnet adds to each ring buffer; 0 for an object built without one.
        /// </summary>
        public long Dropped
        {
            get
            {
                ThrowIfDisposed();
                return _drops is null ? 0 : (long)_drops.Sum(0u);
            }
        }

        /// <summary>Bytes of committed records not yet read (including records being written).</summary>
        public long Pending
        {
            get
            {
                ThrowIfDisposed();
                return (long)(Volatile.Read(ref *(ulong*)_producerPage) - Volatile.Read(ref *(ulong*)_consumerPage));
            }
        }

        /// <summary>
        /// Reads every record committed so far, in order, handing each to <paramref name="handler"/> in place; then tells
        /// the kernel the space is free (once, for the whole batch). Allocates nothing.
        /// </summary>
        /// <returns>How many records were read.</returns>
        /// <exception cref="BpfException">A record is shorter than <typeparamref name="T"/>.</exception>
        public int Consume(RingBufferRecordHandler<T> handler)
        {
            if (handler is null) throw new ArgumentNullException(nameof(handler));
            return Drain(handler, null);
        }

        /// <summary>Reads every record committed so far, in order, as bytes in place (see <see cref="Consume(RingBufferRecordHandler{T})"/>).</summary>
        /// <returns>How many records were read.</returns>
        public int Consume(RingBufferBytesHandler handler)
        {
            if (handler is null) throw new ArgumentNullException(nameof(handler));
            return Drain(null, handler);
        }

        /// <summary>
        /// Waits until records are committed or <paramref name="timeout"/> passes, then reads what is there with
        /// <paramref name="handler"/>.
        /// </summary>
        /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until a record comes.</param>
        /// <param name="handler">Receives each record in place.</param>
        /// <returns>How many records were read (0 when the time passed first).</returns>
        public int Poll(TimeSpan timeout, RingBufferRecordHandler<T> handler)
        {
            if (handler is null) throw new ArgumentNullException(nameof(handler));
            int read = Drain(handler, null);
            if (read > 0) return read;
            Wait(timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Min(int.MaxValue, Math.Max(0, (long)Math.Ceiling(timeout.TotalMilliseconds))));
            return Drain(handler, null);
        }

        /// <summary>
        /// The records as an asynchronous stream, in order, waiting for more when there are none; each record is copied
        /// out. Cancelling <paramref name="cancellationToken"/> ends the wait at once and the stream with
        /// <see cref="OperationCanceledException"/>.
        /// </summary>
        public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var batch = new List<T>();
            RingBufferRecordHandler<T> collect = (in T record) => batch.Add(record);
            using var registration = cancellationToken.Register(static state => ((BpfRingBufferReader<T>)state!).Interrupt(), this);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Clear();
                Drain(collect, null);
                if (batch.Count == 0)
                {
                    await Task.Factory.StartNew(static state => ((BpfRingBufferReader<T>)state!).Wait(-1), this,
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

        /// <summary>Unmaps the buffer and closes the reader's descriptors; the map stays with its object. Safe to call more than once.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
            }
            Interrupt();
            // A reader inside Consume or a wait finishes with the mappings before they go.
            SpinWait spin = default;
            while (Volatile.Read(ref _reading) != 0) spin.SpinOnce();
            Release();
        }

        // The drain loop is the reader's hot path: compiled fully optimised from its first call, not after tiering.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int Drain(RingBufferRecordHandler<T>? typed, RingBufferBytesHandler? bytes)
        {
            Enter();
            try
            {
                ulong* consumerPos = (ulong*)_consumerPage;
                ulong* producerPos = (ulong*)_producerPage;
                ulong consumer = Volatile.Read(ref *consumerPos);
                int count = 0;
                while (true)
                {
                    ulong producer = Volatile.Read(ref *producerPos);
                    bool progressed = false;
                    while (consumer < producer)
                    {
                        byte* header = _data + (consumer & _mask);
                        uint length = Volatile.Read(ref *(uint*)header);
                        // A record still being written ends the batch; its producer will wake us when it commits.
                        if ((length & BusyBit) != 0) break;
                        uint size = length & ~(BusyBit | DiscardBit);
                        consumer += (size + HeaderSize + 7) & ~7UL;
                        progressed = true;
                        if ((length & DiscardBit) != 0) continue;
                        var record = new ReadOnlySpan<byte>(header + HeaderSize, (int)size);
                        if (typed is not null)
                        {
                            if (size < (uint)sizeof(T))
                            {
                                Volatile.Write(ref *consumerPos, consumer);
                                throw new BpfException($"Ring buffer '{Name}' holds a record of {size} bytes, shorter than {typeof(T).Name} ({sizeof(T)} bytes); read it with the bytes handler.");
                            }
                            typed(in Unsafe.AsRef<T>(header + HeaderSize));
                        }
                        else bytes!(record);
                        count++;
                    }
                    if (!progressed) break;
                    // Free the batch's space, then look again: the full fence orders the store of the consumer position
                    // before the next load of the producer position, so a record committed meanwhile is either seen here
                    // or its producer sees the new position and wakes the reader.
                    Volatile.Write(ref *consumerPos, consumer);
                    Interlocked.MemoryBarrier();
                }
                return count;
            }
            finally
            {
                Exit();
            }
        }

        /// <summary>Waits (up to <paramref name="timeoutMs"/>, -1 for ever) until the buffer has records or the reader is interrupted.</summary>
        private void Wait(int timeoutMs)
        {
            Enter();
            try
            {
                _waiter!.Wait(timeoutMs, () => Volatile.Read(ref *(ulong*)_producerPage) != Volatile.Read(ref *(ulong*)_consumerPage));
            }
            finally
            {
                Exit();
            }
        }

        /// <summary>The descriptor a poller watches for this buffer.</summary>
        internal IEnumerable<int> Descriptors()
        {
            ThrowIfDisposed();
            yield return _map.Fd.Value;
        }

        /// <summary>True when committed records wait to be read.</summary>
        internal bool HasRecords() => !_disposed && Volatile.Read(ref *(ulong*)_producerPage) != Volatile.Read(ref *(ulong*)_consumerPage);

        /// <summary>Wakes a waiting reader (cancellation, disposal).</summary>
        private void Interrupt() => _waiter?.Interrupt();

        private void Enter()
        {
            Interlocked.Increment(ref _reading);
            if (Volatile.Read(ref _disposed))
            {
                Interlocked.Decrement(ref _reading);
                ThrowIfDisposed();
            }
        }

        private void Exit() => Interlocked.Decrement(ref _reading);

        private IntPtr Map(int fd, nuint length, int protection, long offset, string what)
        {
            IntPtr p = Native.mmap(IntPtr.Zero, length, protection, Native.MapShared, fd, offset);
            if (p == new IntPtr(-1))
                throw BpfErrors.FromErrno(Marshal.GetLastPInvokeError(), $"to map {what} of ring buffer '{_map.Name}' ({length} bytes)");
            return p;
        }

        private void Release()
        {
            if (_producerPage != IntPtr.Zero) Native.munmap(_producerPage, _dataMappingSize);
            if (_consumerPage != IntPtr.Zero) Native.munmap(_consumerPage, _pageSize);
            _producerPage = _consumerPage = IntPtr.Zero;
            _data = null;
            _waiter?.Dispose();
            _waiter = null;
        }

        private void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(BpfRingBufferReader<T>), "The ring buffer reader has been disposed.");
        }
    }
}
