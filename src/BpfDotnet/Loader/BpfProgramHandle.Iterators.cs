using System;
using System.Collections.Generic;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>Iterator programs: a link per target, read as text or bytes through <see cref="BpfLink.OpenIterator"/>.</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>The iterator targets that walk one map, which the link must name (<c>bpf_iter_link_info.map</c>).</summary>
        private static readonly string[] MapIteratorTargets = { "bpf_map_elem", "bpf_sk_storage_map", "sockmap" };

        /// <summary>The target an <c>iter/</c> program walks (<c>task</c>, <c>bpf_map_elem</c>, ...), or null for other programs.</summary>
        public string? IteratorTarget => _kind.Attach == ProgramAttach.Iterator ? SectionName.Substring(_kind.Prefix.Length) : null;

        private bool WalksAMap => IteratorTarget is { } target && Array.IndexOf(MapIteratorTargets, target) >= 0;

        /// <summary>
        /// Attaches the program, an iterator (<c>iter/task</c>, <c>iter/bpf_map</c>, <c>iter/bpf_map_elem</c>, ...), to its
        /// target with a link. Each <see cref="BpfLink.OpenIterator"/> (or <see cref="BpfLink.ReadIterator"/>) of the link then
        /// runs the program once per object the target walks, and gives what it wrote with <c>Bpf.SeqPrintf</c> and
        /// <c>Bpf.SeqWrite</c>. Pin the link (<see cref="BpfLink.Pin"/>) and <c>cat</c> the pin to read it from a shell.
        /// </summary>
        /// <param name="map">The map a map iterator (<c>bpf_map_elem</c>, <c>bpf_sk_storage_map</c>, <c>sockmap</c>) walks; null for the others.</param>
        /// <param name="processId">For a <c>task</c>, <c>task_file</c> or <c>task_vma</c> iterator: the process to walk (0: every process).</param>
        /// <exception cref="BpfException">The program is not an iterator, a map iterator was given no map (or another one was), or the kernel refused.</exception>
        public BpfLink AttachIterator(BpfMapHandle? map = null, int processId = 0)
        {
            _owner.ThrowIfDisposed();
            string target = IteratorTarget
                ?? throw new BpfException($"Program '{Name}' is in section '{SectionName}'; AttachIterator attaches iterator programs (sections iter/<target>, such as iter/task or iter/bpf_map_elem).");
            if (WalksAMap && map is null)
                throw new BpfException($"Iterator program '{Name}' walks the elements of one map ('{target}'): name it, AttachIterator(map).");
            if (!WalksAMap && map is not null)
                throw new BpfException($"Iterator program '{Name}' walks '{target}', which takes no map; call AttachIterator() without one.");
            if (processId < 0) throw new BpfException($"Process id {processId} is not a process; give 0 to walk every process.");
            int lfd, errno;
            using (BpfFileDescriptor.Lease prog = Fd.Acquire())
            {
                if (map is not null)
                {
                    using BpfFileDescriptor.Lease mapLease = map.Fd.Acquire();
                    lfd = BpfSyscalls.LinkCreateIterator(prog.Fd, mapLease.Fd, 0, out errno);
                }
                else
                {
                    lfd = BpfSyscalls.LinkCreateIterator(prog.Fd, -1, processId, out errno);
                }
            }
            string what = "iterator " + target + (map is not null ? " of map '" + map.Name + "'" : processId > 0 ? " of process " + processId : "");
            if (lfd < 0)
            {
                string? hint = errno switch
                {
                    Native.EACCES when map is not null => $"The program reads more of a key or value than map '{map.Name}' holds ({map.KeySize}-byte keys, {map.ValueSize}-byte values): declare its iterator context with the map's key and value types.",
                    Native.EINVAL when map is not null => $"The kernel cannot walk map '{map.Name}' ({map.Type}) with a '{target}' iterator.",
                    Native.EINVAL when processId > 0 => $"The kernel may predate task iterators limited to one process (6.1), or process {processId} does not exist.",
                    _ => null,
                };
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' as {what} (BPF_LINK_CREATE)", hint);
            }
            return Track(new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>()));
        }

        /// <summary>Attaches a map iterator (<c>iter/bpf_map_elem</c>) to the elements of <paramref name="map"/>, as <see cref="AttachIterator(BpfMapHandle?, int)"/> does.</summary>
        /// <exception cref="BpfException">The program is not a map iterator, or the kernel refused.</exception>
        public BpfLink AttachIterator<TKey, TValue>(BpfMapHandle<TKey, TValue> map) where TKey : unmanaged where TValue : unmanaged
        {
            ArgumentNullException.ThrowIfNull(map);
            return AttachIterator(map.Handle);
        }

        private BpfLink AttachIteratorFromSection()
        {
            if (WalksAMap)
                throw new BpfException($"Iterator program '{Name}' (section '{SectionName}') walks the elements of a map the section does not name: attach it with AttachIterator(map).");
            return AttachIterator();
        }
    }
}
