using System.Collections.Generic;
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
    public sealed class BpfHashMap<TKey, TValue>
        where TKey : unmanaged
        where TValue : unmanaged
    {
        private readonly Dictionary<TKey, TValue> _entries = new Dictionary<TKey, TValue>();

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
    public sealed class BpfArrayMap<TValue>
        where TValue : unmanaged
    {
        private readonly TValue[] _slots;

        /// <summary>Creates the managed stand-in with <paramref name="maxEntries"/> slots.</summary>
        public BpfArrayMap(int maxEntries = 1) => _slots = new TValue[maxEntries];

        /// <summary>Reference to slot <paramref name="index"/>, or a null reference when out of range.</summary>
        public ref TValue GetValueRefOrNullRef(in uint index)
        {
            if (index >= (uint)_slots.Length) return ref Unsafe.NullRef<TValue>();
            return ref _slots[index];
        }

        /// <summary>Copies slot <paramref name="index"/>; false when out of range.</summary>
        public bool TryGetValue(in uint index, out TValue value)
        {
            if (index >= (uint)_slots.Length)
            {
                value = default;
                return false;
            }
            value = _slots[index];
            return true;
        }

        /// <summary>Writes slot <paramref name="index"/>. Returns 0 or a negative errno.</summary>
        public long Update(in uint index, in TValue value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        {
            if (index >= (uint)_slots.Length) return -7; // E2BIG
            if (flags == BpfUpdateFlags.NoExist) return -17; // EEXIST: array slots always exist
            _slots[index] = value;
            return 0;
        }
    }
}
