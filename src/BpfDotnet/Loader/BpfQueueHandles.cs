using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>A queue or stack map seen from user space (<see cref="BpfQueue{T}"/>, <see cref="BpfStack{T}"/>).</summary>
    /// <typeparam name="T">The value type; its size must equal the map's value size.</typeparam>
    public sealed class BpfQueueHandle<T>
        where T : unmanaged
    {
        /// <summary>Creates the view, checking the map's type and value size.</summary>
        /// <exception cref="BpfException">The map is not a queue or stack, or the size does not match.</exception>
        public BpfQueueHandle(BpfMapHandle handle)
        {
            Handle = handle ?? throw new ArgumentNullException(nameof(handle));
            if (handle.Type is not (BpfMapType.Queue or BpfMapType.Stack) || handle.ValueSize != Unsafe.SizeOf<T>())
                throw new BpfException($"Map '{handle.Name}' is a {handle.Type} map of {handle.ValueSize}-byte values; it was requested as a queue of {typeof(T).Name} ({Unsafe.SizeOf<T>()} bytes).");
        }

        /// <summary>The untyped map.</summary>
        public BpfMapHandle Handle { get; }

        /// <summary>Adds <paramref name="value"/>; when the map is full, the oldest value makes room if <paramref name="overwriteOldest"/>.</summary>
        /// <exception cref="BpfException">The map is full (and <paramref name="overwriteOldest"/> is false).</exception>
        public void Push(T value, bool overwriteOldest = false)
            => Handle.Update(ReadOnlySpan<byte>.Empty, MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)), overwriteOldest ? BpfUpdateFlags.Exist : BpfUpdateFlags.Any);

        /// <summary>Takes the next value out (BPF_MAP_LOOKUP_AND_DELETE_ELEM); false when empty.</summary>
        public bool TryPop(out T value)
        {
            value = default;
            return Handle.TryLookupAndDelete(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)));
        }

        /// <summary>Copies the next value without taking it; false when empty.</summary>
        public bool TryPeek(out T value)
        {
            value = default;
            return Handle.TryLookup(ReadOnlySpan<byte>.Empty, MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)));
        }
    }

    /// <summary>A bloom filter seen from user space (<see cref="BpfBloomFilter{T}"/>).</summary>
    /// <typeparam name="T">The value type; its size must equal the map's value size.</typeparam>
    public sealed class BpfBloomFilterHandle<T>
        where T : unmanaged
    {
        /// <summary>Creates the view, checking the map's type and value size.</summary>
        /// <exception cref="BpfException">The map is not a bloom filter, or the size does not match.</exception>
        public BpfBloomFilterHandle(BpfMapHandle handle)
        {
            Handle = handle ?? throw new ArgumentNullException(nameof(handle));
            if (handle.Type != BpfMapType.BloomFilter || handle.ValueSize != Unsafe.SizeOf<T>())
                throw new BpfException($"Map '{handle.Name}' is a {handle.Type} map of {handle.ValueSize}-byte values; it was requested as a bloom filter of {typeof(T).Name}.");
        }

        /// <summary>The untyped map.</summary>
        public BpfMapHandle Handle { get; }

        /// <summary>Adds <paramref name="value"/>.</summary>
        public void Add(T value) => Handle.Update(ReadOnlySpan<byte>.Empty, MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)));

        /// <summary>False when <paramref name="value"/> was certainly never added; true when it may have been.</summary>
        public bool MayContain(T value) => Handle.TryLookup(ReadOnlySpan<byte>.Empty, MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)));
    }
}
