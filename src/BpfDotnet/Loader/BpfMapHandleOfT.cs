using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// A typed view of a kernel map whose key and value sizes match <typeparamref name="TKey"/> and
    /// <typeparamref name="TValue"/>. The map itself is owned by the <see cref="BpfObject"/> (or by <see cref="Handle"/>).
    /// Enumeration walks the keys with BPF_MAP_GET_NEXT_KEY and reads each value, so entries added or removed
    /// concurrently by programs may or may not be seen.
    /// </summary>
    /// <typeparam name="TKey">Key type, exactly <see cref="BpfMapHandle.KeySize"/> bytes.</typeparam>
    /// <typeparam name="TValue">Value type, exactly <see cref="BpfMapHandle.ValueSize"/> bytes.</typeparam>
    public sealed class BpfMapHandle<TKey, TValue> : IEnumerable<KeyValuePair<TKey, TValue>>
        where TKey : unmanaged
        where TValue : unmanaged
    {
        /// <summary>Creates a typed view, checking that the sizes of the types match the map.</summary>
        /// <param name="handle">The untyped map.</param>
        /// <exception cref="BpfException">The sizes do not match, or the map is a per-CPU map.</exception>
        public BpfMapHandle(BpfMapHandle handle)
        {
            Handle = handle ?? throw new ArgumentNullException(nameof(handle));
            int ks = Unsafe.SizeOf<TKey>(), vs = Unsafe.SizeOf<TValue>();
            if (ks != handle.KeySize || vs != handle.ValueSize)
            {
                var sb = new System.Text.StringBuilder();
                sb.Append($"Map '{handle.Name}' has {handle.KeySize}-byte keys and {handle.ValueSize}-byte values, but it was requested as BpfMapHandle<{typeof(TKey).Name}, {typeof(TValue).Name}>");
                if (ks != handle.KeySize) sb.Append($"; TKey {typeof(TKey).Name} is {ks} bytes");
                if (vs != handle.ValueSize) sb.Append($"; TValue {typeof(TValue).Name} is {vs} bytes");
                sb.Append(". Use types whose sizes match the map's declaration (e.g. uint for 4 bytes, ulong for 8, or a struct with the same layout).");
                throw new BpfException(sb.ToString());
            }
            if (handle.IsPerCpu)
                throw new BpfException($"Map '{handle.Name}' is a per-CPU map ({handle.Type}); a lookup returns one value per CPU, which this typed view does not model. Use the byte-level BpfMapHandle API with a buffer of ValueBufferSize bytes.");
        }

        /// <summary>The untyped map.</summary>
        public BpfMapHandle Handle { get; }

        /// <summary>The map's name.</summary>
        public string Name => Handle.Name;

        /// <summary>Looks up <paramref name="key"/>.</summary>
        /// <param name="key">The key.</param>
        /// <param name="value">The value when found, else default.</param>
        /// <returns>False when the key is not in the map.</returns>
        public bool TryGetValue(TKey key, out TValue value)
        {
            value = default;
            return Handle.TryLookup(AsBytes(ref key), MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)));
        }

        /// <summary>Gets or sets the value for <paramref name="key"/>; setting creates or replaces the entry.</summary>
        /// <param name="key">The key.</param>
        /// <exception cref="KeyNotFoundException">On get, when the key is not in the map.</exception>
        public TValue this[TKey key]
        {
            get => TryGetValue(key, out TValue v) ? v : throw new KeyNotFoundException($"Key {key} is not in map '{Name}'.");
            set => Update(key, value);
        }

        /// <summary>Creates or replaces an entry.</summary>
        /// <param name="key">The key.</param>
        /// <param name="value">The value.</param>
        /// <param name="flags">Whether the entry must or must not exist already.</param>
        /// <exception cref="BpfException">The update failed.</exception>
        public void Update(TKey key, TValue value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
            => Handle.Update(AsBytes(ref key), AsBytes(ref value), flags);

        /// <summary>Deletes an entry.</summary>
        /// <param name="key">The key.</param>
        /// <returns>False when the key was not in the map.</returns>
        public bool Delete(TKey key) => Handle.Delete(AsBytes(ref key));

        /// <summary>The keys currently in the map (BPF_MAP_GET_NEXT_KEY), each at most once.</summary>
        public IEnumerable<TKey> Keys => MapKeys.Walk<TKey>(Handle);

        /// <summary>
        /// Creates or replaces the entries <paramref name="keys"/>[i] = <paramref name="values"/>[i], <see cref="BatchSize"/>
        /// per system call (BPF_MAP_UPDATE_BATCH), or one at a time where the kernel has no batch update for the map's type.
        /// </summary>
        /// <exception cref="ArgumentException">The spans differ in length.</exception>
        /// <exception cref="BpfException">
        /// An update failed (the entries before it are written): the map is full, or <paramref name="flags"/> refused an entry.
        /// </exception>
        public unsafe void UpdateBatch(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        {
            if (keys.Length != values.Length) throw new ArgumentException($"{keys.Length} keys and {values.Length} values: a batch needs one value per key.", nameof(values));
            int done = 0;
            LastBatchCalls = 0;
            using (BpfFileDescriptor.Lease lease = Handle.Fd.Acquire())
            {
                fixed (TKey* k = keys)
                fixed (TValue* v = values)
                {
                    while (done < keys.Length)
                    {
                        uint count = (uint)Math.Min(Math.Max(1, BatchSize), keys.Length - done);
                        int r = Interop.BpfSyscalls.MapBatch(Interop.BpfCommand.MapUpdateBatch, lease.Fd, null, null, k + done, v + done, ref count, (ulong)flags, out int errno);
                        done += (int)count;
                        if (r >= 0)
                        {
                            LastBatchCalls++;
                            continue;
                        }
                        if (done == 0 && errno is Interop.Native.EINVAL or Interop.Native.ENOTSUPP or Interop.Native.EOPNOTSUPP) break;
                        throw BpfErrors.FromErrno(errno, $"to update entry {done} of {keys.Length} of map '{Name}' in a batch (BPF_MAP_UPDATE_BATCH)");
                    }
                }
            }
            for (; done < keys.Length; done++) Update(keys[done], values[done], flags);
        }

        /// <summary>
        /// Deletes the entries of <paramref name="keys"/> that are in the map, <see cref="BatchSize"/> per system call
        /// (BPF_MAP_DELETE_BATCH), or one at a time where the kernel has no batch delete for the map's type.
        /// </summary>
        /// <returns>How many entries were deleted (keys not in the map are skipped).</returns>
        /// <exception cref="BpfException">The map's type has no deletion (arrays), or a deletion failed.</exception>
        public unsafe int DeleteBatch(ReadOnlySpan<TKey> keys)
        {
            int done = 0, deleted = 0;
            LastBatchCalls = 0;
            using (BpfFileDescriptor.Lease lease = Handle.Fd.Acquire())
            {
                fixed (TKey* k = keys)
                {
                    while (done < keys.Length)
                    {
                        uint count = (uint)Math.Min(Math.Max(1, BatchSize), keys.Length - done);
                        int r = Interop.BpfSyscalls.MapBatch(Interop.BpfCommand.MapDeleteBatch, lease.Fd, null, null, k + done, null, ref count, 0, out int errno);
                        done += (int)count;
                        deleted += (int)count;
                        if (r >= 0)
                        {
                            LastBatchCalls++;
                            continue;
                        }
                        // The kernel stops at a key the map does not hold: skip it and go on.
                        if (errno == Interop.Native.ENOENT)
                        {
                            LastBatchCalls++;
                            done++;
                            continue;
                        }
                        if (done == 0 && errno is Interop.Native.EINVAL or Interop.Native.ENOTSUPP or Interop.Native.EOPNOTSUPP) break;
                        throw BpfErrors.FromErrno(errno, $"to delete entry {done} of {keys.Length} of map '{Name}' in a batch (BPF_MAP_DELETE_BATCH)");
                    }
                }
            }
            for (; done < keys.Length; done++)
            {
                if (Delete(keys[done])) deleted++;
            }
            return deleted;
        }

        /// <summary>Deletes every entry (<see cref="DeleteBatch"/> of the <see cref="Keys"/>).</summary>
        /// <returns>How many entries were deleted.</returns>
        public int Clear() => DeleteBatch(new List<TKey>(Keys).ToArray());

        /// <summary>
        /// Enumerates the entries. Where the kernel has BPF_MAP_LOOKUP_BATCH for the map's type, the entries come
        /// <see cref="BatchSize"/> at a time in one system call each; otherwise each key is walked and its value read
        /// (keys removed meanwhile are skipped).
        /// </summary>
        /// <returns>An enumerator of key/value pairs.</returns>
        public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator()
        {
            var batched = ReadBatches();
            LastEnumerationBatched = batched is not null;
            if (batched is not null)
            {
                foreach (var entry in batched) yield return entry;
                yield break;
            }
            foreach (TKey k in new List<TKey>(Keys))
            {
                if (TryGetValue(k, out TValue v)) yield return new KeyValuePair<TKey, TValue>(k, v);
            }
        }

        /// <summary>How many batch system calls the last <see cref="UpdateBatch"/> or <see cref="DeleteBatch"/> made that the kernel carried out (for tests).</summary>
        internal int LastBatchCalls { get; private set; }

        /// <summary>True when the last enumeration read the map in batches (for tests).</summary>
        internal bool LastEnumerationBatched { get; private set; }

        /// <summary>How many entries one BPF_MAP_LOOKUP_BATCH call reads (at least 1).</summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
        public int BatchSize
        {
            get => _batchSize;
            set
            {
                if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "A batch reads at least one entry.");
                _batchSize = value;
            }
        }

        private int _batchSize = 256;

        /// <summary>Every entry, read in batches; null when the kernel has no batch lookup for this map's type.</summary>
        private unsafe List<KeyValuePair<TKey, TValue>>? ReadBatches()
        {
            int size = Math.Max(1, BatchSize);
            var keys = new TKey[size];
            var values = new TValue[size];
            // The token is a key for arrays and a bucket index for hash maps: room for either.
            var token = new byte[Math.Max(8, Unsafe.SizeOf<TKey>())];
            var entries = new List<KeyValuePair<TKey, TValue>>();
            bool first = true;
            using BpfFileDescriptor.Lease lease = Handle.Fd.Acquire();
            fixed (TKey* k = keys)
            fixed (TValue* v = values)
            fixed (byte* t = token)
            {
                while (true)
                {
                    uint count = (uint)size;
                    int r = Interop.BpfSyscalls.MapLookupBatch(lease.Fd, first ? null : t, t, k, v, ref count, out int errno);
                    if (r < 0 && errno != Interop.Native.ENOENT)
                    {
                        // No batch lookup for this type, or a hash bucket holds more entries than a batch: walk the keys instead.
                        if ((first && errno is Interop.Native.EINVAL or Interop.Native.ENOTSUPP or Interop.Native.EOPNOTSUPP) || errno == Interop.Native.ENOSPC) return null;
                        throw BpfErrors.FromErrno(errno, $"to read map '{Name}' in batches (BPF_MAP_LOOKUP_BATCH)");
                    }
                    for (int i = 0; i < count; i++) entries.Add(new KeyValuePair<TKey, TValue>(keys[i], values[i]));
                    if (r < 0) return entries; // ENOENT: the walk reached the end
                    first = false;
                }
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private static Span<byte> AsBytes<T>(ref T v)
            where T : unmanaged
            => MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref v, 1));

        /// <inheritdoc />
        public override string ToString() => Handle.ToString();
    }

    /// <summary>Walks a map's keys.</summary>
    internal static class MapKeys
    {
        /// <summary>The keys currently in <paramref name="handle"/> (BPF_MAP_GET_NEXT_KEY), each at most once.</summary>
        public static IEnumerable<TKey> Walk<TKey>(BpfMapHandle handle)
            where TKey : unmanaged
        {
            var seen = new HashSet<TKey>();
            TKey current = default;
            bool first = true;
            // A hash map restarts from its first key when the current key was deleted meanwhile; the
            // seen-set and the bound stop that from looping forever.
            long limit = (long)handle.MaxEntries * 2 + 16;
            for (long i = 0; i < limit; i++)
            {
                TKey next = default;
                bool ok = first
                    ? handle.TryGetNextKey(ReadOnlySpan<byte>.Empty, MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref next, 1)))
                    : handle.TryGetNextKey(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref current, 1)), MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref next, 1)));
                if (!ok) yield break;
                first = false;
                current = next;
                if (seen.Add(next)) yield return next;
            }
        }
    }
}
