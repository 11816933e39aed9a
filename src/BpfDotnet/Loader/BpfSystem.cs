using System;
using System.Collections.Generic;
using System.IO;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// System-wide queries: the ids of every BPF program, map, link and BTF object loaded in the kernel
    /// (what <c>bpftool prog/map/link/btf list</c> shows), CPU sets, and where tracefs is mounted.
    /// </summary>
    public static class BpfSystem
    {
        /// <summary>Ids of all BPF programs in the kernel (BPF_PROG_GET_NEXT_ID), ascending.</summary>
        /// <exception cref="BpfException">The caller lacks the privileges to list ids (needs CAP_SYS_ADMIN).</exception>
        public static IReadOnlyList<uint> GetProgramIds() => BpfSyscalls.GetIds(BpfCommand.ProgGetNextId);

        /// <summary>Ids of all BPF maps in the kernel (BPF_MAP_GET_NEXT_ID), ascending.</summary>
        /// <exception cref="BpfException">The caller lacks the privileges to list ids (needs CAP_SYS_ADMIN).</exception>
        public static IReadOnlyList<uint> GetMapIds() => BpfSyscalls.GetIds(BpfCommand.MapGetNextId);

        /// <summary>Ids of all BPF links in the kernel (BPF_LINK_GET_NEXT_ID), ascending.</summary>
        /// <exception cref="BpfException">The caller lacks the privileges to list ids (needs CAP_SYS_ADMIN).</exception>
        public static IReadOnlyList<uint> GetLinkIds() => BpfSyscalls.GetIds(BpfCommand.LinkGetNextId);

        /// <summary>Ids of all BTF objects in the kernel (BPF_BTF_GET_NEXT_ID), ascending; includes vmlinux and modules.</summary>
        /// <exception cref="BpfException">The caller lacks the privileges to list ids (needs CAP_SYS_ADMIN).</exception>
        public static IReadOnlyList<uint> GetBtfIds() => BpfSyscalls.GetIds(BpfCommand.BtfGetNextId);

        /// <summary>CPUs currently online, from <c>/sys/devices/system/cpu/online</c>.</summary>
        public static IReadOnlyList<int> GetOnlineCpus() => ReadCpuList("/sys/devices/system/cpu/online");

        /// <summary>
        /// Number of possible CPUs, from <c>/sys/devices/system/cpu/possible</c>: the number of values a per-CPU
        /// map holds for each key.
        /// </summary>
        public static int GetPossibleCpuCount()
        {
            IReadOnlyList<int> cpus = ReadCpuList("/sys/devices/system/cpu/possible");
            int max = -1;
            foreach (int c in cpus) max = Math.Max(max, c);
            return max + 1;
        }

        /// <summary>
        /// The tracefs mount point (<c>/sys/kernel/tracing</c>, or <c>/sys/kernel/debug/tracing</c> on older setups),
        /// or null when tracefs is not mounted.
        /// </summary>
        public static string? TracefsPath
        {
            get
            {
                foreach (string p in new[] { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" })
                {
                    if (Directory.Exists(Path.Combine(p, "events"))) return p;
                }
                foreach (string mountPoint in TracefsMounts(ReadMounts()))
                {
                    if (Directory.Exists(Path.Combine(mountPoint, "events"))) return mountPoint;
                }
                return null;
            }
        }

        /// <summary>
        /// Why no tracefs could be used, for an error message: not mounted at all, or mounted where this process cannot
        /// look (tracefs is usually mode 0700, root's alone).
        /// </summary>
        /// <param name="mounts">The lines of <c>/proc/self/mounts</c>.</param>
        /// <param name="readable">Whether a directory can be seen by this process.</param>
        internal static string ExplainMissingTracefs(IEnumerable<string> mounts, Func<string, bool> readable)
        {
            var mountPoints = TracefsMounts(mounts);
            if (mountPoints.Count == 0)
            {
                return "tracefs is not mounted (no tracefs in /proc/self/mounts), so tracepoint ids cannot be read. Mount it with: mount -t tracefs nodev /sys/kernel/tracing";
            }
            foreach (string mountPoint in mountPoints)
            {
                if (!readable(Path.Combine(mountPoint, "events")))
                {
                    return $"tracefs is mounted at {mountPoint}, but this process (user {Environment.UserName}) cannot read {Path.Combine(mountPoint, "events")}, " +
                        "so tracepoint ids cannot be read. Run as root, or give this user access to tracefs (for example mount it with -o gid=<group>,mode=0750).";
                }
            }
            return $"tracefs is mounted at {string.Join(", ", mountPoints)}, but it has no events directory, so tracepoint ids cannot be read. " +
                "Mount it again with: mount -t tracefs nodev /sys/kernel/tracing";
        }

        /// <summary>The explanation of <see cref="ExplainMissingTracefs(IEnumerable{string}, Func{string, bool})"/> for this process.</summary>
        internal static string ExplainMissingTracefs() => ExplainMissingTracefs(ReadMounts(), Directory.Exists);

        /// <summary>Where tracefs is mounted, from lines of <c>/proc/self/mounts</c> (spaces in paths come escaped as <c>\040</c>).</summary>
        private static List<string> TracefsMounts(IEnumerable<string> mounts)
        {
            var mountPoints = new List<string>();
            foreach (string line in mounts)
            {
                string[] fields = line.Split(' ');
                if (fields.Length >= 3 && fields[2] == "tracefs") mountPoints.Add(fields[1].Replace("\\040", " ", StringComparison.Ordinal));
            }
            return mountPoints;
        }

        private static string[] ReadMounts()
        {
            try
            {
                return File.ReadAllLines("/proc/self/mounts");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Array.Empty<string>();
            }
        }

        private static IReadOnlyList<int> ReadCpuList(string path)
        {
            var list = new List<int>();
            string text;
            try
            {
                text = File.ReadAllText(path).Trim();
            }
            catch (IOException)
            {
                list.Add(0);
                return list;
            }
            foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] r = part.Split('-');
                int lo = int.Parse(r[0]);
                int hi = r.Length > 1 ? int.Parse(r[1]) : lo;
                for (int c = lo; c <= hi; c++) list.Add(c);
            }
            return list;
        }
    }
}
