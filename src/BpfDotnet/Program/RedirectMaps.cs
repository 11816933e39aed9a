using System;
using System.Collections.Generic;

namespace BpfDotnet
{
    /// <summary>
    /// What the maps an XDP program redirects packets through share (<see cref="BpfDevMap"/>, <see cref="BpfDevMapHash"/>,
    /// <see cref="BpfCpuMap"/>, <see cref="BpfXskMap"/>): 4-byte keys to 4-byte entries (an interface index, a queue size,
    /// a socket) that user space sets, and <see cref="Redirect"/> in a program. A program cannot change them. Outside the
    /// kernel the entries are a managed dictionary, set with <see cref="Set"/>.
    /// </summary>
    public abstract class BpfRedirectMap : IBpfMapStandIn
    {
        private readonly Dictionary<uint, uint> _entries = new Dictionary<uint, uint>();
        private uint _maxEntries = 1;

        /// <summary>
        /// <c>bpf_redirect_map</c>: sends the packet where the entry at <paramref name="key"/> says (an interface, a CPU, an
        /// AF_XDP socket). Return its result: <see cref="XdpAction.Redirect"/>, or, when the map has no such entry, the
        /// action in the low two bits of <paramref name="flags"/> (<see cref="XdpAction.Aborted"/> by default; pass
        /// <c>(ulong)XdpAction.Pass</c> to let the packet through instead).
        /// </summary>
        public XdpAction Redirect(uint key, ulong flags = 0) => _entries.ContainsKey(key) ? XdpAction.Redirect : (XdpAction)(flags & 3);

        /// <summary>Outside the kernel: sets the entry at <paramref name="key"/> (user space sets the kernel's through the loaded map's handle).</summary>
        public void Set(uint key, uint value)
        {
            if (IsArray && key >= _maxEntries) throw new ArgumentOutOfRangeException(nameof(key), $"the map has {_maxEntries} entries");
            if (!IsArray && !_entries.ContainsKey(key) && _entries.Count >= _maxEntries) throw new InvalidOperationException($"the map is full ({_maxEntries} entries)");
            _entries[key] = value;
        }

        /// <summary>Outside the kernel: removes the entry at <paramref name="key"/>.</summary>
        public bool Delete(uint key) => _entries.Remove(key);

        /// <summary>True when keys are indexes below <c>MaxEntries</c> (all but the hash of devices).</summary>
        private protected virtual bool IsArray => true;

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries) => _maxEntries = Math.Max(1, maxEntries);
    }

    /// <summary>A map of network interfaces by index (<c>BPF_MAP_TYPE_DEVMAP</c>): each entry an interface index, for <see cref="BpfRedirectMap.Redirect"/>.</summary>
    public sealed class BpfDevMap : BpfRedirectMap
    {
    }

    /// <summary>A map of network interfaces by any 4-byte key (<c>BPF_MAP_TYPE_DEVMAP_HASH</c>): each entry an interface index.</summary>
    public sealed class BpfDevMapHash : BpfRedirectMap
    {
        private protected override bool IsArray => false;
    }

    /// <summary>A map of CPUs by index (<c>BPF_MAP_TYPE_CPUMAP</c>): each entry the size of the queue that CPU takes redirected packets into (0: none).</summary>
    public sealed class BpfCpuMap : BpfRedirectMap
    {
    }

    /// <summary>A map of AF_XDP sockets by receive queue (<c>BPF_MAP_TYPE_XSKMAP</c>): each entry a socket's descriptor, set from user space.</summary>
    public sealed class BpfXskMap : BpfRedirectMap
    {
    }
}
