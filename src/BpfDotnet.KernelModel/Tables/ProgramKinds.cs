using System;
using System.Linq;

namespace BpfDotnet.KernelModel
{
    /// <summary>How a program of a kind is attached by the loader.</summary>
    internal enum ProgramAttach
    {
        /// <summary>No automatic attach support.</summary>
        None,

        /// <summary><c>tracepoint/&lt;category&gt;/&lt;name&gt;</c> via perf_event_open + BPF_LINK_CREATE.</summary>
        Tracepoint,

        /// <summary><c>raw_tracepoint/&lt;name&gt;</c> via BPF_RAW_TRACEPOINT_OPEN.</summary>
        RawTracepoint,

        /// <summary>
        /// <c>uprobe/&lt;binary&gt;:&lt;function&gt;[+offset]</c> (and <c>uretprobe/</c>) via perf_event_open of the uprobe PMU
        /// (the function's file offset from the binary's ELF symbols) + BPF_LINK_CREATE.
        /// </summary>
        Uprobe,

        /// <summary><c>kprobe/&lt;function&gt;[+offset]</c> (and <c>kretprobe/</c>) via perf_event_open of the kprobe PMU + BPF_LINK_CREATE.</summary>
        Kprobe,

        /// <summary>
        /// <c>kprobe.multi/&lt;pattern&gt;</c> (and <c>kretprobe.multi/</c>): one kprobe_multi link (BPF_LINK_CREATE, fprobe
        /// based) for every traceable kernel function the glob pattern matches.
        /// </summary>
        KprobeMulti,

        /// <summary>
        /// <c>uprobe.multi/&lt;binary&gt;:&lt;pattern&gt;</c> (and <c>uretprobe.multi/</c>): one uprobe_multi link (BPF_LINK_CREATE) for
        /// every function of the binary the glob pattern matches.
        /// </summary>
        UprobeMulti,

        /// <summary>
        /// <c>usdt/&lt;binary&gt;:&lt;provider&gt;:&lt;name&gt;</c>: a uprobe (perf event + link, with the probe's semaphore) at
        /// each location of the USDT probe, whose cookie picks the location's argument specs.
        /// </summary>
        Usdt,

        /// <summary>
        /// <c>iter/&lt;target&gt;</c>: BPF_LINK_CREATE of an iterator link (with the map a map iterator walks), read through
        /// BPF_ITER_CREATE.
        /// </summary>
        Iterator,

        /// <summary>Tracing programs loaded with a kernel BTF id (<c>tp_btf/</c>, <c>fentry/</c>, ...): BPF_RAW_TRACEPOINT_OPEN with no name.</summary>
        Tracing,
    }

    /// <summary>What a program kind may do with the packet it runs on (the verifier's <c>may_access_direct_pkt_data</c>).</summary>
    internal enum PacketAccess
    {
        /// <summary>It has no packet.</summary>
        None,
        /// <summary>It may copy packet bytes out with <c>bpf_skb_load_bytes</c> only (socket filters).</summary>
        LoadBytes,
        /// <summary>It may read the packet in place.</summary>
        Read,
        /// <summary>It may read and write the packet in place.</summary>
        ReadWrite,
    }

    /// <summary>What a section name says about its programs (libbpf's <c>SEC()</c> conventions).</summary>
    /// <param name="Type">The program type it is loaded as.</param>
    /// <param name="ExpectedAttach">The expected attach type it is loaded with.</param>
    /// <param name="Attach">How the loader attaches it.</param>
    /// <param name="Prefix">A prefix ending in '/' matches "&lt;prefix&gt;&lt;anything&gt;"; others match exactly, or followed by '/' or '.'.</param>
    /// <param name="LoadSupported">False for kinds the loader cannot load yet (struct_ops).</param>
    /// <param name="ContextStart">
    /// The first context offset a program may read: 8 for a tracepoint, whose record starts with common fields the kernel
    /// keeps from the program (<c>tp_prog_is_valid_access</c>).
    /// </param>
    /// <param name="Packet">What its programs may do with the packet they run on.</param>
    /// <param name="Sleepable">Its programs are loaded sleepable (<c>BPF_F_SLEEPABLE</c>): syscall programs, and the <c>.s</c> kinds.</param>
    internal readonly record struct ProgramKind(string Prefix, ProgramType Type, AttachType ExpectedAttach, ProgramAttach Attach, bool LoadSupported = true, int ContextStart = 0,
        PacketAccess Packet = PacketAccess.None, bool Sleepable = false);

    /// <summary>The program kinds by section name: the one table the compiler and the loader read.</summary>
    internal static class ProgramKinds
    {
        private static readonly ProgramKind[] Table =
        {
            new("tracepoint/", ProgramType.Tracepoint, 0, ProgramAttach.Tracepoint, ContextStart: 8),
            new("tp/", ProgramType.Tracepoint, 0, ProgramAttach.Tracepoint, ContextStart: 8),
            new("raw_tracepoint.w/", ProgramType.RawTracepointWritable, 0, ProgramAttach.RawTracepoint),
            new("raw_tp.w/", ProgramType.RawTracepointWritable, 0, ProgramAttach.RawTracepoint),
            new("raw_tracepoint/", ProgramType.RawTracepoint, 0, ProgramAttach.RawTracepoint),
            new("raw_tp/", ProgramType.RawTracepoint, 0, ProgramAttach.RawTracepoint),
            new("kprobe.multi/", ProgramType.Kprobe, AttachType.TraceKprobeMulti, ProgramAttach.KprobeMulti),
            new("kretprobe.multi/", ProgramType.Kprobe, AttachType.TraceKprobeMulti, ProgramAttach.KprobeMulti),
            new("kprobe.multi", ProgramType.Kprobe, AttachType.TraceKprobeMulti, ProgramAttach.None),
            new("kretprobe.multi", ProgramType.Kprobe, AttachType.TraceKprobeMulti, ProgramAttach.None),
            new("ksyscall/", ProgramType.Kprobe, 0, ProgramAttach.Kprobe),
            new("kretsyscall/", ProgramType.Kprobe, 0, ProgramAttach.Kprobe),
            new("kprobe/", ProgramType.Kprobe, 0, ProgramAttach.Kprobe),
            new("kretprobe/", ProgramType.Kprobe, 0, ProgramAttach.Kprobe),
            new("kprobe", ProgramType.Kprobe, 0, ProgramAttach.None),
            new("kretprobe", ProgramType.Kprobe, 0, ProgramAttach.None),
            new("usdt/", ProgramType.Kprobe, 0, ProgramAttach.Usdt),
            new("uprobe.multi/", ProgramType.Kprobe, AttachType.TraceUprobeMulti, ProgramAttach.UprobeMulti),
            new("uretprobe.multi/", ProgramType.Kprobe, AttachType.TraceUprobeMulti, ProgramAttach.UprobeMulti),
            new("uprobe.multi", ProgramType.Kprobe, AttachType.TraceUprobeMulti, ProgramAttach.None),
            new("uretprobe.multi", ProgramType.Kprobe, AttachType.TraceUprobeMulti, ProgramAttach.None),
            new("uprobe.s/", ProgramType.Kprobe, 0, ProgramAttach.Uprobe, Sleepable: true),
            new("uretprobe.s/", ProgramType.Kprobe, 0, ProgramAttach.Uprobe, Sleepable: true),
            new("uprobe/", ProgramType.Kprobe, 0, ProgramAttach.Uprobe),
            new("uretprobe/", ProgramType.Kprobe, 0, ProgramAttach.Uprobe),
            new("uprobe", ProgramType.Kprobe, 0, ProgramAttach.None),
            new("uretprobe", ProgramType.Kprobe, 0, ProgramAttach.None),
            new("usdt", ProgramType.Kprobe, 0, ProgramAttach.None),
            new("perf_event", ProgramType.PerfEvent, 0, ProgramAttach.None),
            new("socket", ProgramType.SocketFilter, 0, ProgramAttach.None, Packet: PacketAccess.LoadBytes),
            new("xdp", ProgramType.Xdp, AttachType.Xdp, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("tcx/ingress", ProgramType.SchedCls, AttachType.TcxIngress, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("tcx/egress", ProgramType.SchedCls, AttachType.TcxEgress, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("tc", ProgramType.SchedCls, 0, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("classifier", ProgramType.SchedCls, 0, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("action", ProgramType.SchedAct, 0, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("cgroup_skb/ingress", ProgramType.CgroupSkb, AttachType.CgroupInetIngress, ProgramAttach.None, Packet: PacketAccess.Read),
            new("cgroup_skb/egress", ProgramType.CgroupSkb, AttachType.CgroupInetEgress, ProgramAttach.None, Packet: PacketAccess.Read),
            new("cgroup/skb", ProgramType.CgroupSkb, AttachType.CgroupInetIngress, ProgramAttach.None, Packet: PacketAccess.Read),
            new("cgroup/sock_create", ProgramType.CgroupSock, AttachType.CgroupInetSockCreate, ProgramAttach.None),
            new("cgroup/sock", ProgramType.CgroupSock, AttachType.CgroupInetSockCreate, ProgramAttach.None),
            new("cgroup/bind4", ProgramType.CgroupSockAddr, AttachType.CgroupInet4Bind, ProgramAttach.None),
            new("cgroup/bind6", ProgramType.CgroupSockAddr, AttachType.CgroupInet6Bind, ProgramAttach.None),
            new("cgroup/connect4", ProgramType.CgroupSockAddr, AttachType.CgroupInet4Connect, ProgramAttach.None),
            new("cgroup/connect6", ProgramType.CgroupSockAddr, AttachType.CgroupInet6Connect, ProgramAttach.None),
            new("cgroup/sendmsg4", ProgramType.CgroupSockAddr, AttachType.CgroupUdp4Sendmsg, ProgramAttach.None),
            new("cgroup/sendmsg6", ProgramType.CgroupSockAddr, AttachType.CgroupUdp6Sendmsg, ProgramAttach.None),
            new("cgroup/recvmsg4", ProgramType.CgroupSockAddr, AttachType.CgroupUdp4Recvmsg, ProgramAttach.None),
            new("cgroup/recvmsg6", ProgramType.CgroupSockAddr, AttachType.CgroupUdp6Recvmsg, ProgramAttach.None),
            new("cgroup/dev", ProgramType.CgroupDevice, AttachType.CgroupDevice, ProgramAttach.None),
            new("cgroup/sysctl", ProgramType.CgroupSysctl, AttachType.CgroupSysctl, ProgramAttach.None),
            new("cgroup/getsockopt", ProgramType.CgroupSockopt, AttachType.CgroupGetsockopt, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("cgroup/setsockopt", ProgramType.CgroupSockopt, AttachType.CgroupSetsockopt, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("sockops", ProgramType.SockOps, AttachType.CgroupSockOps, ProgramAttach.None),
            new("netfilter", ProgramType.Netfilter, AttachType.Netfilter, ProgramAttach.None),
            new("sk_skb/stream_parser", ProgramType.SkSkb, AttachType.SkSkbStreamParser, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("sk_skb/stream_verdict", ProgramType.SkSkb, AttachType.SkSkbStreamVerdict, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("sk_skb", ProgramType.SkSkb, 0, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("sk_msg", ProgramType.SkMsg, AttachType.SkMsgVerdict, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("sk_lookup", ProgramType.SkLookup, AttachType.SkLookup, ProgramAttach.None),
            new("flow_dissector", ProgramType.FlowDissector, AttachType.FlowDissector, ProgramAttach.None, Packet: PacketAccess.Read),
            new("lwt_in", ProgramType.LwtIn, 0, ProgramAttach.None, Packet: PacketAccess.Read),
            new("lwt_out", ProgramType.LwtOut, 0, ProgramAttach.None, Packet: PacketAccess.Read),
            new("lwt_xmit", ProgramType.LwtXmit, 0, ProgramAttach.None, Packet: PacketAccess.ReadWrite),
            new("syscall", ProgramType.Syscall, 0, ProgramAttach.None, Sleepable: true),
            new("tp_btf/", ProgramType.Tracing, AttachType.TraceRawTp, ProgramAttach.Tracing),
            new("fentry.s/", ProgramType.Tracing, AttachType.TraceFentry, ProgramAttach.Tracing, Sleepable: true),
            new("fentry/", ProgramType.Tracing, AttachType.TraceFentry, ProgramAttach.Tracing),
            new("fexit/", ProgramType.Tracing, AttachType.TraceFexit, ProgramAttach.Tracing),
            new("fmod_ret/", ProgramType.Tracing, AttachType.ModifyReturn, ProgramAttach.Tracing),
            new("iter.s/", ProgramType.Tracing, AttachType.TraceIter, ProgramAttach.Iterator, Sleepable: true),
            new("iter/", ProgramType.Tracing, AttachType.TraceIter, ProgramAttach.Iterator),
            new("lsm.s/", ProgramType.Lsm, AttachType.LsmMac, ProgramAttach.Tracing, Sleepable: true),
            new("lsm/", ProgramType.Lsm, AttachType.LsmMac, ProgramAttach.Tracing),
            new("struct_ops", ProgramType.StructOps, 0, ProgramAttach.None, false),
        };

        /// <summary>The kind a section name denotes, or null when no entry matches it.</summary>
        public static ProgramKind? Find(string section)
        {
            foreach (var kind in Table)
            {
                if (kind.Prefix.EndsWith("/", StringComparison.Ordinal))
                {
                    if (section.StartsWith(kind.Prefix, StringComparison.Ordinal) && section.Length > kind.Prefix.Length) return kind;
                }
                else if (section == kind.Prefix || section.StartsWith(kind.Prefix + "/", StringComparison.Ordinal) || section.StartsWith(kind.Prefix + ".", StringComparison.Ordinal))
                {
                    return kind;
                }
            }
            return null;
        }

        /// <summary>Every entry, in the order section names are matched.</summary>
        public static System.Collections.Generic.IReadOnlyList<ProgramKind> All => Table;

        /// <summary>Every prefix, for messages.</summary>
        public static string KnownPrefixes => string.Join(", ", Table.Select(k => k.Prefix).Distinct());
    }
}
