using System.Collections.Generic;

namespace BpfDotnet
{
    /// <summary>
    /// What queues and stacks share (<see cref="BpfQueue{T}"/>, <see cref="BpfStack{T}"/>): values without keys, pushed
    /// and popped by programs and user space. Outside the kernel they are a managed list.
    /// </summary>
    /// <typeparam name="T">The value type: an unmanaged struct or integer.</typeparam>
    public abstract class BpfValueList<T> : IBpfMapStandIn
        where T : unmanaged
    {
        private readonly LinkedList<T> _values = new LinkedList<T>();
        private int _maxEntries = int.MaxValue;

        private protected BpfValueList()
        {
        }

        /// <summary>True when values leave from the end they were pushed to (a stack).</summary>
        private protected abstract bool LastInFirstOut { get; }

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => _maxEntries = (int)System.Math.Min(maxEntries, int.MaxValue);

        /// <summary>
        /// Adds <paramref name="value"/> (<c>bpf_map_push_elem</c>). When full: -E2BIG, or with
        /// <see cref="BpfUpdateFlags.Exist"/> the oldest value makes room. Returns 0 or a negative errno.
        /// </summary>
        public long Push(in T value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        {
            if (_values.Count >= _maxEntries)
            {
                if (flags != BpfUpdateFlags.Exist) return -7;
                _values.RemoveFirst();
            }
            _values.AddLast(value);
            return 0;
        }

        /// <summary>Takes the next value out (<c>bpf_map_pop_elem</c>); false when empty.</summary>
        public bool TryPop(out T value)
        {
            if (!TryPeek(out value)) return false;
            if (LastInFirstOut) _values.RemoveLast();
            else _values.RemoveFirst();
            return true;
        }

        /// <summary>Copies the next value without taking it (<c>bpf_map_peek_elem</c>); false when empty.</summary>
        public bool TryPeek(out T value)
        {
            value = default;
            if (_values.Count == 0) return false;
            value = LastInFirstOut ? _values.Last!.Value : _values.First!.Value;
            return true;
        }
    }

    /// <summary>A queue (<c>BPF_MAP_TYPE_QUEUE</c>): values come out in the order they went in.</summary>
    /// <typeparam name="T">The value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfQueue<T> : BpfValueList<T>
        where T : unmanaged
    {
        /// <summary>Creates the managed stand-in; the generated code gives it the field's size.</summary>
        public BpfQueue()
        {
        }

        private protected override bool LastInFirstOut => false;
    }

    /// <summary>A stack (<c>BPF_MAP_TYPE_STACK</c>): the last value in comes out first.</summary>
    /// <typeparam name="T">The value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfStack<T> : BpfValueList<T>
        where T : unmanaged
    {
        /// <summary>Creates the managed stand-in; the generated code gives it the field's size.</summary>
        public BpfStack()
        {
        }

        private protected override bool LastInFirstOut => true;
    }

    /// <summary>
    /// A bloom filter (<c>BPF_MAP_TYPE_BLOOM_FILTER</c>): <see cref="MayContain"/> is false for a value never added, and
    /// true for every value added (and, rarely, for others). Outside the kernel it is a set, with no false positives.
    /// </summary>
    /// <typeparam name="T">The value type: an unmanaged struct or integer.</typeparam>
    public sealed class BpfBloomFilter<T> : IBpfMapStandIn
        where T : unmanaged
    {
        private readonly HashSet<T> _values = new HashSet<T>();

        /// <summary>Creates the managed stand-in.</summary>
        public BpfBloomFilter()
        {
        }

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries)
        {
        }

        /// <summary>Adds <paramref name="value"/> (<c>bpf_map_push_elem</c>). Returns 0 or a negative errno.</summary>
        public long Add(in T value)
        {
            _values.Add(value);
            return 0;
        }

        /// <summary>False when <paramref name="value"/> was certainly never added (<c>bpf_map_peek_elem</c>).</summary>
        public bool MayContain(in T value) => _values.Contains(value);
    }
}
