using System;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// A map created in the kernel. Offers byte-level access; use <see cref="BpfObject.GetMap{TKey, TValue}(string)"/>
    /// for a typed view.
    /// </summary>
    public class BpfMapHandle : IDisposable
    {
        internal BpfMapHandle(string name, BpfMapType type, uint keySize, uint valueSize, uint maxEntries, uint flags, BpfFileDescriptor fd)
        {
            Name = name;
            Type = type;
            KeySize = keySize;
            ValueSize = valueSize;
            MaxEntries = maxEntries;
            Flags = flags;
            Fd = fd;
        }

        /// <summary>The map's name in the object (its variable or section name).</summary>
        public string Name { get; }

        /// <summary>The kernel map type.</summary>
        public BpfMapType Type { get; }

        /// <summary>Key size in bytes.</summary>
        public uint KeySize { get; }

        /// <summary>Value size in bytes (per CPU for per-CPU maps).</summary>
        public uint ValueSize { get; }

        /// <summary>Maximum number of entries.</summary>
        public uint MaxEntries { get; }

        /// <summary>The <c>map_flags</c> the map was created with.</summary>
        public uint Flags { get; }

        /// <summary>The map's kernel id (as <c>bpftool map list</c> shows it).</summary>
        public uint Id => Fd.KernelId(4);

        /// <summary>The map's file descriptor.</summary>
        public BpfFileDescriptor Fd { get; }

        /// <summary>For a map of maps: the shape of its inner maps; null for other maps.</summary>
        public BpfMapTemplate? InnerMap { get; internal init; }

        /// <summary>True for map types that hold one value per possible CPU for each key.</summary>
        public bool IsPerCpu => Type is BpfMapType.PercpuArray or BpfMapType.PercpuHash or BpfMapType.LruPercpuHash or BpfMapType.PercpuCgroupStorage;

        /// <summary>
        /// Size in bytes of the buffer a lookup fills: <see cref="ValueSize"/>, or for per-CPU maps the value rounded up to
        /// 8 bytes times the number of possible CPUs.
        /// </summary>
        public int ValueBufferSize => IsPerCpu ? (int)((ValueSize + 7) / 8 * 8) * BpfSystem.GetPossibleCpuCount() : (int)ValueSize;

        /// <summary>Looks up <paramref name="key"/> (BPF_MAP_LOOKUP_ELEM) and copies its value into <paramref name="value"/>.</summary>
        /// <param name="key">The key bytes; exactly <see cref="KeySize"/> long.</param>
        /// <param name="value">Receives the value; at least <see cref="ValueBufferSize"/> long.</param>
        /// <returns>False when the key is not in the map.</returns>
        public unsafe bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
        {
            CheckKey(key);
            if (value.Length < ValueBufferSize)
                throw new ArgumentException($"Map '{Name}' needs a value buffer of {ValueBufferSize} bytes, got {value.Length}.", nameof(value));
            using BpfFileDescriptor.Lease lease = Fd.Acquire();
            fixed (byte* k = key)
            fixed (byte* v = value)
            {
                if (BpfSyscalls.MapElem(BpfCommand.MapLookupElem, lease.Fd, k, v, 0, out int errno) == 0) return true;
                if (errno == Native.ENOENT) return false;
                throw BpfErrors.FromErrno(errno, $"to look up a key in map '{Name}' (BPF_MAP_LOOKUP_ELEM)");
            }
        }

        /// <summary>Takes the next value out of a queue or stack (BPF_MAP_LOOKUP_AND_DELETE_ELEM with no key).</summary>
        /// <param name="value">Receives the value; at least <see cref="ValueBufferSize"/> long.</param>
        /// <returns>False when the map is empty.</returns>
        public unsafe bool TryLookupAndDelete(Span<byte> value)
        {
            if (value.Length < ValueBufferSize)
                throw new ArgumentException($"Map '{Name}' needs a value buffer of {ValueBufferSize} bytes, got {value.Length}.", nameof(value));
            using BpfFileDescriptor.Lease lease = Fd.Acquire();
            fixed (byte* v = value)
            {
                if (BpfSyscalls.MapElem(BpfCommand.MapLookupAndDeleteElem, lease.Fd, null, v, 0, out int errno) == 0) return true;
                if (errno == Native.ENOENT) return false;
                throw BpfErrors.FromErrno(errno, $"to take a value out of map '{Name}' (BPF_MAP_LOOKUP_AND_DELETE_ELEM)");
            }
        }

        /// <summary>Creates or replaces an entry (BPF_MAP_UPDATE_ELEM).</summary>
        /// <param name="key">The key bytes; exactly <see cref="KeySize"/> long.</param>
        /// <param name="value">The value bytes; <see cref="ValueBufferSize"/> long.</param>
        /// <param name="flags">Whether the entry must or must not exist already.</param>
        /// <exception cref="BpfException">The update failed (EEXIST/ENOENT for the flags, E2BIG when the map is full).</exception>
        /// <exception cref="ArgumentException">The key or value has the wrong size, or an LPM trie key's prefix is longer than its data.</exception>
        public unsafe void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        {
            CheckKey(key);
            // An LPM trie key starts with its prefix length in bits, which the data after it must hold.
            if (Type == BpfMapType.LpmTrie && key.Length >= 4 && System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(key) is uint prefix && prefix > (uint)(key.Length - 4) * 8)
                throw new ArgumentException($"Map '{Name}' is an LPM trie whose keys hold {(key.Length - 4) * 8} bits after the prefix length; a prefix of {prefix} bits does not fit.", nameof(key));
            if (value.Length != ValueBufferSize)
                throw new ArgumentException($"Map '{Name}' needs a value of {ValueBufferSize} bytes, got {value.Length}.", nameof(value));
            using BpfFileDescriptor.Lease lease = Fd.Acquire();
            fixed (byte* k = key)
            fixed (byte* v = value)
            {
                if (BpfSyscalls.MapElem(BpfCommand.MapUpdateElem, lease.Fd, k, v, (ulong)flags, out int errno) == 0) return;
                string hint = errno switch
                {
                    Native.EEXIST => "The key already exists and the update used BpfUpdateFlags.NoExist.",
                    Native.ENOENT => "The key does not exist and the update used BpfUpdateFlags.Exist.",
                    Native.E2BIG => $"The map is full ({MaxEntries} entries) or the array index is out of range.",
                    Native.EPERM => "The map is read-only from user space (frozen or BPF_F_RDONLY), or the process lacks CAP_BPF.",
                    _ => BpfErrors.Advice(errno),
                };
                throw BpfErrors.FromErrno(errno, $"to update map '{Name}' (BPF_MAP_UPDATE_ELEM)", hint);
            }
        }

        /// <summary>Deletes an entry (BPF_MAP_DELETE_ELEM).</summary>
        /// <param name="key">The key bytes; exactly <see cref="KeySize"/> long.</param>
        /// <returns>False when the key was not in the map.</returns>
        public unsafe bool Delete(ReadOnlySpan<byte> key)
        {
            CheckKey(key);
            using BpfFileDescriptor.Lease lease = Fd.Acquire();
            fixed (byte* k = key)
            {
                if (BpfSyscalls.MapElem(BpfCommand.MapDeleteElem, lease.Fd, k, null, 0, out int errno) == 0) return true;
                if (errno == Native.ENOENT) return false;
                throw BpfErrors.FromErrno(errno, $"to delete from map '{Name}' (BPF_MAP_DELETE_ELEM)",
                    errno == Native.EINVAL && Type is BpfMapType.Array or BpfMapType.PercpuArray ? "Entries of array maps cannot be deleted; write zeros instead." : null);
            }
        }

        /// <summary>Finds the key after <paramref name="key"/> (BPF_MAP_GET_NEXT_KEY); an empty <paramref name="key"/> asks for the first key.</summary>
        /// <param name="key">The current key, or empty to start.</param>
        /// <param name="nextKey">Receives the next key; exactly <see cref="KeySize"/> long.</param>
        /// <returns>False when there is no further key.</returns>
        public unsafe bool TryGetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
        {
            if (!key.IsEmpty) CheckKey(key);
            if (nextKey.Length != KeySize)
                throw new ArgumentException($"Map '{Name}' has {KeySize}-byte keys; the next-key buffer is {nextKey.Length} bytes.", nameof(nextKey));
            using BpfFileDescriptor.Lease lease = Fd.Acquire();
            fixed (byte* k = key)
            fixed (byte* n = nextKey)
            {
                if (BpfSyscalls.MapElem(BpfCommand.MapGetNextKey, lease.Fd, key.IsEmpty ? null : k, n, 0, out int errno) == 0) return true;
                if (errno == Native.ENOENT) return false;
                throw BpfErrors.FromErrno(errno, $"to iterate map '{Name}' (BPF_MAP_GET_NEXT_KEY)");
            }
        }

        private void CheckKey(ReadOnlySpan<byte> key)
        {
            if (key.Length != KeySize)
                throw new ArgumentException($"Map '{Name}' has {KeySize}-byte keys, got {key.Length} bytes.", nameof(key));
        }

        /// <summary>Closes the map's file descriptor. Normally done by the owning <see cref="BpfObject"/>.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases the file descriptor.</summary>
        /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
        protected virtual void Dispose(bool disposing)
        {
            if (disposing) Fd.Dispose();
        }

        /// <inheritdoc />
        public override string ToString() => $"{Name} ({Type}, key {KeySize} B, value {ValueSize} B, max {MaxEntries}, id {Id})";

        /// <summary>
        /// Pins the map at <paramref name="path"/> on a BPF filesystem (<c>/sys/fs/bpf/...</c>), so that it outlives this
        /// process and other tools (<c>bpftool map dump pinned</c>) reach it; delete the file to unpin it.
        /// </summary>
        /// <exception cref="BpfException">The path is taken, its directory is missing, or it is not on a BPF filesystem.</exception>
        public void Pin(string path) => Pins.Pin(Fd, path, "map '" + Name + "'");
    }
}
