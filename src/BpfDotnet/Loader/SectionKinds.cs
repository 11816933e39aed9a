using System;
using System.Linq;

namespace BpfDotnet.Loader
{
    /// <summary>How a program of a given section kind is attached.</summary>
    internal enum AttachKind
    {
        /// <summary>No automatic attach support.</summary>
        None,

        /// <summary><c>tracepoint/&lt;category&gt;/&lt;name&gt;</c> via perf_event_open + BPF_LINK_CREATE.</summary>
        Tracepoint,

        /// <summary><c>raw_tracepoint/&lt;name&gt;</c> via BPF_RAW_TRACEPOINT_OPEN.</summary>
        RawTracepoint,
    }

    /// <summary>What a section name says about its programs (libbpf's SEC() conventions).</summary>
    internal readonly record struct SectionKind(string Prefix, BpfProgramType Type, uint ExpectedAttachType, AttachKind Attach, bool LoadSupported = true);

    internal static class SectionKinds
    {
        // Prefix entries ending in '/' match "<prefix><anything>"; others match exactly or followed by '/'.
        private static readonly SectionKind[] Table =
        {
            new("tracepoint/", BpfProgramType.Tracepoint, 0, AttachKind.Tracepoint),
            new("tp/", BpfProgramType.Tracepoint, 0, AttachKind.Tracepoint),
            new("raw_tracepoint.w/", BpfProgramType.RawTracepointWritable, 0, AttachKind.RawTracepoint),
            new("raw_tp.w/", BpfProgramType.RawTracepointWritable, 0, AttachKind.RawTracepoint),
            new("raw_tracepoint/", BpfProgramType.RawTracepoint, 0, AttachKind.RawTracepoint),
            new("raw_tp/", BpfProgramType.RawTracepoint, 0, AttachKind.RawTracepoint),
            new("kprobe", BpfProgramType.Kprobe, 0, AttachKind.None),
            new("kretprobe", BpfProgramType.Kprobe, 0, AttachKind.None),
            new("uprobe", BpfProgramType.Kprobe, 0, AttachKind.None),
            new("uretprobe", BpfProgramType.Kprobe, 0, AttachKind.None),
            new("usdt", BpfProgramType.Kprobe, 0, AttachKind.None),
            new("perf_event", BpfProgramType.PerfEvent, 0, AttachKind.None),
            new("socket", BpfProgramType.SocketFilter, 0, AttachKind.None),
            new("xdp", BpfProgramType.Xdp, 37, AttachKind.None),
            new("tcx/ingress", BpfProgramType.SchedCls, 46, AttachKind.None),
            new("tcx/egress", BpfProgramType.SchedCls, 47, AttachKind.None),
            new("tc", BpfProgramType.SchedCls, 0, AttachKind.None),
            new("classifier", BpfProgramType.SchedCls, 0, AttachKind.None),
            new("action", BpfProgramType.SchedAct, 0, AttachKind.None),
            new("cgroup_skb/ingress", BpfProgramType.CgroupSkb, 0, AttachKind.None),
            new("cgroup_skb/egress", BpfProgramType.CgroupSkb, 1, AttachKind.None),
            new("cgroup/skb", BpfProgramType.CgroupSkb, 0, AttachKind.None),
            new("cgroup/sock_create", BpfProgramType.CgroupSock, 2, AttachKind.None),
            new("cgroup/sock", BpfProgramType.CgroupSock, 2, AttachKind.None),
            new("cgroup/bind4", BpfProgramType.CgroupSockAddr, 8, AttachKind.None),
            new("cgroup/bind6", BpfProgramType.CgroupSockAddr, 9, AttachKind.None),
            new("cgroup/connect4", BpfProgramType.CgroupSockAddr, 10, AttachKind.None),
            new("cgroup/connect6", BpfProgramType.CgroupSockAddr, 11, AttachKind.None),
            new("cgroup/sendmsg4", BpfProgramType.CgroupSockAddr, 14, AttachKind.None),
            new("cgroup/sendmsg6", BpfProgramType.CgroupSockAddr, 15, AttachKind.None),
            new("cgroup/recvmsg4", BpfProgramType.CgroupSockAddr, 19, AttachKind.None),
            new("cgroup/recvmsg6", BpfProgramType.CgroupSockAddr, 20, AttachKind.None),
            new("cgroup/dev", BpfProgramType.CgroupDevice, 6, AttachKind.None),
            new("cgroup/sysctl", BpfProgramType.CgroupSysctl, 18, AttachKind.None),
            new("cgroup/getsockopt", BpfProgramType.CgroupSockopt, 21, AttachKind.None),
            new("cgroup/setsockopt", BpfProgramType.CgroupSockopt, 22, AttachKind.None),
            new("sockops", BpfProgramType.SockOps, 3, AttachKind.None),
            new("sk_skb/stream_parser", BpfProgramType.SkSkb, 4, AttachKind.None),
            new("sk_skb/stream_verdict", BpfProgramType.SkSkb, 5, AttachKind.None),
            new("sk_skb", BpfProgramType.SkSkb, 0, AttachKind.None),
            new("sk_msg", BpfProgramType.SkMsg, 7, AttachKind.None),
            new("sk_lookup", BpfProgramType.SkLookup, 36, AttachKind.None),
            new("flow_dissector", BpfProgramType.FlowDissector, 17, AttachKind.None),
            new("lwt_in", BpfProgramType.LwtIn, 0, AttachKind.None),
            new("lwt_out", BpfProgramType.LwtOut, 0, AttachKind.None),
            new("lwt_xmit", BpfProgramType.LwtXmit, 0, AttachKind.None),
            new("syscall", BpfProgramType.Syscall, 0, AttachKind.None),
            // Kinds that need a BTF id from vmlinux at load time; not supported by this loader yet.
            new("tp_btf/", BpfProgramType.Tracing, 23, AttachKind.None, false),
            new("fentry/", BpfProgramType.Tracing, 24, AttachKind.None, false),
            new("fexit/", BpfProgramType.Tracing, 25, AttachKind.None, false),
            new("fmod_ret/", BpfProgramType.Tracing, 26, AttachKind.None, false),
            new("iter/", BpfProgramType.Tracing, 28, AttachKind.None, false),
            new("lsm/", BpfProgramType.Lsm, 27, AttachKind.None, false),
            new("struct_ops", BpfProgramType.StructOps, 0, AttachKind.None, false),
        };

        public static SectionKind? Find(string section)
        {
            foreach (SectionKind k in Table)
            {
                if (k.Prefix.EndsWith('/'))
                {
                    if (section.StartsWith(k.Prefix, StringComparison.Ordinal) && section.Length > k.Prefix.Length) return k;
                }
                else if (section == k.Prefix || section.StartsWith(k.Prefix + "/", StringComparison.Ordinal) || section.StartsWith(k.Prefix + ".", StringComparison.Ordinal))
                {
                    return k;
                }
            }
            return null;
        }

        public static string KnownPrefixes => string.Join(", ", Table.Select(k => k.Prefix).Distinct());
    }
}
