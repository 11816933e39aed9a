using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>The shape of a map (its type, sizes, capacity and flags), from which new maps of that shape are created.</summary>
    /// <param name="Name">The name new maps get unless given another.</param>
    /// <param name="Type">The map type.</param>
    /// <param name="KeySize">Key size in bytes.</param>
    /// <param name="ValueSize">Value size in bytes.</param>
    /// <param name="MaxEntries">Maximum number of entries.</param>
    /// <param name="Flags">The <c>map_flags</c>.</param>
    public sealed record BpfMapTemplate(string Name, BpfMapType Type, uint KeySize, uint ValueSize, uint MaxEntries, uint Flags)
    {
        /// <summary>Creates a map of this shape in the kernel (BPF_MAP_CREATE); the caller owns and disposes it.</summary>
        /// <param name="name">The map's name (up to 15 characters are kept); null for <see cref="Name"/>.</param>
        /// <exception cref="BpfException">The kernel refused to create it.</exception>
        public BpfMapHandle Create(string? name = null)
        {
            name ??= Name;
            int fd = BpfSyscalls.MapCreate((uint)Type, KeySize, ValueSize, MaxEntries, Flags, name, -1, 0, 0, out int errno);
            if (fd < 0)
                throw BpfErrors.FromErrno(errno, $"to create map '{name}' (BPF_MAP_CREATE: type {Type}, key {KeySize} B, value {ValueSize} B, max_entries {MaxEntries}, flags 0x{Flags:x})");
            return new BpfMapHandle(name, Type, KeySize, ValueSize, MaxEntries, Flags, new BpfFileDescriptor(fd));
        }
    }

    /// <summary>
    /// A map of maps (<see cref="BpfArrayOfMaps{TInner}"/>, <see cref="BpfHashOfMaps{TKey, TInner}"/>) seen from user
    /// space: puts maps in it, takes them out, and creates maps of the inner maps' shape.
    /// </summary>
    /// <typeparam name="TKey">The key type (<c>uint</c> for an array of maps); its size must equal the map's key size.</typeparam>
    public sealed class BpfMapOfMapsHandle<TKey>
        where TKey : unmanaged
    {
        /// <summary>Creates the view, checking that the map is a map of maps with keys of <typeparamref name="TKey"/>.</summary>
        /// <exception cref="BpfException">The map is not a map of maps, or its key size differs.</exception>
        public BpfMapOfMapsHandle(BpfMapHandle handle)
        {
            Handle = handle ?? throw new ArgumentNullException(nameof(handle));
            if (handle.Type is not (BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps) || handle.KeySize != Unsafe.SizeOf<TKey>())
                throw new BpfException($"Map '{handle.Name}' is a {handle.Type} map with {handle.KeySize}-byte keys; it was requested as a map of maps with keys of {typeof(TKey).Name} ({Unsafe.SizeOf<TKey>()} bytes).");
        }

        /// <summary>The untyped map.</summary>
        public BpfMapHandle Handle { get; }

        /// <summary>The map's name.</summary>
        public string Name => Handle.Name;

        /// <summary>The shape every inner map must have (as declared with the map), or null when the map was not created by a <see cref="BpfObject"/>.</summary>
        public BpfMapTemplate? InnerMap => Handle.InnerMap;

        /// <summary>
        /// Creates an empty map of the inner maps' shape, to fill and then <see cref="Set"/>; the caller owns it (the map of
        /// maps keeps its own reference to it, so the map lives on in the kernel while it is in the map of maps).
        /// </summary>
        /// <param name="name">The new map's name; null for the declared one (<c>Field.inner</c>).</param>
        /// <exception cref="BpfException">The map's inner shape is not known, or the kernel refused to create the map.</exception>
        public BpfMapHandle CreateInnerMap(string? name = null)
            => (InnerMap ?? throw new BpfException($"The shape of the inner maps of '{Name}' is not known; create them with BpfMapTemplate.")).Create(name);

        /// <summary>Puts <paramref name="map"/> in the map of maps under <paramref name="key"/> (BPF_MAP_UPDATE_ELEM with its descriptor).</summary>
        /// <exception cref="BpfException">
        /// The kernel refused: the map's shape differs from the inner maps' (EINVAL), the key is past the last slot, or the map is full.
        /// </exception>
        public void Set(TKey key, BpfMapHandle map)
        {
            ArgumentNullException.ThrowIfNull(map);
            uint fd = (uint)map.Fd.Value;
            try
            {
                Handle.Update(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref key, 1)), MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref fd, 1)));
            }
            catch (BpfException e) when (e.Errno == Native.EINVAL)
            {
                throw new BpfException($"The kernel refused map '{map.Name}' ({map.Type}, key {map.KeySize} B, value {map.ValueSize} B, max_entries {map.MaxEntries}, flags 0x{map.Flags:x}) "
                    + $"as an inner map of '{Name}'"
                    + (InnerMap is { } shape ? $", whose inner maps are {shape.Type}, key {shape.KeySize} B, value {shape.ValueSize} B, max_entries {shape.MaxEntries}, flags 0x{shape.Flags:x}" : "")
                    + ". Create inner maps with CreateInnerMap(), or with the same type, sizes and flags.", e);
            }
        }

        /// <summary>Takes the map under <paramref name="key"/> out (the slot or key becomes empty).</summary>
        /// <returns>False when there was none.</returns>
        public bool Delete(TKey key) => Handle.Delete(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref key, 1)));

        /// <summary>The kernel id of the map under <paramref name="key"/> (as <c>bpftool map list</c> shows it); false when there is none.</summary>
        public bool TryGetInnerMapId(TKey key, out uint id)
        {
            id = 0;
            return Handle.TryLookup(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref key, 1)), MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref id, 1)));
        }
    }
}
