using System.Collections.Generic;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// A hash map (<c>BPF_MAP_TYPE_HASH</c>) as seen from inside a <see cref="BpfProgramAttribute"/> method.
    /// Declare it as a static field with <see cref="BpfMapAttribute"/>. Outside the kernel the map is
    /// backed by a dictionary, so probe code can also run as ordinary .NET code in tests.
    /// </summary>
    /// <typeparam name="TKey">Key type: an unmanaged struct or integer.</typeparam>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfHashMap<TKey, TValue> : IBpfMapStandIn
        where TKey : unmanaged
        where TValue : unmanaged
    {
        private readonly Dictionary<TKey, TValue> _entries = new Dictionary<TKey, TValue>();
        private int _maxEntries = int.MaxValue;

        /// <summary>Creates the managed stand-in; the generated code gives it the field's <see cref="BpfMapAttribute.MaxEntries"/>.</summary>
        public BpfHashMap()
        {
        }

        /// <summary>Creates the managed stand-in holding at most <paramref name="maxEntries"/> entries.</summary>
        public BpfHashMap(int maxEntries) => _maxEntries = maxEntries;

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => _maxEntries = (int)System.Math.Min(maxEntries, int.MaxValue);

        /// <summary>
        /// Returns a reference to the value stored for <paramref name="key"/>, or a null reference
        /// (test with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>) when there is none
        /// (<c>bpf_map_lookup_elem</c>).
        /// </summary>
        public ref TValue GetValueRefOrNullRef(in TKey key) => ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);

        /// <summary>Copies the value stored for <paramref name="key"/>; false when there is none.</summary>
        public bool TryGetValue(in TKey key, out TValue value) => _entries.TryGetValue(key, out value);

        /// <summary>Creates or replaces an entry (<c>bpf_map_update_elem</c>). Returns 0 or a negative errno.</summary>
        public long Update(in TKey key, in TValue value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        {
            bool exists = _entries.ContainsKey(key);
            if (flags == BpfUpdateFlags.NoExist && exists) return -17; // EEXIST
            if (flags == BpfUpdateFlags.Exist && !exists) return -2; // ENOENT
            if (!exists && _entries.Count >= _maxEntries) return -7; // E2BIG: the map is full, as the kernel's would be
            _entries[key] = value;
            return 0;
        }

        /// <summary>Removes an entry (<c>bpf_map_delete_elem</c>). Returns 0 or a negative errno.</summary>
        public long Delete(in TKey key) => _entries.Remove(key) ? 0 : -2;
    }

    /// <summary>
    /// An array map (<c>BPF_MAP_TYPE_ARRAY</c>) of <see cref="BpfMapAttribute.MaxEntries"/> zero-initialised
    /// slots indexed by <see cref="uint"/>, as seen from inside a <see cref="BpfProgramAttribute"/> method.
    /// </summary>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfArrayMap<TValue> : IBpfMapStandIn
        where TValue : unmanaged
    {
        /// <summary>Slots are allocated in chunks when first touched, so a large array costs only what is used.</summary>
        private const int ChunkBits = 12;

        private TValue[]?[] _chunks;
        private uint _length;

        /// <summary>
        /// Creates the managed stand-in with <paramref name="maxEntries"/> slots. The generated code then gives it the
        /// field's <see cref="BpfMapAttribute.MaxEntries"/>, so <c>new()</c> has as many slots as the kernel's map.
        /// </summary>
        public BpfArrayMap(int maxEntries = 1)
        {
            _chunks = System.Array.Empty<TValue[]?>();
            Resize((uint)System.Math.Max(maxEntries, 0));
        }

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => Resize(maxEntries);

        private void Resize(uint length)
        {
            var chunks = new TValue[]?[(int)(((ulong)length + (1u << ChunkBits) - 1) >> ChunkBits)];
            System.Array.Copy(_chunks, chunks, System.Math.Min(_chunks.Length, chunks.Length));
            _chunks = chunks;
            _length = length;
            for (int c = 0; c < chunks.Length; c++)
            {
                // A last chunk made for a shorter array grows to its size in this one.
                if (chunks[c] is { } chunk && chunk.Length != ChunkLength(c)) System.Array.Resize(ref chunks[c], ChunkLength(c));
            }
        }

        private int ChunkLength(int chunk) => (int)System.Math.Min(1u << ChunkBits, _length - ((uint)chunk << ChunkBits));

        private ref TValue Slot(uint index)
        {
            ref var chunk = ref _chunks[index >> ChunkBits];
            chunk ??= new TValue[ChunkLength((int)(index >> ChunkBits))];
            return ref chunk[index & ((1u << ChunkBits) - 1)];
        }

        /// <summary>Reference to slot <paramref name="index"/>, or a null reference when out of range.</summary>
        public ref TValue GetValueRefOrNullRef(in uint index)
        {
            if (index >= _length) return ref Unsafe.NullRef<TValue>();
            return ref Slot(index);
        }

        /// <summary>Copies slot <paramref name="index"/>; false when out of range.</summary>
        public bool TryGetValue(in uint index, out TValue value)
        {
            if (index >= _length)
            {
                value = default;
                return false;
            }
            value = _chunks[index >> ChunkBits] is { } chunk ? chunk[index & ((1u << ChunkBits) - 1)] : default;
            return true;
        }

        /// <summary>Writes slot <paramref name="index"/>. Returns 0 or a negative errno.</summary>
        public long Update(in uint index, in TValue value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        {
            if (index >= _length) return -7; // E2BIG
            if (flags == BpfUpdateFlags.NoExist) return -17; // EEXIST: array slots always exist
            Slot(index) = value;
            return 0;
        }
    }

    /// <summary>
    /// The managed stand-in of a map field: the generated code of a probe class gives each one its field's
    /// <see cref="BpfMapAttribute.MaxEntries"/> when the assembly loads, so a probe run as .NET code finds the same number
    /// of slots as in the kernel. Not for use in programs.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public interface IBpfMapStandIn
    {
        /// <summary>Sets how many entries the stand-in holds (an array's slots; a hash map's limit).</summary>
        void SetMaxEntries(uint maxEntries);
    }
}
