using System;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace BpfDotnet
{
    /// <summary>How a ring buffer record's commit wakes the reader (<c>BPF_RB_NO_WAKEUP</c>, <c>BPF_RB_FORCE_WAKEUP</c>).</summary>
    [Flags]
    public enum RingBufferWakeup : ulong
    {
        /// <summary>Wake the reader when it has caught up with the records before this one (the kernel's adaptive default).</summary>
        Adaptive = 0,
        /// <summary>Do not wake the reader for this record: a later record, or the reader's own timeout, will.</summary>
        NoWakeup = 1,
        /// <summary>Wake the reader for this record.</summary>
        ForceWakeup = 2,
    }

    /// <summary>What <see cref="BpfRingBuffer{T}.Query"/> asks (<c>BPF_RB_*</c>).</summary>
    public enum RingBufferQuery : ulong
    {
        /// <summary>Bytes of committed records not yet read (<c>BPF_RB_AVAIL_DATA</c>).</summary>
        AvailableData = 0,
        /// <summary>The buffer's size in bytes (<c>BPF_RB_RING_SIZE</c>).</summary>
        Size = 1,
        /// <summary>The consumer's position (<c>BPF_RB_CONS_POS</c>).</summary>
        ConsumerPosition = 2,
        /// <summary>The producer's position (<c>BPF_RB_PROD_POS</c>).</summary>
        ProducerPosition = 3,
    }

    /// <summary>
    /// A ring buffer (<c>BPF_MAP_TYPE_RINGBUF</c>) that programs send records of <typeparamref name="T"/> through to user
    /// space, in the order they were committed, shared by every CPU. Declare it as a static field with
    /// <see cref="BpfMapAttribute"/>, whose <see cref="BpfMapAttribute.MaxEntries"/> is the buffer's size in bytes (a power
    /// of two and a multiple of the page size). In a program, <see cref="Output"/> copies a record in; <see cref="Reserve"/>
    /// gives a record to fill in place, which every path must then <see cref="Submit"/> or <see cref="Discard"/> (the
    /// compiler checks it). User space reads the records with the loaded object's reader
    /// (<see cref="BpfRingBufferReader{T}"/>). Outside the kernel the buffer is a queue, so probe code can run as .NET code.
    /// </summary>
    /// <typeparam name="T">The record type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfRingBuffer<T> : IBpfMapStandIn
        where T : unmanaged
    {
        private readonly ConcurrentQueue<byte[]> _committed = new ConcurrentQueue<byte[]>();
        private readonly ConcurrentDictionary<int, IStrongBox> _reserved = new ConcurrentDictionary<int, IStrongBox>();
        private long _capacity = long.MaxValue;
        private long _used;
        private int _nextReservation;

        /// <summary>Creates the managed stand-in; the generated code gives it the field's size.</summary>
        public BpfRingBuffer()
        {
        }

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => _capacity = maxEntries;

        /// <summary>The bytes one record takes in the kernel's buffer: an 8-byte header and the record, rounded up to 8.</summary>
        private static long RecordBytes(int size) => 8 + ((size + 7) & ~7);

        /// <summary>
        /// Copies <paramref name="record"/> into the buffer and commits it (<c>bpf_ringbuf_output</c>); false when the
        /// buffer is full (the record is dropped).
        /// </summary>
        public bool Output(in T record, RingBufferWakeup wakeup = RingBufferWakeup.Adaptive) => Output<T>(in record, wakeup);

        /// <summary>
        /// Copies a record of another type than <typeparamref name="T"/> into the buffer (records of several sizes in one
        /// buffer, told apart by their first bytes; user space reads them with the reader's bytes handler).
        /// </summary>
        public bool Output<TRecord>(in TRecord record, RingBufferWakeup wakeup = RingBufferWakeup.Adaptive)
            where TRecord : unmanaged
        {
            if (!Take(Unsafe.SizeOf<TRecord>())) return false;
            _committed.Enqueue(Bytes(in record));
            return true;
        }

        /// <summary>
        /// Reserves room for one record and returns a reference to it, to fill in place (<c>bpf_ringbuf_reserve</c>); a
        /// null reference (test with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>) when the buffer is full. Every
        /// path from a reservation must <see cref="Submit"/> or <see cref="Discard"/> it.
        /// </summary>
        public ref T Reserve() => ref Reserve<T>();

        /// <summary>
        /// Reserves room for a record of another type than <typeparamref name="T"/>, as <see cref="Reserve()"/>: records of
        /// several sizes in one buffer, each size known at build time, as the kernel requires.
        /// </summary>
        public ref TRecord Reserve<TRecord>()
            where TRecord : unmanaged
        {
            if (!Take(Unsafe.SizeOf<TRecord>())) return ref Unsafe.NullRef<TRecord>();
            var box = new Box<TRecord>();
            _reserved[System.Threading.Interlocked.Increment(ref _nextReservation)] = box;
            return ref box.Value;
        }

        /// <summary>Commits a reserved record: the reader sees it (<c>bpf_ringbuf_submit</c>).</summary>
        public void Submit(ref T record, RingBufferWakeup wakeup = RingBufferWakeup.Adaptive) => Submit<T>(ref record, wakeup);

        /// <summary>Commits a record reserved with <see cref="Reserve{TRecord}"/>.</summary>
        public void Submit<TRecord>(ref TRecord record, RingBufferWakeup wakeup = RingBufferWakeup.Adaptive)
            where TRecord : unmanaged
        {
            if (Release(ref record)) _committed.Enqueue(Bytes(in record));
        }

        /// <summary>Gives a reserved record back unread (<c>bpf_ringbuf_discard</c>).</summary>
        public void Discard(ref T record, RingBufferWakeup wakeup = RingBufferWakeup.Adaptive) => Discard<T>(ref record, wakeup);

        /// <summary>Gives a record reserved with <see cref="Reserve{TRecord}"/> back unread.</summary>
        public void Discard<TRecord>(ref TRecord record, RingBufferWakeup wakeup = RingBufferWakeup.Adaptive)
            where TRecord : unmanaged
        {
            if (Release(ref record)) System.Threading.Interlocked.Add(ref _used, -RecordBytes(Unsafe.SizeOf<TRecord>()));
        }

        /// <summary>
        /// What the buffer holds now (<c>bpf_ringbuf_query</c>): bytes of records not yet read, its size, or the consumer's
        /// and producer's positions. As .NET code, the bytes its queue holds (or its size).
        /// </summary>
        public ulong Query(RingBufferQuery what)
            => what == RingBufferQuery.Size ? (ulong)System.Math.Max(0, _capacity) : what == RingBufferQuery.AvailableData ? (ulong)System.Threading.Interlocked.Read(ref _used) : 0;

        /// <summary>
        /// Outside the kernel: takes the oldest committed record as a <typeparamref name="T"/> (a shorter record is
        /// zero-extended), as the reader would. Not for use in programs.
        /// </summary>
        [EditorBrowsable(EditorBrowsableState.Never)]
        public bool TryRead(out T record)
        {
            record = default;
            if (!TryReadBytes(out byte[] bytes)) return false;
            bytes.AsSpan(0, Math.Min(bytes.Length, Unsafe.SizeOf<T>())).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<T>(ref record)));
            return true;
        }

        /// <summary>Outside the kernel: takes the oldest committed record's bytes, as the reader's bytes handler sees them. Not for use in programs.</summary>
        [EditorBrowsable(EditorBrowsableState.Never)]
        public bool TryReadBytes(out byte[] record)
        {
            if (!_committed.TryDequeue(out record!)) return false;
            System.Threading.Interlocked.Add(ref _used, -RecordBytes(record.Length));
            return true;
        }

        private static byte[] Bytes<TRecord>(in TRecord record)
            where TRecord : unmanaged
            => System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<TRecord>(in record)).ToArray();

        private bool Take(int size)
        {
            long bytes = RecordBytes(size);
            if (System.Threading.Interlocked.Add(ref _used, bytes) <= _capacity) return true;
            System.Threading.Interlocked.Add(ref _used, -bytes);
            return false;
        }

        private bool Release<TRecord>(ref TRecord record)
            where TRecord : unmanaged
        {
            foreach (var entry in _reserved)
            {
                if (entry.Value is Box<TRecord> box && Unsafe.AreSame(ref box.Value, ref record)) return _reserved.TryRemove(entry.Key, out _);
            }
            throw new InvalidOperationException("The record was not reserved from this ring buffer, or was already submitted or discarded.");
        }

        private sealed class Box<TRecord> : IStrongBox
            where TRecord : unmanaged
        {
            public TRecord Value;

            object? IStrongBox.Value
            {
                get => Value;
                set => Value = (TRecord)value!;
            }
        }
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// A perf event array (<c>BPF_MAP_TYPE_PERF_EVENT_ARRAY</c>): programs send records of <typeparamref name="T"/> to a
    /// per-CPU perf buffer with <see cref="Output{TContext}"/>, for kernels before 5.8 or users who need per-CPU buffers;
    /// <see cref="BpfRingBuffer{T}"/> is the better choice elsewhere. Declare it as a static field with
    /// <see cref="BpfMapAttribute"/> (no size: the loader gives it a slot per possible CPU). User space reads the records
    /// with the loaded object's <see cref="BpfPerfBufferReader{T}"/>, which also counts the records the kernel lost.
    /// Outside the kernel the buffers are a queue, so probe code can run as .NET code.
    /// </summary>
    /// <typeparam name="T">The record type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfPerfEventArray<T> : IBpfMapStandIn
        where T : unmanaged
    {
        private readonly ConcurrentQueue<T> _records = new ConcurrentQueue<T>();

        /// <summary>Creates the managed stand-in.</summary>
        public BpfPerfEventArray()
        {
        }

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries)
        {
        }

        /// <summary>
        /// Sends <paramref name="record"/> to the perf buffer of the CPU the program runs on (<c>bpf_perf_event_output</c>
        /// with <c>BPF_F_CURRENT_CPU</c>); false when it could not (no reader on this CPU, or its buffer is full).
        /// </summary>
        /// <param name="context">The program's context, which the helper needs.</param>
        /// <param name="record">The record to copy.</param>
        public bool Output<TContext>(ref TContext context, in T record)
            where TContext : unmanaged
        {
            _records.Enqueue(record);
            return true;
        }

        /// <summary>Outside the kernel: takes the oldest record, as the reader would. Not for use in programs.</summary>
        [EditorBrowsable(EditorBrowsableState.Never)]
        public bool TryRead(out T record) => _records.TryDequeue(out record);
    }
}
