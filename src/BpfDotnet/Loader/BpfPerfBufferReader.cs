using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// Reads the records programs send through a perf event array (<see cref="BpfPerfEventArray{T}"/>): one perf buffer
    /// per CPU (a <c>PERF_COUNT_SW_BPF_OUTPUT</c> event, mapped into this process, put in the array's slot for its CPU),
    /// read in place (a record that wraps around its buffer is copied once), with the records the kernel lost when a buffer
    /// was full counted in <see cref="Lost"/>, with the three ways to read of <see cref="BpfEventReader{T}"/>; records of
    /// one CPU come in order, records of different CPUs in no set order.
    /// </summary>
    /// <typeparam name="T">The record type, as the programs declare it.</typeparam>
    public sealed unsafe class BpfPerfBufferReader<T> : BpfEventReader<T>
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
        private readonly byte[] _scratch = GC.AllocateArray<byte>(ushort.MaxValue + 1, pinned: true);
        private long _lost;

        internal BpfPerfBufferReader(BpfMapHandle map, int pagesPerCpu)
            : base("perf buffer '" + map.Name + "'")
        {
            _map = map;
            nuint page = (nuint)Native.getpagesize();
            try
            {
                if (map.Type != BpfMapType.PerfEventArray)
                    throw new BpfException($"Map '{map.Name}' is a {map.Type} map, not a perf event array.");
                if (pagesPerCpu <= 0 || (pagesPerCpu & (pagesPerCpu - 1)) != 0)
                    throw new ArgumentException($"A perf buffer has a power of two of pages; {pagesPerCpu} is not one.", nameof(pagesPerCpu));
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
                    Waiter.Watch(fd);
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

        /// <summary>How many CPUs have a buffer (the online possible CPUs).</summary>
        public int CpuCount => _buffers.Count;

        /// <summary>Records the kernel could not write because a CPU's buffer was full, as its lost records reported them.</summary>
        public long Lost => Interlocked.Read(ref _lost);

        // The drain loop is the reader's hot path: compiled fully optimised from its first call, not after tiering.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private protected override int Drain(RingBufferRecordHandler<T>? typed, RingBufferBytesHandler? bytes)
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

        /// <summary>The descriptors a poller watches: every CPU's perf event.</summary>
        internal override IEnumerable<int> Descriptors()
        {
            foreach (var buffer in _buffers) yield return buffer.Fd;
        }

        private protected override bool HasRecordsNow()
        {
            foreach (var buffer in _buffers)
            {
                byte* meta = (byte*)buffer.Base;
                if (Volatile.Read(ref *(ulong*)(meta + DataHead)) != *(ulong*)(meta + DataTail)) return true;
            }
            return false;
        }

        private protected override void Release()
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
        }
    }
}
