using System.Runtime.InteropServices;

namespace BpfDotnet.KernelModel
{
    // The parts of union bpf_attr (include/uapi/linux/bpf.h) that the loader fills, one struct per command, at the
    // kernel's offsets. A command's attribute is written at the start of a zeroed buffer of the size the loader passes;
    // the bytes no field names stay zero, as the kernel requires. Names (map_name, prog_name) are written separately
    // at their offset, after the struct.

    /// <summary>BPF_MAP_CREATE.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    internal struct MapCreateAttr
    {
        /// <summary>Offset of <c>map_name[16]</c>.</summary>
        public const int NameOffset = 28;

        [FieldOffset(0)] public uint MapType;
        [FieldOffset(4)] public uint KeySize;
        [FieldOffset(8)] public uint ValueSize;
        [FieldOffset(12)] public uint MaxEntries;
        [FieldOffset(16)] public uint MapFlags;
        [FieldOffset(20)] public uint InnerMapFd;
        [FieldOffset(48)] public uint BtfFd;
        [FieldOffset(52)] public uint BtfKeyTypeId;
        [FieldOffset(56)] public uint BtfValueTypeId;
    }

    /// <summary>BPF_MAP_LOOKUP_ELEM, UPDATE_ELEM, DELETE_ELEM, GET_NEXT_KEY (and MAP_FREEZE, which reads only the fd).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    internal struct MapElemAttr
    {
        [FieldOffset(0)] public uint MapFd;
        [FieldOffset(8)] public ulong Key;
        /// <summary><c>value</c>, or <c>next_key</c> for GET_NEXT_KEY.</summary>
        [FieldOffset(16)] public ulong Value;
        [FieldOffset(24)] public ulong Flags;
    }

    /// <summary>BPF_MAP_LOOKUP_BATCH (and the other batch commands).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 56)]
    internal struct MapBatchAttr
    {
        /// <summary>Where the walk starts: 0 for the beginning, else the token an earlier call wrote to <see cref="OutBatch"/>.</summary>
        [FieldOffset(0)] public ulong InBatch;
        /// <summary>Where the kernel writes the token to continue from.</summary>
        [FieldOffset(8)] public ulong OutBatch;
        [FieldOffset(16)] public ulong Keys;
        [FieldOffset(24)] public ulong Values;
        /// <summary>In: room for this many elements; out: how many were written.</summary>
        [FieldOffset(32)] public uint Count;
        [FieldOffset(36)] public uint MapFd;
        [FieldOffset(40)] public ulong ElemFlags;
        [FieldOffset(48)] public ulong Flags;
    }

    /// <summary>BPF_PROG_LOAD.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 112)]
    internal struct ProgLoadAttr
    {
        /// <summary>Offset of <c>prog_name[16]</c>.</summary>
        public const int NameOffset = 48;

        [FieldOffset(0)] public uint ProgType;
        [FieldOffset(4)] public uint InsnCount;
        [FieldOffset(8)] public ulong Insns;
        [FieldOffset(16)] public ulong License;
        [FieldOffset(24)] public uint LogLevel;
        [FieldOffset(28)] public uint LogSize;
        [FieldOffset(32)] public ulong LogBuf;
        /// <summary><c>BPF_F_*</c> load flags (<see cref="ProgLoadFlags"/>).</summary>
        [FieldOffset(44)] public uint ProgFlags;
        [FieldOffset(68)] public uint ExpectedAttachType;
        [FieldOffset(72)] public uint ProgBtfFd;
        [FieldOffset(76)] public uint FuncInfoRecSize;
        [FieldOffset(80)] public ulong FuncInfo;
        [FieldOffset(88)] public uint FuncInfoCount;
        [FieldOffset(92)] public uint LineInfoRecSize;
        [FieldOffset(96)] public ulong LineInfo;
        [FieldOffset(104)] public uint LineInfoCount;
        /// <summary>The kernel BTF type a tracing program attaches to (a FUNC, or a tracepoint's <c>btf_trace_*</c> typedef).</summary>
        [FieldOffset(108)] public uint AttachBtfId;
    }

    /// <summary>Flags of BPF_PROG_LOAD.</summary>
    internal static class ProgLoadFlags
    {
        /// <summary><c>BPF_F_SLEEPABLE</c>: the program may sleep (syscall programs, and the <c>.s</c> kinds of tracing and uprobes).</summary>
        public const uint Sleepable = 1u << 4;
    }

    /// <summary>BPF_BTF_LOAD.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 28)]
    internal struct BtfLoadAttr
    {
        [FieldOffset(0)] public ulong Btf;
        [FieldOffset(8)] public ulong LogBuf;
        [FieldOffset(16)] public uint BtfSize;
        [FieldOffset(20)] public uint LogSize;
        [FieldOffset(24)] public uint LogLevel;
    }

    /// <summary>BPF_PROG_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_BTF_GET_NEXT_ID, BPF_LINK_GET_NEXT_ID.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    internal struct GetNextIdAttr
    {
        [FieldOffset(0)] public uint StartId;
        [FieldOffset(4)] public uint NextId;
    }

    /// <summary>BPF_OBJ_PIN and BPF_OBJ_GET: a path on a BPF filesystem and the object's descriptor.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 20)]
    internal struct ObjPinAttr
    {
        [FieldOffset(0)] public ulong PathName;
        [FieldOffset(8)] public uint BpfFd;
        [FieldOffset(12)] public uint FileFlags;
        [FieldOffset(16)] public int PathFd;
    }

    /// <summary>BPF_OBJ_GET_INFO_BY_FD.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct ObjGetInfoAttr
    {
        [FieldOffset(0)] public uint BpfFd;
        /// <summary>The buffer's size in; the length the kernel filled out.</summary>
        [FieldOffset(4)] public uint InfoLength;
        [FieldOffset(8)] public ulong Info;
    }

    /// <summary>BPF_PROG_TEST_RUN.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    internal struct ProgTestRunAttr
    {
        [FieldOffset(0)] public uint ProgFd;
        [FieldOffset(4)] public uint ReturnValue;
        [FieldOffset(8)] public uint DataSizeIn;
        /// <summary>In: room at <see cref="DataOut"/>; out: the packet's length after the run.</summary>
        [FieldOffset(12)] public uint DataSizeOut;
        [FieldOffset(16)] public ulong DataIn;
        [FieldOffset(24)] public ulong DataOut;
        [FieldOffset(32)] public uint Repeat;
        /// <summary>Out: nanoseconds per run, averaged over <see cref="Repeat"/>.</summary>
        [FieldOffset(36)] public uint Duration;
        [FieldOffset(40)] public uint ContextSizeIn;
        /// <summary>In: room at <see cref="ContextOut"/>; out: the context's length after the run.</summary>
        [FieldOffset(44)] public uint ContextSizeOut;
        [FieldOffset(48)] public ulong ContextIn;
        [FieldOffset(56)] public ulong ContextOut;
    }

    /// <summary>BPF_LINK_CREATE.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct LinkCreateAttr
    {
        [FieldOffset(0)] public uint ProgFd;
        [FieldOffset(4)] public uint TargetFd;
        [FieldOffset(8)] public uint AttachType;
        [FieldOffset(12)] public uint Flags;
    }

    /// <summary>BPF_LINK_CREATE of a program to a perf event, with the cookie <c>bpf_get_attach_cookie</c> gives it.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 24)]
    internal struct LinkCreatePerfEventAttr
    {
        [FieldOffset(0)] public uint ProgFd;
        [FieldOffset(4)] public uint TargetFd;
        [FieldOffset(8)] public uint AttachType;
        [FieldOffset(12)] public uint Flags;
        [FieldOffset(16)] public ulong BpfCookie;
    }

    /// <summary>BPF_LINK_CREATE of a netfilter program: the hook (<c>pf</c>, <c>hooknum</c>), its priority and flags.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    internal struct LinkCreateNetfilterAttr
    {
        [FieldOffset(0)] public uint ProgFd;
        [FieldOffset(4)] public uint TargetFd;
        [FieldOffset(8)] public uint AttachType;
        [FieldOffset(12)] public uint Flags;
        [FieldOffset(16)] public uint ProtocolFamily;
        [FieldOffset(20)] public uint Hook;
        [FieldOffset(24)] public int Priority;
        /// <summary><c>BPF_F_NETFILTER_IP_DEFRAG</c> (1).</summary>
        [FieldOffset(28)] public uint NetfilterFlags;
    }

    /// <summary>BPF_LINK_CREATE of an iterator: the <c>bpf_iter_link_info</c> at <see cref="IterInfo"/> (a map's descriptor, say).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 28)]
    internal struct LinkCreateIterAttr
    {
        [FieldOffset(0)] public uint ProgFd;
        [FieldOffset(4)] public uint TargetFd;
        [FieldOffset(8)] public uint AttachType;
        [FieldOffset(12)] public uint Flags;
        [FieldOffset(16)] public ulong IterInfo;
        [FieldOffset(24)] public uint IterInfoLength;
    }

    /// <summary>BPF_ITER_CREATE: a readable descriptor of one walk of an iterator link.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    internal struct IterCreateAttr
    {
        [FieldOffset(0)] public uint LinkFd;
        [FieldOffset(4)] public uint Flags;
    }

    /// <summary>BPF_LINK_CREATE of a kprobe_multi link: one link for probes on many kernel functions, named or at addresses.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 48)]
    internal struct LinkCreateKprobeMultiAttr
    {
        [FieldOffset(0)] public uint ProgFd;
        [FieldOffset(4)] public uint TargetFd;
        [FieldOffset(8)] public uint AttachType;
        [FieldOffset(12)] public uint Flags;
        /// <summary><c>BPF_F_KPROBE_MULTI_RETURN</c> (1) for return probes.</summary>
        [FieldOffset(16)] public uint MultiFlags;
        [FieldOffset(20)] public uint Count;
        [FieldOffset(24)] public ulong Symbols;
        [FieldOffset(32)] public ulong Addresses;
        [FieldOffset(40)] public ulong Cookies;
    }

    /// <summary>BPF_LINK_CREATE of a uprobe_multi link: one link for probes at many offsets of one file.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 68)]
    internal struct LinkCreateUprobeMultiAttr
    {
        [FieldOffset(0)] public uint ProgFd;
        [FieldOffset(4)] public uint TargetFd;
        [FieldOffset(8)] public uint AttachType;
        [FieldOffset(12)] public uint Flags;
        [FieldOffset(16)] public ulong Path;
        [FieldOffset(24)] public ulong Offsets;
        [FieldOffset(32)] public ulong RefCounterOffsets;
        [FieldOffset(40)] public ulong Cookies;
        [FieldOffset(48)] public uint Count;
        /// <summary><c>BPF_F_UPROBE_MULTI_RETURN</c> (1) for return probes.</summary>
        [FieldOffset(52)] public uint MultiFlags;
        [FieldOffset(56)] public uint Pid;
    }

    /// <summary>BPF_RAW_TRACEPOINT_OPEN.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct RawTracepointOpenAttr
    {
        [FieldOffset(0)] public ulong Name;
        [FieldOffset(8)] public uint ProgFd;
    }

    /// <summary><c>struct perf_event_attr</c> (include/uapi/linux/perf_event.h), PERF_ATTR_SIZE_VER7.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct PerfEventAttr
    {
        /// <summary>PERF_ATTR_SIZE_VER7.</summary>
        public const uint SizeVer7 = 128;

        /// <summary>PERF_TYPE_TRACEPOINT.</summary>
        public const uint TypeTracepoint = 2;

        /// <summary>The <c>disabled</c> bit of the flags word.</summary>
        public const ulong FlagDisabled = 1;

        /// <summary>The <c>freq</c> bit of the flags: <see cref="SamplePeriod"/> is a frequency in samples per second.</summary>
        public const ulong FlagFrequency = 1 << 10;

        /// <summary>PERF_TYPE_SOFTWARE.</summary>
        public const uint TypeSoftware = 1;

        /// <summary>PERF_COUNT_SW_BPF_OUTPUT: the software event that <c>bpf_perf_event_output</c> writes to.</summary>
        public const ulong CountSwBpfOutput = 10;

        /// <summary>PERF_SAMPLE_RAW: samples carry the raw bytes a program output.</summary>
        public const ulong SampleRaw = 1 << 10;

        [FieldOffset(0)] public uint Type;
        [FieldOffset(4)] public uint Size;
        [FieldOffset(8)] public ulong Config;
        [FieldOffset(16)] public ulong SamplePeriod;
        [FieldOffset(24)] public ulong SampleType;
        [FieldOffset(40)] public ulong Flags;
        [FieldOffset(48)] public uint WakeupEvents;
        /// <summary><c>config1</c>: a uprobe's path (<c>uprobe_path</c>), a kprobe's function name.</summary>
        [FieldOffset(56)] public ulong Config1;
        /// <summary><c>config2</c>: a uprobe's file offset (<c>probe_offset</c>), a kprobe's offset.</summary>
        [FieldOffset(64)] public ulong Config2;
    }
}
