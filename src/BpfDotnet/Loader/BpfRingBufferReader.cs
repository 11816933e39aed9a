using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
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
    /// records were committed, with the three ways to read of <see cref="BpfEventReader{T}"/>; each batch's space is
    /// freed with one store of the consumer position. Disposing unmaps the buffer; the map itself belongs to its
    /// <see cref="BpfObject"/>.
    /// </summary>
    /// <typeparam name="T">The record type, as the programs declare it.</typeparam>
    public sealed unsafe class BpfRingBufferReader<T> : BpfEventReader<T>
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
        private IntPtr _consumerPage;
        private IntPtr _producerPage;
        private byte* _data;

        internal BpfRingBufferReader(BpfMapHandle map, BpfMapHandle? drops = null)
            : base("ring buffer '" + map.Name + "'")
        {
            _map = map;
            try
            {
                if (drops is { IsPerCpu: true, KeySize: 4, ValueSize: 8 }) _drops = new BpfPerCpuMapHandle<uint, ulong>(drops);
                if (map.Type != BpfMapType.Ringbuf)
                    throw new BpfException($"Map '{map.Name}' is a {map.Type} map, not a ring buffer; read it with GetMap.");
                ulong size = map.MaxEntries;
                if (size == 0 || (size & (size - 1)) != 0)
                    throw new BpfException($"Ring buffer '{map.Name}' has a size of {size} bytes, which is not a power of two; the kernel would not have created it.");
                _mask = size - 1;
                _pageSize = (nuint)Native.getpagesize();
                _dataMappingSize = _pageSize + (nuint)(2 * size);
                using (BpfFileDescriptor.Lease lease = map.Fd.Acquire())
                {
                    _consumerPage = Map(lease.Fd, _pageSize, Native.ProtRead | Native.ProtWrite, 0, "the consumer page");
                    _producerPage = Map(lease.Fd, _dataMappingSize, Native.ProtRead, (long)_pageSize, "the producer page and the data");
                    _data = (byte*)_producerPage + _pageSize;
                    Waiter.Watch(lease.Fd);
                }
            }
            catch
            {
                Release();
                Waiter.Dispose();
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

        // The drain loop is the reader's hot path: compiled fully optimised from its first call, not after tiering.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private protected override int Drain(RingBufferRecordHandler<T>? typed, RingBufferBytesHandler? bytes)
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

        /// <summary>The descriptor a poller watches for this buffer.</summary>
        internal override IEnumerable<int> Descriptors()
        {
            ThrowIfDisposed();
            yield return _map.Fd.Value;
        }

        private protected override bool HasRecordsNow() => Volatile.Read(ref *(ulong*)_producerPage) != Volatile.Read(ref *(ulong*)_consumerPage);

        private IntPtr Map(int fd, nuint length, int protection, long offset, string what)
        {
            IntPtr p = Native.mmap(IntPtr.Zero, length, protection, Native.MapShared, fd, offset);
            if (p == new IntPtr(-1))
                throw BpfErrors.FromErrno(Marshal.GetLastPInvokeError(), $"to map {what} of ring buffer '{_map.Name}' ({length} bytes)");
            return p;
        }

        private protected override void Release()
        {
            if (_producerPage != IntPtr.Zero) Native.munmap(_producerPage, _dataMappingSize);
            if (_consumerPage != IntPtr.Zero) Native.munmap(_consumerPage, _pageSize);
            _producerPage = _consumerPage = IntPtr.Zero;
            _data = null;
        }
    }
}
