using System;
using System.Collections;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// A typed view of a per-CPU map (per-CPU hash or array, LRU per-CPU hash): each key holds one
    /// <typeparamref name="TValue"/> per possible CPU, which a lookup returns together, indexed by CPU number. Values of
    /// numeric types add up with <see cref="BpfPerCpuMapHandleExtensions.Sum{TKey, TValue}"/>. The map itself is owned
    /// by the <see cref="BpfObject"/>.
    /// </summary>
    /// <typeparam name="TKey">Key type, exactly <see cref="BpfMapHandle.KeySize"/> bytes (<see cref="uint"/> for arrays).</typeparam>
    /// <typeparam name="TValue">Value type, exactly <see cref="BpfMapHandle.ValueSize"/> bytes.</typeparam>
    public sealed class BpfPerCpuMapHandle<TKey, TValue> : IEnumerable<KeyValuePair<TKey, TValue[]>>
        where TKey : unmanaged
        where TValue : unmanaged
    {
        private readonly int _stride;

        /// <summary>Creates a typed view, checking that the map is per-CPU and that the sizes of the types match it.</summary>
        /// <param name="handle">The untyped map.</param>
        /// <exception cref="BpfException">The map is not per-CPU, or the sizes do not match.</exception>
        public BpfPerCpuMapHandle(BpfMapHandle handle)
        {
            Handle = handle ?? throw new ArgumentNullException(nameof(handle));
            if (!handle.IsPerCpu)
                throw new BpfException($"Map '{handle.Name}' is a {handle.Type} map, not a per-CPU map; use GetMap<TKey, TValue>.");
            int ks = Unsafe.SizeOf<TKey>(), vs = Unsafe.SizeOf<TValue>();
            if (ks != handle.KeySize || vs != handle.ValueSize)
            {
                throw new BpfException($"Map '{handle.Name}' has {handle.KeySize}-byte keys and {handle.ValueSize}-byte values, but it was requested as " +
                    $"BpfPerCpuMapHandle<{typeof(TKey).Name}, {typeof(TValue).Name}> ({ks} and {vs} bytes). Use types whose sizes match the map's declaration.");
            }
            // The kernel lays each CPU's value out in 8-byte steps.
            _stride = (vs + 7) & ~7;
            CpuCount = handle.ValueBufferSize / _stride;
        }

        /// <summary>The untyped map.</summary>
        public BpfMapHandle Handle { get; }

        /// <summary>The map's name.</summary>
        public string Name => Handle.Name;

        /// <summary>How many values each key holds: the number of possible CPUs.</summary>
        public int CpuCount { get; }

        /// <summary>Copies every CPU's value for <paramref name="key"/> into <paramref name="values"/> (at least <see cref="CpuCount"/> long).</summary>
        /// <returns>False when the key is not in the map.</returns>
        public bool TryGetValues(TKey key, Span<TValue> values)
        {
            if (values.Length < CpuCount) throw new ArgumentException($"Map '{Name}' holds {CpuCount} values per key; the span has {values.Length}.", nameof(values));
            byte[] buffer = new byte[Handle.ValueBufferSize];
            if (!Handle.TryLookup(AsBytes(ref key), buffer)) return false;
            for (int cpu = 0; cpu < CpuCount; cpu++) values[cpu] = MemoryMarshal.Read<TValue>(buffer.AsSpan(cpu * _stride));
            return true;
        }

        /// <summary>Every CPU's value for <paramref name="key"/>, indexed by CPU number; setting gives every CPU its value.</summary>
        /// <exception cref="KeyNotFoundException">On get, when the key is not in the map.</exception>
        public TValue[] this[TKey key]
        {
            get
            {
                var values = new TValue[CpuCount];
                return TryGetValues(key, values) ? values : throw new KeyNotFoundException($"Key {key} is not in map '{Name}'.");
            }
            set => Update(key, value);
        }

        /// <summary>Creates or replaces an entry with one value per CPU (<paramref name="values"/>, <see cref="CpuCount"/> long).</summary>
        /// <exception cref="BpfException">The update failed.</exception>
        public void Update(TKey key, ReadOnlySpan<TValue> values, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        {
            if (values.Length != CpuCount) throw new ArgumentException($"Map '{Name}' holds {CpuCount} values per key; {values.Length} were given.", nameof(values));
            byte[] buffer = new byte[Handle.ValueBufferSize];
            for (int cpu = 0; cpu < CpuCount; cpu++)
            {
                TValue v = values[cpu];
                MemoryMarshal.Write(buffer.AsSpan(cpu * _stride), in v);
            }
            Handle.Update(AsBytes(ref key), buffer, flags);
        }

        /// <summary>Creates or replaces an entry, every CPU holding <paramref name="value"/>.</summary>
        public void Update(TKey key, TValue value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        {
            var values = new TValue[CpuCount];
            Array.Fill(values, value);
            Update(key, values, flags);
        }

        /// <summary>Deletes an entry (hash maps).</summary>
        /// <returns>False when the key was not in the map.</returns>
        public bool Delete(TKey key) => Handle.Delete(AsBytes(ref key));

        /// <summary>The keys currently in the map (BPF_MAP_GET_NEXT_KEY), each at most once.</summary>
        public IEnumerable<TKey> Keys => MapKeys.Walk<TKey>(Handle);

        /// <summary>Enumerates the entries: for each key, every CPU's value.</summary>
        public IEnumerator<KeyValuePair<TKey, TValue[]>> GetEnumerator()
        {
            foreach (TKey k in new List<TKey>(Keys))
            {
                var values = new TValue[CpuCount];
                if (TryGetValues(k, values)) yield return new KeyValuePair<TKey, TValue[]>(k, values);
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private static Span<byte> AsBytes<T>(ref T v)
            where T : unmanaged
            => MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref v, 1));

        /// <inheritdoc />
        public override string ToString() => Handle.ToString();
    }

    /// <summary>Sums of per-CPU values.</summary>
    public static class BpfPerCpuMapHandleExtensions
    {
        /// <summary>The sum of every CPU's value for <paramref name="key"/> (zero when the key is not in the map).</summary>
        public static TValue Sum<TKey, TValue>(this BpfPerCpuMapHandle<TKey, TValue> map, TKey key)
            where TKey : unmanaged
            where TValue : unmanaged, INumber<TValue>
        {
            if (map is null) throw new ArgumentNullException(nameof(map));
            Span<TValue> values = map.CpuCount <= 256 ? stackalloc TValue[map.CpuCount] : new TValue[map.CpuCount];
            if (!map.TryGetValues(key, values)) return TValue.Zero;
            TValue sum = TValue.Zero;
            foreach (var v in values) sum += v;
            return sum;
        }
    }
}
