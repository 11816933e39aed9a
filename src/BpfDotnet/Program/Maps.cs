using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// What the hash maps share (<see cref="BpfHashMap{TKey, TValue}"/>, <see cref="BpfPerCpuHashMap{TKey, TValue}"/>,
    /// <see cref="BpfLruHashMap{TKey, TValue}"/>, <see cref="BpfLruPerCpuHashMap{TKey, TValue}"/>): the operations a
    /// program calls. Outside the kernel the map is backed by a dictionary, so probe code can also run as ordinary .NET
    /// code in tests (a per-CPU map then holds one CPU's values).
    /// </summary>
    /// <typeparam name="TKey">Key type: an unmanaged struct or integer.</typeparam>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public abstract class BpfKeyedMap<TKey, TValue> : IBpfMapStandIn
        where TKey : unmanaged
        where TValue : unmanaged
    {
        private readonly Dictionary<TKey, TValue> _entries = new Dictionary<TKey, TValue>();
        private readonly Dictionary<TKey, long> _lastUse = new Dictionary<TKey, long>();
        private int _maxEntries;
        private long _clock;

        /// <summary>Creates the managed stand-in holding at most <paramref name="maxEntries"/> entries.</summary>
        private protected BpfKeyedMap(int maxEntries) => _maxEntries = maxEntries;

        /// <summary>True when a full map makes room by evicting its least recently used entry (LRU maps) instead of refusing.</summary>
        private protected virtual bool EvictsWhenFull => false;

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => _maxEntries = (int)System.Math.Min(maxEntries, int.MaxValue);

        /// <summary>
        /// Returns a reference to the value stored for <paramref name="key"/>, or a null reference
        /// (test with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>) when there is none
        /// (<c>bpf_map_lookup_elem</c>). In a per-CPU map, the value of the CPU the program runs on.
        /// </summary>
        public ref TValue GetValueRefOrNullRef(in TKey key)
        {
            TKey stored = Find(key);
            ref TValue value = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, stored);
            if (!Unsafe.IsNullRef(ref value)) Touch(stored);
            return ref value;
        }

        /// <summary>The stored key a lookup of <paramref name="key"/> finds: the key itself, or (LPM tries) its longest stored prefix.</summary>
        private protected virtual TKey Find(in TKey key) => key;

        /// <summary>The keys stored, for lookups that do not match exactly.</summary>
        private protected IEnumerable<TKey> StoredKeys => _entries.Keys;

        /// <summary>Copies the value stored for <paramref name="key"/>; false when there is none.</summary>
        public bool TryGetValue(in TKey key, out TValue value)
        {
            TKey stored = Find(key);
            if (!_entries.TryGetValue(stored, out value)) return false;
            Touch(stored);
            return true;
        }

        /// <summary>Creates or replaces an entry (<c>bpf_map_update_elem</c>). Returns 0 or a negative errno.</summary>
        public long Update(in TKey key, in TValue value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        {
            bool exists = _entries.ContainsKey(key);
            if (flags == BpfUpdateFlags.NoExist && exists) return -17; // EEXIST
            if (flags == BpfUpdateFlags.Exist && !exists) return -2; // ENOENT
            if (!exists && _entries.Count >= _maxEntries)
            {
                if (!EvictsWhenFull || _entries.Count == 0) return -7; // E2BIG: the map is full, as the kernel's would be
                Evict();
            }
            _entries[key] = value;
            Touch(key);
            return 0;
        }

        /// <summary>Removes an entry (<c>bpf_map_delete_elem</c>). Returns 0 or a negative errno.</summary>
        public long Delete(in TKey key)
        {
            _lastUse.Remove(key);
            return _entries.Remove(key) ? 0 : -2;
        }

        private void Touch(in TKey key)
        {
            if (EvictsWhenFull) _lastUse[key] = ++_clock;
        }

        private void Evict()
        {
            TKey oldest = default;
            long stamp = long.MaxValue;
            foreach (var entry in _lastUse)
            {
                if (entry.Value < stamp)
                {
                    stamp = entry.Value;
                    oldest = entry.Key;
                }
            }
            _entries.Remove(oldest);
            _lastUse.Remove(oldest);
        }
    }

    /// <summary>
    /// A hash map (<c>BPF_MAP_TYPE_HASH</c>) as seen from inside a <see cref="BpfProgramAttribute"/> method.
    /// Declare it as a static field with <see cref="BpfMapAttribute"/>; a full map refuses new keys.
    /// </summary>
    /// <typeparam name="TKey">Key type: an unmanaged struct or integer.</typeparam>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfHashMap<TKey, TValue> : BpfKeyedMap<TKey, TValue>
        where TKey : unmanaged
        where TValue : unmanaged
    {
        /// <summary>Creates the managed stand-in; the generated code gives it the field's <see cref="BpfMapAttribute.MaxEntries"/>.</summary>
        public BpfHashMap()
            : base(int.MaxValue)
        {
        }

        /// <summary>Creates the managed stand-in holding at most <paramref name="maxEntries"/> entries.</summary>
        public BpfHashMap(int maxEntries)
            : base(maxEntries)
        {
        }
    }

    /// <summary>
    /// A per-CPU hash map (<c>BPF_MAP_TYPE_PERCPU_HASH</c>): each key holds one value per CPU, and a program sees and
    /// changes its own CPU's, with no contention between CPUs (no atomic operations needed). User space reads every CPU's
    /// value (<see cref="BpfPerCpuMapHandle{TKey, TValue}"/>) and adds them up.
    /// </summary>
    /// <typeparam name="TKey">Key type: an unmanaged struct or integer.</typeparam>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfPerCpuHashMap<TKey, TValue> : BpfKeyedMap<TKey, TValue>
        where TKey : unmanaged
        where TValue : unmanaged
    {
        /// <summary>Creates the managed stand-in; the generated code gives it the field's <see cref="BpfMapAttribute.MaxEntries"/>.</summary>
        public BpfPerCpuHashMap()
            : base(int.MaxValue)
        {
        }
    }

    /// <summary>
    /// A hash map that evicts its least recently used entries to make room (<c>BPF_MAP_TYPE_LRU_HASH</c>): an update
    /// into a full map succeeds. For state kept per connection, process or file, where old entries may go.
    /// </summary>
    /// <typeparam name="TKey">Key type: an unmanaged struct or integer.</typeparam>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfLruHashMap<TKey, TValue> : BpfKeyedMap<TKey, TValue>
        where TKey : unmanaged
        where TValue : unmanaged
    {
        /// <summary>Creates the managed stand-in; the generated code gives it the field's <see cref="BpfMapAttribute.MaxEntries"/>.</summary>
        public BpfLruHashMap()
            : base(int.MaxValue)
        {
        }

        private protected override bool EvictsWhenFull => true;
    }

    /// <summary>A per-CPU hash map that evicts its least recently used entries (<c>BPF_MAP_TYPE_LRU_PERCPU_HASH</c>).</summary>
    /// <typeparam name="TKey">Key type: an unmanaged struct or integer.</typeparam>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfLruPerCpuHashMap<TKey, TValue> : BpfKeyedMap<TKey, TValue>
        where TKey : unmanaged
        where TValue : unmanaged
    {
        /// <summary>Creates the managed stand-in; the generated code gives it the field's <see cref="BpfMapAttribute.MaxEntries"/>.</summary>
        public BpfLruPerCpuHashMap()
            : base(int.MaxValue)
        {
        }

        private protected override bool EvictsWhenFull => true;
    }

    /// <summary>
    /// A longest-prefix-match trie (<c>BPF_MAP_TYPE_LPM_TRIE</c>), for routes and address ranges: a key is a prefix length
    /// in bits followed by the address bytes (network order), such as <see cref="Ipv4Prefix"/> and <see cref="Ipv6Prefix"/>;
    /// a lookup of a full-length key finds the value of the longest stored prefix that contains it. The kernel requires it
    /// unpreallocated; the compiler sets that flag.
    /// </summary>
    /// <typeparam name="TKey">Key type: a <see cref="uint"/> prefix length in bits, then the address bytes.</typeparam>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfLpmTrieMap<TKey, TValue> : BpfKeyedMap<TKey, TValue>
        where TKey : unmanaged
        where TValue : unmanaged
    {
        /// <summary>Creates the managed stand-in; the generated code gives it the field's <see cref="BpfMapAttribute.MaxEntries"/>.</summary>
        public BpfLpmTrieMap()
            : base(int.MaxValue)
        {
        }

        private protected override TKey Find(in TKey key)
        {
            var wanted = MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in key), 1));
            uint wantedBits = MemoryMarshal.Read<uint>(wanted);
            TKey best = key;
            int bestBits = -1;
            foreach (var stored in StoredKeys)
            {
                var candidate = MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in stored), 1));
                uint bits = MemoryMarshal.Read<uint>(candidate);
                if (bits > wantedBits || (int)bits <= bestBits || !SamePrefix(wanted[4..], candidate[4..], (int)bits)) continue;
                best = stored;
                bestBits = (int)bits;
            }
            return best;
        }

        private static bool SamePrefix(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int bits)
        {
            for (int i = 0; bits > 0; i++, bits -= 8)
            {
                int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
                if (i >= a.Length || ((a[i] ^ b[i]) & mask) != 0) return false;
            }
            return true;
        }
    }

    /// <summary>An IPv4 prefix as an LPM trie key: a length in bits, then the address's 4 bytes in network order.</summary>
    public struct Ipv4Prefix
    {
        /// <summary>The prefix length in bits (32 for one address).</summary>
        public uint PrefixLength;
        /// <summary>The address, its bytes in network order (10.1.2.3 is the bytes 10, 1, 2, 3).</summary>
        public uint Address;
    }

    /// <summary>The 16 bytes of an IPv6 address, in network order.</summary>
    [InlineArray(16)]
    public struct Ipv6Address
    {
        private byte _element;
    }

    /// <summary>An IPv6 prefix as an LPM trie key: a length in bits, then the address's 16 bytes in network order.</summary>
    public struct Ipv6Prefix
    {
        /// <summary>The prefix length in bits (128 for one address).</summary>
        public uint PrefixLength;
        /// <summary>The address bytes.</summary>
        public Ipv6Address Address;
    }

    /// <summary>
    /// What the array maps share (<see cref="BpfArrayMap{TValue}"/>, <see cref="BpfPerCpuArrayMap{TValue}"/>):
    /// <see cref="BpfMapAttribute.MaxEntries"/> zero-initialised slots indexed by <see cref="uint"/>, as seen from inside
    /// a <see cref="BpfProgramAttribute"/> method. Outside the kernel the slots are a managed array (a per-CPU map then
    /// holds one CPU's values).
    /// </summary>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public abstract class BpfIndexedMap<TValue> : IBpfMapStandIn
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
        private protected BpfIndexedMap(int maxEntries)
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

    /// <summary>An array map (<c>BPF_MAP_TYPE_ARRAY</c>): slots every CPU shares.</summary>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfArrayMap<TValue> : BpfIndexedMap<TValue>
        where TValue : unmanaged
    {
        /// <summary>
        /// Creates the managed stand-in with <paramref name="maxEntries"/> slots. The generated code then gives it the
        /// field's <see cref="BpfMapAttribute.MaxEntries"/>, so <c>new()</c> has as many slots as the kernel's map.
        /// </summary>
        public BpfArrayMap(int maxEntries = 1)
            : base(maxEntries)
        {
        }
    }

    /// <summary>
    /// A per-CPU array map (<c>BPF_MAP_TYPE_PERCPU_ARRAY</c>): each slot holds one value per CPU, and a program sees and
    /// changes its own CPU's, with no contention between CPUs. User space reads every CPU's value
    /// (<see cref="BpfPerCpuMapHandle{TKey, TValue}"/>) and adds them up. Also the usual scratch space for a value too
    /// large for the 512-byte stack.
    /// </summary>
    /// <typeparam name="TValue">Value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfPerCpuArrayMap<TValue> : BpfIndexedMap<TValue>
        where TValue : unmanaged
    {
        /// <summary>Creates the managed stand-in with <paramref name="maxEntries"/> slots (the generated code gives it the field's).</summary>
        public BpfPerCpuArrayMap(int maxEntries = 1)
            : base(maxEntries)
        {
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
