using System;
using System.Collections.Generic;

namespace BpfDotnet
{
    /// <summary>
    /// An array of maps (<c>BPF_MAP_TYPE_ARRAY_OF_MAPS</c>): each slot holds a map of type <typeparamref name="TInner"/>
    /// (or none), which user space puts there (<see cref="BpfMapOfMapsHandle{TKey}.Set"/>) and a
    /// program looks up with <see cref="Get"/> and then uses as any map. Declare it as a static field with
    /// <see cref="BpfMapAttribute"/>: <see cref="BpfMapAttribute.MaxEntries"/> slots, and
    /// <see cref="BpfMapAttribute.InnerMaxEntries"/> (and <see cref="BpfMapAttribute.InnerFlags"/>) for the inner maps.
    /// </summary>
    /// <typeparam name="TInner">The inner maps' type: a hash, array, per-CPU or LRU map type.</typeparam>
    public sealed class BpfArrayOfMaps<TInner> : IBpfMapStandIn
        where TInner : class, IBpfMapStandIn
    {
        private TInner?[] _slots;

        /// <summary>Creates the managed stand-in; the generated code gives it the field's <see cref="BpfMapAttribute.MaxEntries"/>.</summary>
        public BpfArrayOfMaps() => _slots = Array.Empty<TInner?>();

        /// <summary>Creates the managed stand-in with <paramref name="maxEntries"/> empty slots.</summary>
        public BpfArrayOfMaps(int maxEntries) => _slots = new TInner?[maxEntries];

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => Array.Resize(ref _slots, (int)Math.Min(maxEntries, 1u << 20));

        /// <summary>The map in slot <paramref name="index"/>, or null when the slot is empty or out of range (<c>bpf_map_lookup_elem</c>).</summary>
        public TInner? Get(uint index) => index < (uint)_slots.Length ? _slots[index] : null;

        /// <summary>
        /// Puts <paramref name="map"/> (null to empty it) in slot <paramref name="index"/> of the managed stand-in. Programs
        /// cannot change a map of maps; in the kernel, user space does it through the loaded object's handle.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is past the last slot.</exception>
        public void Set(uint index, TInner? map)
        {
            if (index >= (uint)_slots.Length) throw new ArgumentOutOfRangeException(nameof(index), index, "The map of maps has " + _slots.Length + " slots.");
            _slots[index] = map;
        }
    }

    /// <summary>
    /// A hash of maps (<c>BPF_MAP_TYPE_HASH_OF_MAPS</c>): keys of <typeparamref name="TKey"/> to maps of type
    /// <typeparamref name="TInner"/>, which user space puts in and a program looks up with <see cref="Get"/>. Declare it
    /// as <see cref="BpfArrayOfMaps{TInner}"/>.
    /// </summary>
    /// <typeparam name="TKey">Key type: an unmanaged struct or integer.</typeparam>
    /// <typeparam name="TInner">The inner maps' type: a hash, array, per-CPU or LRU map type.</typeparam>
    public sealed class BpfHashOfMaps<TKey, TInner> : IBpfMapStandIn
        where TKey : unmanaged
        where TInner : class, IBpfMapStandIn
    {
        private readonly Dictionary<TKey, TInner> _entries = new Dictionary<TKey, TInner>();
        private int _maxEntries;

        /// <summary>Creates the managed stand-in; the generated code gives it the field's <see cref="BpfMapAttribute.MaxEntries"/>.</summary>
        public BpfHashOfMaps() => _maxEntries = int.MaxValue;

        /// <summary>Creates the managed stand-in holding at most <paramref name="maxEntries"/> maps.</summary>
        public BpfHashOfMaps(int maxEntries) => _maxEntries = maxEntries;

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => _maxEntries = (int)Math.Min(maxEntries, int.MaxValue);

        /// <summary>The map stored for <paramref name="key"/>, or null (<c>bpf_map_lookup_elem</c>).</summary>
        public TInner? Get(in TKey key) => _entries.TryGetValue(key, out var map) ? map : null;

        /// <summary>
        /// Stores <paramref name="map"/> for <paramref name="key"/> (null removes it) in the managed stand-in; in the kernel,
        /// user space does it through the loaded object's handle.
        /// </summary>
        /// <exception cref="InvalidOperationException">The stand-in is full.</exception>
        public void Set(in TKey key, TInner? map)
        {
            if (map is null)
            {
                _entries.Remove(key);
                return;
            }
            if (!_entries.ContainsKey(key) && _entries.Count >= _maxEntries) throw new InvalidOperationException("The map of maps holds " + _maxEntries + " maps already.");
            _entries[key] = map;
        }
    }
}
