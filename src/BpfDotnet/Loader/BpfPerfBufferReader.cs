using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// Reads the records programs send through a perf event array (<see cref="BpfPerfEventArray{T}"/>): one perf buffer
    /// per CPU (a <c>PERF_COUNT_SW_BPF_OUTPUT</c> event, mapped into this process, put in the array's slot for its CPU),
    /// read in place (a record that wraps around its buffer is copied once), with the records the kernel lost when a buffer
    /// was full counted in <see cref="Lost"/>. The same three ways to read as <see cref="BpfRingBufferReader{T}"/>:
    /// <see cref="Consume(RingBufferRecordHandler{T})"/>, <see cref="Poll"/> and <see cref="ReadAllAsync"/>; records of one
    /// CPU come in order, records of different CPUs in no set order. One thread reads at a time.
    /// </summary>
    /// <typeparam name="T">The record type, as the programs declare it.</typeparam>
    public sealed unsafe class BpfPerfBufferReader<T> : IDisposable
        where T : unmanaged
    {
        private const uint RecordLost = 2;
        private const uint RecordSample = 9;
        /// <summary>Offsets of <c>data_head</c> and <c>data_tail</c> in <c>struct perf_event_mmap_page</c>.</summary>
        private const int DataHead = 1024, DataTail = 1032;

        private sealed class CpuBuffer
        {
            public int Cpu;
            public int Fd = -1;
            public IntPtr Base;
            public nuint Length;
            public byte* Data;
            public ulong Size;
        }

        private readonly BpfMapHandle _map;
        private readonly List<CpuBuffer> _buffers = new List<CpuBuffer>();
        private readonly EpollWaiter _waiter;
        private readonly byte[] _scratch = GC.AllocateArray<byte>(ushort.MaxValue + 1, pinned: true);
        private readonly object _gate = new object();
        private long _lost;
        private int _reading;
        private bool _disposed;

        internal BpfPerfBufferReader(BpfMapHandle map, int pagesPerCpu)
        {
            if (map.Type != BpfMapType.PerfEventArray)
                throw new BpfException($"Map '{map.Name}' is a {map.Type} map, not a perf event array.");
            if (pagesPerCpu <= 0 || (pagesPerCpu & (pagesPerCpu - 1)) != 0)
                throw new ArgumentException($"A perf buffer has a power of two of pages; {pagesPerCpu} is not one.", nameof(pagesPerCpu));
            _map = map;
            _waiter = new EpollWaiter("perf buffer '" + map.Name + "'");
            nuint page = (nuint)Native.getpagesize();
            try
            {
                int cpus = (int)Math.Min(map.MaxEntries, (uint)BpfSystem.GetPossibleCpuCount());
                for (int cpu = 0; cpu < cpus; cpu++)
                {
                    int fd = BpfSyscalls.PerfEventOpenBpfOutput(cpu, out int errno);
                    // A possible CPU that is offline has no event; its programs cannot run either.
                    if (fd < 0 && errno == Native.ENODEV) continue;
                    if (fd < 0) throw BpfErrors.FromErrno(errno, $"to open the perf event of CPU {cpu} for '{map.Name}' (perf_event_open)");
                    var buffer = new CpuBuffer { Cpu = cpu, Fd = fd, Length = page * (nuint)(1 + pagesPerCpu) };
                    _buffers.Add(buffer);
                    buffer.Base = Native.mmap(IntPtr.Zero, buffer.Length, Native.ProtRead | Native.ProtWrite, Native.MapShared, fd, 0);
                    if (buffer.Base == new IntPtr(-1))
                    {
                        buffer.Base = IntPtr.Zero;
                        throw BpfErrors.FromErrno(Marshal.GetLastPInvokeError(), $"to map the perf buffer of CPU {cpu} for '{map.Name}' ({buffer.Length} bytes)");
                    }
                    buffer.Data = (byte*)buffer.Base + page;
                    buffer.Size = (ulong)page * (ulong)pagesPerCpu;
                    if (Native.ioctl(fd, Native.PerfEventIocEnable, 0) < 0)
                        throw BpfErrors.FromErrno(Marshal.GetLastPInvokeError(), $"to enable the perf event of CPU {cpu} for '{map.Name}'");
                    uint key = (uint)cpu, value = (uint)fd;
                    map.Update(new ReadOnlySpan<byte>(&key, 4), new ReadOnlySpan<byte>(&value, 4), BpfUpdateFlags.Any);
                    _waiter.Watch(fd);
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

        /// <summary>How many CPUs have a buffer (the online possible CPUs).</summary>
        public int CpuCount => _buffers.Count;

        /// <summary>Records the kernel could not write because a CPU's buffer was full, as its lost records reported them.</summary>
        public long Lost => Interlocked.Read(ref _lost);

        /// <summary>
        /// Reads every record the buffers hold now, CPU by CPU, handing each to <paramref name="handler"/> in place; then
        /// frees each buffer's space (once per buffer). Allocates nothing.
        /// </summary>
        /// <returns>How many records were read.</returns>
        public int Consume(RingBufferRecordHandler<T> handler)
        {
            if (handler is null) throw new ArgumentNullException(nameof(handler));
            return Drain(handler, null);
        }

        /// <summary>Reads every record the buffers hold now, as bytes in place.</summary>
        /// <returns>How many records were read.</returns>
        public int Consume(RingBufferBytesHandler handler)
        {
            if (handler is null) throw new ArgumentNullException(nameof(handler));
            return Drain(null, handler);
        }

        /// <summary>Waits until a record comes or <paramref name="timeout"/> passes, then reads what is there.</summary>
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
        /// The records as an asynchronous stream, waiting for more when there are none; each record is copied out.
        /// Cancelling <paramref name="cancellationToken"/> ends the wait at once and the stream with
        /// <see cref="OperationCanceledException"/>.
        /// </summary>
        public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var batch = new List<T>();
            RingBufferRecordHandler<T> collect = (in T record) => batch.Add(record);
            using var registration = cancellationToken.Register(static state => ((BpfPerfBufferReader<T>)state!)._waiter.Interrupt(), this);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Clear();
                Drain(collect, null);
                if (batch.Count == 0)
                {
                    await Task.Factory.StartNew(static state => ((BpfPerfBufferReader<T>)state!).Wait(-1), this,
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

        /// <summary>Takes the events out of the array, unmaps the buffers and closes their descriptors. Safe to call more than once.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
            }
            _waiter.Interrupt();
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
                int count = 0;
                uint recordSize = (uint)sizeof(T);
                fixed (byte* scratch = _scratch)
                {
                    foreach (var buffer in _buffers)
                    {
                        byte* meta = (byte*)buffer.Base;
                        ulong head = Volatile.Read(ref *(ulong*)(meta + DataHead));
                        ulong tail = *(ulong*)(meta + DataTail);
                        if (tail == head) continue;
                        // The buffer's shape in locals, read once for the whole batch.
                        byte* data = buffer.Data;
                        ulong bufferSize = buffer.Size, mask = bufferSize - 1;
                        while (tail < head)
                        {
                            ulong offset = tail & mask;
                            byte* record = data + offset;
                            uint type = *(uint*)record;
                            ushort size = *(ushort*)(record + 6);
                            if (size < 8) break;
                            if (offset + size > bufferSize)
                            {
                                // The record wraps around the buffer's end: copy it into one piece.
                                ulong first = bufferSize - offset;
                                Buffer.MemoryCopy(record, scratch, ushort.MaxValue + 1, (long)first);
                                Buffer.MemoryCopy(data, scratch + first, ushort.MaxValue + 1 - (long)first, size - (long)first);
                                record = scratch;
                            }
                            if (type == RecordSample && size >= 12)
                            {
                                uint raw = *(uint*)(record + 8);
                                byte* payload = record + 12;
                                if (typed is not null)
                                {
                                    if (raw >= recordSize)
                                    {
                                        typed(in Unsafe.AsRef<T>(payload));
                                        count++;
                                    }
                                }
                                else
                                {
                                    bytes!(new ReadOnlySpan<byte>(payload, (int)Math.Min(raw, (uint)(size - 12))));
                                    count++;
                                }
                            }
                            else if (type == RecordLost && size >= 24)
                            {
                                Interlocked.Add(ref _lost, (long)*(ulong*)(record + 16));
                            }
                            tail += size;
                        }
                        Volatile.Write(ref *(ulong*)(meta + DataTail), tail);
                    }
                }
                return count;
            }
            finally
            {
                Exit();
            }
        }

        /// <summary>The descriptors a poller watches: every CPU's perf event.</summary>
        internal IEnumerable<int> Descriptors()
        {
            foreach (var buffer in _buffers) yield return buffer.Fd;
        }

        /// <summary>True when a CPU's buffer holds records not yet read.</summary>
        internal bool HasRecords()
        {
            if (_disposed) return false;
            foreach (var buffer in _buffers)
            {
                byte* meta = (byte*)buffer.Base;
                if (Volatile.Read(ref *(ulong*)(meta + DataHead)) != *(ulong*)(meta + DataTail)) return true;
            }
            return false;
        }

        private void Wait(int timeoutMs)
        {
            Enter();
            try
            {
                _waiter.Wait(timeoutMs, HasRecords);
            }
            finally
            {
                Exit();
            }
        }

        private void Enter()
        {
            Interlocked.Increment(ref _reading);
            if (Volatile.Read(ref _disposed))
            {
                Interlocked.Decrement(ref _reading);
                throw new ObjectDisposedException(nameof(BpfPerfBufferReader<T>), "The perf buffer reader has been disposed.");
            }
        }

        private void Exit() => Interlocked.Decrement(ref _reading);

        private void Release()
        {
            foreach (var buffer in _buffers)
            {
                uint key = (uint)buffer.Cpu;
                try
                {
                    _map.Delete(new ReadOnlySpan<byte>(&key, 4));
                }
                catch (ObjectDisposedException)
                {
                    // The object closed the array first; its slots went with it.
                }
                if (buffer.Base != IntPtr.Zero) Native.munmap(buffer.Base, buffer.Length);
                if (buffer.Fd >= 0) Native.close(buffer.Fd);
                buffer.Base = IntPtr.Zero;
                buffer.Fd = -1;
            }
            _waiter.Dispose();
        }
    }
}
