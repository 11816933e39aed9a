using System;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.Compiler.Tests.Verifier
{
    /// <summary>
    /// "If it builds, it loads": each probe either builds and is accepted by the kernel verifier, or the build stops
    /// with a BPF diagnostic on the exact syntax that the kernel would refuse (the line marked with the id).
    /// </summary>
    public class BuildsThenLoadsTests
    {
        private const string Maps = @"
    [BpfMap(MaxEntries = 1024)] public static BpfHashMap<int, long> Counts = new();
    [BpfMap(MaxEntries = 4)] public static BpfArrayMap<long> Last = new(4);
";

        private static string Probe(string body, string context = "SysEnterArgs", string attribute = "Tracepoint(\"syscalls\", \"sys_enter_openat\")", string members = "")
            => "public static unsafe partial class P\n{\n" + Maps + members + "\n    [BpfProgram, " + attribute + "]\n    public static int Run(ref " + context + " ctx)\n    {\n" + body + "\n    }\n}\n";

        /// <summary>Builds the probe and loads it into the kernel; the verifier must accept it.</summary>
        private static void AssertLoads(string source)
        {
            Kernel.Require();
            var result = ProbeBuilder.Build(source);
            Assert.True(result.Object is not null, "did not build:\n" + string.Join("\n", result.Diagnostics.Select(d => d.ToDiagnostic().ToString())));
            try
            {
                using var loaded = BpfObject.Load(result.Object!);
            }
            catch (BpfVerifierException e)
            {
                Assert.Fail("built, then refused by the verifier:\n" + e.VerifierLog[^System.Math.Min(e.VerifierLog.Length, 3000)..]);
            }
        }

        /// <summary>The build stops with <paramref name="id"/> on the line marked '// id' (or holding <paramref name="marker"/>).</summary>
        private static void AssertRefused(string source, string id, string? marker = null)
        {
            var result = ProbeBuilder.Build(source);
            int line = source.Split('\n').Select((text, index) => (text, index)).Single(l => l.text.Contains(marker ?? "// " + id, System.StringComparison.Ordinal)).index + 2;
            Assert.True(result.Diagnostics.Any(d => d.Id == id), $"{id} not reported; got: {string.Join("; ", result.Diagnostics.Select(d => d.ToDiagnostic().ToString()))}");
            Assert.Contains(result.Diagnostics, d => d.Id == id && d.ToDiagnostic().Location.GetLineSpan().StartLinePosition.Line + 1 == line);
        }

        [KernelFact]
        public void ContextFieldsAsMapKeysAndValues_Load() => AssertLoads(Probe(@"
        ref long c = ref Counts.GetValueRefOrNullRef(ctx.SyscallNr);
        if (Unsafe.IsNullRef(ref c)) Counts.Update(ctx.SyscallNr, ctx.Arg0); else c += ctx.Arg1;
        Last.Update(0, ctx.Arg2);
        Counts.TryGetValue(ctx.SyscallNr, out long seen);
        Counts.Delete(ctx.SyscallNr);
        return (int)seen;"));

        [Fact]
        public void TracepointCommonFields_AreRefused() => AssertRefused(Probe(@"
        ref long c = ref Counts.GetValueRefOrNullRef(ctx.CommonPid); // BPF0008
        if (Unsafe.IsNullRef(ref c)) return 1;
        return 0;"), "BPF0008");

        [Theory]
        [InlineData("[BpfMap(MaxEntries = 16, Flags = 0xFFFF0000)] public static BpfHashMap<int, long> Bad = new(); // BPF0010")]
        [InlineData("[BpfMap(MaxEntries = uint.MaxValue)] public static BpfHashMap<int, long> Bad = new(); // BPF0010")]
        [InlineData("[BpfMap(MaxEntries = 4, Flags = 1)] public static BpfArrayMap<long> Bad = new(4); // BPF0010")]
        [InlineData("[BpfMap(MaxEntries = 16, Flags = 8 | 16)] public static BpfHashMap<int, long> Bad = new(); // BPF0010")]
        [InlineData("[BpfMap(MaxEntries = 200000000)] public static BpfArrayMap<Wide> Bad = new(1); // BPF0010")]
        public void MapsTheKernelWouldRefuse_AreRefused(string declaration) => AssertRefused(Probe(@"
        return 0;", members: "    public struct Wide { public long A, B, C; }\n    " + declaration + "\n"), "BPF0010");

        [KernelTheory]
        [InlineData("[BpfMap(MaxEntries = 16, Flags = 1)] public static BpfHashMap<int, long> Good = new();")]
        [InlineData("[BpfMap(MaxEntries = 16, Flags = 64 | 256)] public static BpfHashMap<int, long> Good = new();")]
        [InlineData("[BpfMap(MaxEntries = 16, Flags = 1024)] public static BpfArrayMap<long> Good = new(16);")]
        public void MapsWithFlagsTheKernelTakes_Load(string declaration) => AssertLoads(Probe(@"
        Good.Update(1, 2);
        return 0;", members: "    " + declaration + "\n"));

        [Fact]
        public void ProgramWriteIntoAMapReadOnlyForPrograms_IsRefused() => AssertRefused(Probe(@"
        ReadOnly.Update(1, 2); // BPF0008
        return 0;", members: "    [BpfMap(MaxEntries = 16, Flags = 128)] public static BpfHashMap<int, long> ReadOnly = new();\n"), "BPF0008");

        [Fact]
        public void UnknownSectionName_IsRefused() => AssertRefused(Probe(@"
        return 0;", "RawTracepointArgs", "Section(\"tracepionts/sys_enter\")"), "BPF0008", marker: "tracepionts");

        /// <summary>Nested loops whose every iteration the verifier would walk: 8192 × 8 iterations of a dozen instructions.</summary>
        private static readonly string HeavyLoops = "for (int i = 0; i < 8192; i++) { for (int j = 0; j < 8; j++) { " +
            string.Concat(Enumerable.Range(0, 12).Select(k => $"acc = unchecked(acc * {k + 3} + (i ^ j)); ")) + "} }";

        [KernelFact]
        public void LoopsTheVerifierCannotWalk_RunThroughBpfLoopAndLoad() => AssertLoads(Probe(@"
        long acc = ctx.Arg0;
        " + HeavyLoops + @"
        Last.Update(0, acc);
        return 0;"));

        /// <summary>An 8,192-iteration loop with a test the verifier cannot decide: each iteration leaves a branch pending.</summary>
        [KernelFact]
        public void LoopsLeavingABranchPendingEachIteration_RunThroughBpfLoopAndLoad() => AssertLoads(Probe(@"
        long acc = ctx.Arg0, hits = 0;
        for (int i = 0; i < 8192; i++) { acc = unchecked(acc * 31 + i); if ((acc & 7) == 3) hits++; }
        Last.Update(0, hits);
        return 0;"));

        /// <summary>A do loop around a nest too costly to walk: the IR's facts count its counter, and it runs through bpf_loop.</summary>
        [KernelFact]
        public void DoLoopsTooCostlyToWalk_RunThroughBpfLoopAndLoad() => AssertLoads(Probe(@"
        long acc = ctx.Arg0;
        int i = 0;
        do { for (int j = 0; j < 8; j++) { " + string.Concat(Enumerable.Range(0, 12).Select(k => $"acc = unchecked(acc * {k + 3} + (i ^ j)); ")) + @"} i++; } while (i < 8192);
        Last.Update(0, acc);
        return 0;"));

        /// <summary>A costly nest whose outer counter is shifted, which bpf_loop cannot compute from its index: refused on the outer loop.</summary>
        [Fact]
        public void LoopsTheVerifierCannotWalkNorBpfLoopRun_AreRefusedOnTheOuterLoop() => AssertRefused(Probe(@"
        long acc = ctx.Arg0, hits = 0;
        for /* BPF0005 */ (long i = 1; i != 0; i <<= 1) { for (int j = 0; j < 200; j++) { acc = unchecked(acc * 31 + (i ^ j)); if ((acc & 7) == 3) hits++; } }
        Last.Update(0, acc + hits);
        return 0;"), "BPF0005", marker: "BPF0005 */");

        /// <summary>
        /// A program the verifier cannot walk within its 1,000,000-instruction limit (clang's, whose loop our compiler
        /// would run through bpf_loop): the exception says the program is too large for the verifier, with the first
        /// load's errno (E2BIG), not the ENOSPC of the retry that fetched the log.
        /// </summary>
        [KernelFact]
        public void ProgramTooLargeForTheVerifier_IsExplained()
        {
            Kernel.Require();
            string path = Kernel.CompileC("too_large", @"
SEC(""raw_tp/too_large"") int too_large(void *ctx)
{
    __u64 acc = bpf_get_current_pid_tgid();
#pragma clang loop unroll(disable)
    for (int i = 0; i < 8192; i++) {
#pragma clang loop unroll(disable)
        for (int j = 0; j < 32; j++) { acc = acc * 3 + (i ^ j); acc = acc * 5 + (i ^ j); acc = acc * 7 + (i ^ j); acc = acc * 9 + (i ^ j); }
    }
    return (int)acc;
}
");
            var refused = Assert.Throws<BpfVerifierException>(() => BpfObject.LoadFile(path).Dispose());
            Assert.True(refused.Message.Contains("too large for the verifier", System.StringComparison.Ordinal), refused.Message);
            Assert.Equal(7, refused.Errno); // E2BIG
        }

        /// <summary>
        /// A costly loop in a method compiled on its own (a BPF-to-BPF call, which the verifier walks whole at each call):
        /// the build stops on that loop, which bpf_loop cannot run from there, instead of building a program the kernel refuses.
        /// </summary>
        [Fact]
        public void CostlyLoopsInAMethodCompiledOnItsOwn_AreRefusedOnTheLoop() => AssertRefused(Probe("Last.Update(0, Heavy(ctx.Arg0)); return 0;",
            members: "    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]\n" +
                     "    private static long Heavy(long acc) { /* BPF0005 */ " + HeavyLoops + " return acc; }\n"), "BPF0005", marker: "BPF0005 */");

        /// <summary>A costly loop in an inlined method, not inside any loop of the program: refused on that loop, as bpf_loop runs only a program's own loops.</summary>
        [Fact]
        public void CostlyLoopsInAnInlinedMethod_AreRefusedOnTheLoop() => AssertRefused(Probe("Last.Update(0, Heavy(ctx.Arg0)); return 0;",
            members: "    private static long Heavy(long acc) { /* BPF0005 */ " + HeavyLoops + " return acc; }\n"), "BPF0005", marker: "BPF0005 */");

        /// <summary>
        /// A program loop of 2,000 iterations around an inlined method's loop of 100 with a branch the verifier cannot decide
        /// (about 3 million instructions walked): the cost of the inlined loop counts inside the program's loop, which then
        /// runs through bpf_loop and loads.
        /// </summary>
        [KernelFact]
        public void ProgramLoopsAroundAnInlinedMethodsLoop_RunThroughBpfLoopAndLoad() => AssertLoads(Probe(@"
        long acc = ctx.Arg0;
        for (int k = 0; k < 2000; k++) acc += Light(acc + k);
        Last.Update(0, acc);
        return 0;", members: "    private static long Light(long acc) { for (int j = 0; j < 100; j++) { acc = unchecked(acc * 3 + j); if ((acc & 3) == 1) acc++; } return acc; }\n"));

        /// <summary>
        /// A program loop of 1,000 iterations calling a method compiled on its own whose loop runs 100 times: the verifier walks
        /// the method at each call, so the program's loop runs through bpf_loop and loads.
        /// </summary>
        [KernelFact]
        public void ProgramLoopsAroundCallsOfACostlyFunction_RunThroughBpfLoopAndLoad() => AssertLoads(Probe(@"
        long acc = ctx.Arg0;
        for (int k = 0; k < 1000; k++) acc += Light(acc + k);
        Last.Update(0, acc);
        return 0;", members: "    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]\n" +
                     "    private static long Light(long acc) { for (int j = 0; j < 100; j++) { acc = unchecked(acc * 3 + j); acc ^= acc >> 7; acc = unchecked(acc * 5 + j); } return acc; }\n"));

        private const string Buffers = "    public unsafe struct Buf { public fixed byte Bytes[16]; public long After; }\n";

        [Theory]
        [InlineData("xdp", "XdpContext", "ctx.IngressInterfaceIndex = 3; // BPF0008")]
        [InlineData("socket", "SkBuff", "ctx.Mark = 3; // BPF0008")]
        [InlineData("tc", "SkBuff", "ctx.Len = 3; // BPF0008")]
        [InlineData("tc", "SkBuff", "ctx.Mark++; ctx.RemotePort += 1; // BPF0008")]
        [InlineData("cgroup_skb/ingress", "SkBuff", "ctx.TryWritePacket(0, 1); // BPF0008")]
        [InlineData("socket", "SkBuff", "ref byte b = ref ctx.GetPacketRefOrNullRef<byte>(0); // BPF0008")]
        [InlineData("tracepoint/syscalls/sys_enter_openat", "SysEnterArgs", "ctx.Arg0 = 1; // BPF0008")]
        [InlineData("cgroup/connect4", "SockAddrContext", "uint a = ctx.UserIp6[0]; // BPF0008")]
        [InlineData("cgroup/connect6", "SockAddrContext", "ctx.UserIp4 = 1; // BPF0008")]
        [InlineData("cgroup/connect4", "SockAddrContext", "ctx.Family = 10; // BPF0008")]
        [InlineData("cgroup/connect4", "SockAddrContext", "uint a = ctx.MsgSrcIp4; // BPF0008")]
        [InlineData("cgroup/getsockopt", "SockoptContext", "ctx.Level = 1; // BPF0008")]
        [InlineData("cgroup/setsockopt", "SockoptContext", "int r = ctx.ReturnValue; // BPF0008")]
        [InlineData("cgroup/sysctl", "SysctlContext", "ctx.Write = 1; // BPF0008")]
        public void ContextAndPacketWritesTheKindForbids_AreRefused(string section, string context, string statement) => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfProgram, Section(\"" + section + "\")]\n    public static int Run(ref " + context + " ctx)\n    {\n        "
            + statement + "\n        return 0;\n    }\n}\n", "BPF0008");

        [Fact]
        public void PacketReferenceUsedAfterTheHelperThatChangedThePacket_IsRefused() => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfProgram, Section(\"xdp\")]\n    public static int Run(ref XdpContext ctx)\n    {\n"
            + "        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);\n        if (Unsafe.IsNullRef(ref eth)) return 0;\n"
            + "        Bpf.XdpAdjustHead(ref ctx, 14);\n        return eth.EtherType; // BPF0008\n    }\n}\n", "BPF0008");

        /// <summary>Traced arguments of a type a traced function cannot pass, or more than it can: refused on the program.</summary>
        [Theory]
        [InlineData("tp_btf/sched_switch", "Buf b")]
        [InlineData("fentry/do_sys_openat2", "string s")]
        [InlineData("raw_tp/sys_enter", "long a, long b, long c, long d, long e, long f, long g, long h, long i, long j, long k, long l, long m")]
        public void TracedArgumentsOfTypesNoFunctionPasses_AreRefused(string section, string parameters) => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + Buffers + "\n    [BpfProgram, Section(\"" + section + "\")]\n    public static int Run(" + parameters + ") // BPF0009\n    {\n        return 0;\n    }\n}\n", "BPF0009");

        /// <summary>CO-RE queries about something that is not a kernel type, member or enum value: refused on the argument.</summary>
        [Theory]
        [InlineData("long n = Core.TypeSize<Buf>(); // BPF0008")]
        [InlineData("bool b = Core.TypeExists<long>(); // BPF0008")]
        [InlineData("long v = Core.EnumValue(System.DayOfWeek.Monday); // BPF0008")]
        [InlineData("Buf b = default; int s = Core.FieldSize(b.After); // BPF0008")]
        public void CoreQueriesAboutWhatIsNotAKernelType_AreRefused(string statement) => AssertRefused(Probe("        " + statement + "\n        return 0;", members: Buffers), "BPF0008");

        /// <summary>A helper that changes the packet before the program's first packet access: the access reads the packet's new bounds.</summary>
        [KernelTheory]
        [InlineData("xdp", "XdpContext", "Bpf.XdpAdjustHead(ref ctx, 0);")]
        [InlineData("tc", "SkBuff", "Bpf.SkbPullData(ref ctx, 14);")]
        [InlineData("tc", "SkBuff", "if ((ctx.Mark & 1) == 0) Bpf.SkbChangeTail(ref ctx, 64);")]
        [InlineData("sk_skb/stream_verdict", "SkBuff", "Bpf.SkbPullData(ref ctx, 1);")]
        public void PacketAccessesAfterAHelperThatChangedThePacket_Load(string section, string context, string statement) => AssertLoads(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfProgram, Section(\"" + section + "\")]\n    public static int Run(ref " + context + " ctx)\n    {\n        "
            + statement + "\n        if (!ctx.TryReadPacket(0, out byte first)) return 0;\n        Last.Update(0, first);\n        return 1;\n    }\n}\n");

        [Theory]
        [InlineData("cgroup_skb/egress", "SkBuff", "Bpf.CloneRedirect(ref ctx, 1); // BPF0008")]
        [InlineData("xdp", "XdpContext", "Bpf.Redirect(1); // BPF0008")]
        public void PacketHelpersOfAnotherKind_AreRefused(string section, string context, string statement) => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfProgram, Section(\"" + section + "\")]\n    public static int Run(ref " + context + " ctx)\n    {\n        "
            + statement + "\n        return 0;\n    }\n}\n", "BPF0008");

        [Theory]
        [InlineData("ref long v = ref ctx.GetValueRefOrNullRef();\n        v = 1; // BPF0015")]
        [InlineData("ref readonly uint k = ref ctx.GetKeyRefOrNullRef();\n        return (int)k; // BPF0015")]
        public void MapElementIteratorReferencesUsedWithoutANullTest_AreRefused(string statements) => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfProgram, Section(\"iter/bpf_map_elem\")]\n    public static int Run(ref MapElementIterator<uint, long> ctx)\n    {\n        "
            + statements + "\n        return 0;\n    }\n}\n", "BPF0015");

        [Theory]
        [InlineData("kprobe/do_sys_openat2", "long a = Usdt.Arg(ref ctx, 0); // BPF0008")]
        [InlineData("usdt", "int i = 2; long a = Usdt.Arg(ref ctx, i); // BPF0008")]
        [InlineData("usdt", "long a = Usdt.Arg(ref ctx, 12); // BPF0008")]
        public void UsdtArgumentsOutsideUsdtProgramsOrByVariableIndex_AreRefused(string section, string statement) => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfProgram, Section(\"" + section + "\")]\n    public static int Run(ref PtRegs ctx)\n    {\n        "
            + statement + "\n        return 0;\n    }\n}\n", "BPF0008");

        [Fact]
        public void RedirectingAMessageOutsideAnSkMsgProgram_IsRefused() => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfMap(MaxEntries = 1)] public static BpfSockMap Sockets = new();\n    [BpfProgram, Section(\"xdp\")]\n    public static int Run(ref XdpContext ctx)\n    {\n"
            + "        SkMsgContext fake = default;\n        var r = Sockets.RedirectMessage(ref fake, 0); // BPF0008\n        return 0;\n    }\n}\n", "BPF0008");

        [Fact]
        public void AssigningASocketOutsideAnSkLookupProgram_IsRefused() => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfMap(MaxEntries = 1)] public static BpfSockMap Sockets = new();\n    [BpfProgram, Section(\"xdp\")]\n    public static int Run(ref XdpContext ctx)\n    {\n"
            + "        SkLookupContext fake = default;\n        long r = Sockets.Assign(ref fake, 0); // BPF0008\n        return 0;\n    }\n}\n", "BPF0008");

        /// <summary>
        /// Packet offsets of any 16-bit (or wider) value: the verifier follows a packet bound only while the offset plus the
        /// bytes compared stays within 65,535, so the compiler bounds the offset by that, not by 65,535 alone.
        /// </summary>
        [KernelTheory]
        [InlineData("ushort")]
        [InlineData("uint")]
        [InlineData("int")]
        [InlineData("long")]
        public void PacketAccessesAtOffsetsOfAnyWidth_Load(string type) => AssertLoads(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<" + type + "> Offsets = new(1);\n"
            + "    [BpfProgram, Section(\"xdp\")]\n    public static int Run(ref XdpContext ctx)\n    {\n"
            + "        Offsets.TryGetValue(0, out " + type + " at);\n"
            + "        ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>((int)at);\n        if (Unsafe.IsNullRef(ref ip)) return 2;\n"
            + "        ref ulong word = ref ctx.GetPacketRefOrNullRef<ulong>((int)at + ip.HeaderLength);\n        return Unsafe.IsNullRef(ref word) ? 1 : (int)word;\n    }\n}\n");

        private const string KernelTask = "[BtfName(\"task_struct\")] [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 16)]\n"
            + "public unsafe struct Task { [System.Runtime.InteropServices.FieldOffset(0), BtfName(\"pid\")] public int Pid; [System.Runtime.InteropServices.FieldOffset(8), BtfName(\"comm\")] public fixed byte Comm[8]; }\n";

        /// <summary>The declarations KernelTypes generates from the running kernel's BTF make programs that read through them and load (CO-RE).</summary>
        [KernelFact]
        public void ProgramsReadingThroughGeneratedKernelTypes_Load() => AssertLoads(KernelTypes.GenerateCSharp(new[] { "task_struct", "mm_struct" }) + Probe(
            "Kernel.TaskStruct* task = (Kernel.TaskStruct*)Bpf.GetCurrentTask();\n        Kernel.TaskStruct* parent = task->RealParent;\n"
            + "        Kernel.MmStruct* mm = task->Mm;\n        ulong total = mm->TotalVm;\n        return parent->Tgid + task->Pid + (int)total;"));

        [Theory]
        [InlineData("task->Pid = 3; // BPF0008")]
        [InlineData("int* p = &task->Pid; // BPF0008")]
        [InlineData("byte c = task->Comm[0]; // BPF0008")]
        public void WritingOrReferringToKernelMemoryInPlace_IsRefused(string statement) => AssertRefused(KernelTask + Probe(
            "Task* task = (Task*)Bpf.GetCurrentTask();\n        " + statement + "\n        return 0;"), "BPF0008");

        [Fact]
        public void AnIteratorContextOutsideAnIterator_IsRefused() => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfProgram, Section(\"raw_tracepoint/sys_enter\")]\n    public static int Run(ref IteratorContext ctx)\n    {\n"
            + "        Bpf.SeqPrintf(ref ctx, \"x\\n\"); // BPF0008\n        return 0;\n    }\n}\n", "BPF0008");

        [Fact]
        public void PacketReferenceUsedWithoutANullTest_IsRefused() => AssertRefused(
            "public static unsafe partial class P\n{\n" + Maps + "\n    [BpfProgram, Section(\"xdp\")]\n    public static int Run(ref XdpContext ctx)\n    {\n"
            + "        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);\n        return eth.EtherType; // BPF0015\n    }\n}\n", "BPF0015");

        [Fact]
        public void PointerIndexOutsideItsLocal_IsRefused() => AssertRefused(Probe(@"
        long x = ctx.Arg0;
        long* p = &x;
        long y = p[200]; // BPF0008
        return (int)y;"), "BPF0008");

        [Fact]
        public void ConstantIndexPastAFixedBuffer_IsRefused() => AssertRefused(Probe(@"
        Buf b = default;
        b.Bytes[20] = 1; // BPF0008
        return b.Bytes[0];", members: Buffers), "BPF0008");

        [Fact]
        public void PointerArithmeticOutsideTheBuffer_IsRefused() => AssertRefused(Probe(@"
        Buf b = default;
        byte* p = b.Bytes + 12;
        int k = (int)(ctx.Arg0 & 7);
        return p[k]; // BPF0008", members: Buffers), "BPF0008");

        [KernelFact]
        public void PointersInsideTheirObjects_Load() => AssertLoads(Probe(@"
        Buf b = default;
        byte* p = b.Bytes + 4;
        int k = (int)(ctx.Arg0 & 7);
        p[k] = 3;
        long x = ctx.Arg1;
        long* q = &x;
        *q += p[2] + b.Bytes[15];
        Last.Update(0, x + b.After);
        return p[-4];", members: Buffers));

        [Theory]
        [InlineData("long n = (long)ctx.Arg1;\n        return p[n]; // BPF0008", "n")]
        [InlineData("p = p + ctx.Arg1; // BPF0008\n        return *p;", "ctx.Arg1")]
        [InlineData("int n = (int)ctx.Arg1;\n        if (n < 8) return p[n]; // BPF0008\n        return 0;", "from -2147483648 to 7")]
        public void UnboundedPointerOffsets_AreRefused(string access, string said)
        {
            string source = Probe("long x = ctx.Arg0;\n        byte* p = (byte*)&x;\n        " + access);
            AssertRefused(source, "BPF0008");
            Assert.Contains(ProbeBuilder.Build(source).Diagnostics, d => d.ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("'" + said, System.StringComparison.Ordinal)
                || d.ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(said, System.StringComparison.Ordinal));
        }

        [KernelTheory]
        [InlineData("if ((uint)n < 8) return p[n];")]
        [InlineData("if (n >= 0 && n < 8) return p[n];")]
        [InlineData("if (n < 0 || n > 7) return 0;\n        return *(p + n);")]
        [InlineData("if (n is >= 2 and < 6) return p[n] + *(p + n - 2);")]
        [InlineData("for (int i = 0; i < 4; i++) { int m = n + i; if ((uint)m < 8) x += p[m]; }")]
        public void PointerOffsetsBoundedByTests_Load(string access) => AssertLoads(Probe(
            "long x = ctx.Arg0;\n        byte* p = (byte*)&x;\n        int n = (int)ctx.Arg1;\n        " + access + "\n        Last.Update(0, x);\n        return 0;"));

        /// <summary>
        /// Indexes bounded by what the program does, not only by the test around the access: assignments that clamp, a
        /// conditional expression, a remainder, a test made on a copy, a mask after a loop. The facts follow the flow of
        /// values through the IR; where a bound rests on something the verifier does not follow, the compiler shows it one.
        /// </summary>
        [KernelTheory]
        [InlineData("if (n > 7) n = 7;\n        if (n < 0) n = 0;\n        x += p[n];")]
        [InlineData("n = n < 0 ? 0 : n > 7 ? 7 : n;\n        x += p[n];")]
        [InlineData("uint u = (uint)ctx.Arg1 % 8;\n        x += p[u];")]
        [InlineData("if ((uint)n >= 8) n = 0;\n        x += *(p + n);")]
        [InlineData("int m = n;\n        if (m < 0 || m > 7) return 0;\n        x += p[n];")]
        [InlineData("int k = n & 3;\n        for (int i = 0; i < 4; i++) { x += p[k + i]; }")]
        [InlineData("int k = 0;\n        for (int i = 0; i < 10; i++) { if (ctx.Arg2 > i) k = i & 7; }\n        x += p[k];")]
        public void PointerOffsetsBoundedByTheProgramsFlow_Load(string access) => AssertLoads(Probe(
            "long x = ctx.Arg0;\n        byte* p = (byte*)&x;\n        int n = (int)ctx.Arg1;\n        " + access + "\n        Last.Update(0, x);\n        return 0;"));

        [KernelFact]
        public void SpanIndexClampedByAssignment_Loads() => AssertLoads(Probe(@"
        System.Span<long> w = stackalloc long[8];
        int n = (int)ctx.Arg1;
        if (n > 7) n = 7;
        else if (n < 0) n = 0;
        w[n] = ctx.Arg0;
        Last.Update(0, w[n]);
        return 0;"));

        [Theory]
        [InlineData("if (n > 8) n = 8;\n        if (n < 0) n = 0;\n        return p[n]; // BPF0008", "bytes 0 to 8 of 'x', which has 8")]
        [InlineData("int k = n & 7;\n        if (k == 3) k = 9;\n        return p[k]; // BPF0008", "bytes 0 to 9")]
        [InlineData("int k = n & 7;\n        k += 1;\n        return *(p + k); // BPF0008", "bytes 1 to 8")]
        public void PointerOffsetsTheFlowLetLeaveTheObject_AreRefused(string access, string said)
        {
            string source = Probe("long x = ctx.Arg0;\n        byte* p = (byte*)&x;\n        int n = (int)ctx.Arg1;\n        " + access);
            AssertRefused(source, "BPF0008");
            Assert.Contains(ProbeBuilder.Build(source).Diagnostics, d => d.ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(said, System.StringComparison.Ordinal));
        }

        /// <summary>
        /// Divisions proven safe however the program rules out 0 (and -1 for a signed division of a full-range dividend):
        /// an assignment, a conditional expression, a test on a copy, an early return inside a loop, a struct field
        /// tested in place. The division runs as C# runs it, so the program loads and computes C#'s result.
        /// </summary>
        [KernelTheory]
        [InlineData("if (d <= 0) d = 1;\n        q = x / d;")]
        [InlineData("d = d == 0 ? 7 : d;\n        q = (long)((ulong)x % (ulong)(uint)d);")]
        [InlineData("int e = d;\n        if (e > 0) q = x / d;")]
        [InlineData("for (int i = 0; i < 4; i++) { if (d < 1) break; q += x / d; d >>= 1; }")]
        [InlineData("Pair p = default;\n        p.B = d;\n        if (p.B > 0) q = x % p.B;")]
        [InlineData("uint u = (uint)d;\n        if (u == 0) return 0;\n        q = (long)(ctx.Arg1 / u);")]
        public void DivisorsRuledSafeByTheProgramsFlow_Load(string division) => AssertLoads(Probe(
            "long x = ctx.Arg0;\n        int d = (int)ctx.Arg1;\n        long q = 0;\n        " + division + "\n        Last.Update(0, q);\n        return 0;",
            members: "    public struct Pair { public long A; public int B; }\n"));

        [Theory]
        [InlineData("if (d > 0) d--;\n        q = x / d; // BPF0016")]
        [InlineData("if (d != 0) q = x / d; // BPF0016")]
        [InlineData("if (d > 0) { d = (int)ctx.Arg2; q = x / d; } // BPF0016")]
        public void DivisorsTheFlowDoesNotRuleSafe_AreRefused(string division) => AssertRefused(Probe(
            "long x = ctx.Arg0;\n        int d = (int)ctx.Arg1;\n        long q = 0;\n        " + division + "\n        Last.Update(0, q);\n        return 0;"), "BPF0016");

        private const string Ring = "    public struct Rec { public long A; public int B; }\n    [BpfMap(MaxEntries = 4096)] public static BpfRingBuffer<Rec> Events = new();\n";

        /// <summary>Reservations released on every path (submitted, discarded, or found null), however the paths go.</summary>
        [KernelTheory]
        [InlineData("ref Rec r = ref Events.Reserve();\n        if (Unsafe.IsNullRef(ref r)) return 0;\n        r.A = ctx.Arg0;\n        Events.Submit(ref r);\n        return 0;")]
        [InlineData("ref Rec r = ref Events.Reserve();\n        if (!Unsafe.IsNullRef(ref r))\n        {\n            r.B = 3;\n            if (ctx.Arg1 > 5) Events.Discard(ref r);\n            else Events.Submit(ref r, RingBufferWakeup.ForceWakeup);\n        }\n        return 1;")]
        [InlineData("for (int i = 0; i < 3; i++)\n        {\n            ref Rec r = ref Events.Reserve();\n            if (Unsafe.IsNullRef(ref r)) break;\n            r.A = i;\n            Events.Submit(ref r);\n        }\n        Rec copy = default;\n        copy.B = 9;\n        return Events.Output(copy) ? 1 : 0;")]
        public void RingBufferReservationsReleasedOnEveryPath_Load(string body) => AssertLoads(Probe(body, members: Ring));

        /// <summary>
        /// A reservation some path returns holding: BPF0018 on the reservation, naming the line of that return (lines count
        /// the using directives the probe builder puts first).
        /// </summary>
        [Theory]
        [InlineData("ref Rec r = ref Events.Reserve(); // BPF0018\n        if (Unsafe.IsNullRef(ref r)) return 0;\n        if (ctx.Arg0 == 7) return 1;\n        Events.Submit(ref r);\n        return 0;", "line 15")]
        [InlineData("ref Rec r = ref Events.Reserve(); // BPF0018\n        if (Unsafe.IsNullRef(ref r)) return 0;\n        r.A = 1;\n        return 0;", "line 16")]
        [InlineData("ref long r = ref Events.Reserve<long>(); // BPF0018\n        if (Unsafe.IsNullRef(ref r)) return 0;\n        r = 1;\n        return 0;", "line 16")]
        public void RingBufferReservationLeakedOnAPath_IsRefused(string body, string said)
        {
            string source = Probe(body, members: Ring);
            AssertRefused(source, "BPF0018");
            var diagnostics = ProbeBuilder.Build(source).Diagnostics;
            Assert.Single(diagnostics);
            string message = diagnostics[0].ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(message.Contains(said, System.StringComparison.Ordinal), message);
        }

        [KernelFact]
        public void SpanAndInlineArrayIndexesBoundedByTests_Load() => AssertLoads(Probe(@"
        System.Span<long> w = stackalloc long[8];
        int n = (int)ctx.Arg1;
        if ((uint)n < 8) w[n] = ctx.Arg0;
        Six six = default;
        byte b = (byte)ctx.Arg2;
        if (b > 5) return 1;
        six[b] = 7;
        Last.Update(0, w[n & 7] + six[3]);
        return 0;", members: "    [System.Runtime.CompilerServices.InlineArray(6)] public struct Six { private long _element; }\n"));

        /// <summary>
        /// Indexes of spans, inline arrays and fixed buffers by loop counters the facts keep in range, whatever the step
        /// (shifted, multiplied, subtracted by more than one, in a while loop, or with the test in the body).
        /// </summary>
        [KernelTheory]
        [InlineData("for (int i = 15; i > 0; i >>= 1) acc += w[i];")]
        [InlineData("for (int i = 1; i < 16; i *= 2) acc += w[i];")]
        [InlineData("for (int i = 15; i >= 0; i -= 3) acc += w[i];")]
        [InlineData("for (uint i = 1u << 30; i != 0; i >>= 2) acc += w[(int)(i & 15)];")]
        [InlineData("int i = 0; while (i < 16) { acc += w[i]; i += 5; }")]
        [InlineData("int i = 0; while (true) { if (i >= 16) break; acc += w[i]; i++; }")]
        [InlineData("int i = 20; do { i -= 2; acc += w[i - 4]; } while (i > 4);")]
        [InlineData("for (int i = 1; i < 16; i <<= 1) { six[i % 6] = i; acc += six[i >> 2]; }")]
        [InlineData("for (int i = 15; i > 0; i >>= 1) acc += buf.Bytes[i];")]
        [InlineData("for (int i = 0; i < 16; i += 4) for (int j = i; j < i + 4; j++) acc += buf.Bytes[j];")]
        public void IndexesByLoopCountersWithAnyStep_Load(string loop) => AssertLoads(Probe(
            "long acc = ctx.Arg0;\n        System.Span<long> w = stackalloc long[16];\n        w[(int)(ctx.Arg1 & 15)] = 3;\n        Six six = default;\n        Buf buf = default;\n        buf.Bytes[(int)(ctx.Arg2 & 15)] = 5;\n        "
            + loop + "\n        Last.Update(0, acc + six[0]);\n        return 0;",
            members: Buffers + "    [System.Runtime.CompilerServices.InlineArray(6)] public struct Six { private long _element; }\n"));

        /// <summary>Indexes a loop counter's values take out of range (one step past, or at the far end of a nested loop) are still refused, on the access.</summary>
        [Theory]
        [InlineData("for (int i = 0; i < 16; i += 4) acc += w[i + 4]; // BPF0008")]
        [InlineData("int i = 20; do { i -= 2; acc += w[i - 5]; /* BPF0008 */ } while (i > 4);")]
        [InlineData("for (int i = 0; i < 16; i += 4) for (int j = i; j <= i + 4; j++) acc += buf.Bytes[j]; // BPF0008")]
        [InlineData("for (int i = 15; i > 0; i >>= 1) acc += six[i]; // BPF0008")]
        public void IndexesLoopCountersTakeOutOfRange_AreRefused(string loop)
        {
            string source = Probe(
                "long acc = ctx.Arg0;\n        System.Span<long> w = stackalloc long[16];\n        Six six = default;\n        Buf buf = default;\n        "
                + loop + "\n        Last.Update(0, acc + six[0]);\n        return 0;",
                members: Buffers + "    [System.Runtime.CompilerServices.InlineArray(6)] public struct Six { private long _element; }\n");
            AssertRefused(source, "BPF0008", marker: "BPF0008");
        }

        private const string SyscallContext = "    public struct Ctx { public long X, A, B; }\n"
            + "    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)] private static void Set(ref long dst, long v) { dst = v * 2; }\n"
            + "    private static ref long Pick(ref Ctx c, bool first) { if (first) return ref c.A; return ref c.B; }\n";

        /// <summary>
        /// References into the program's context the verifier would refuse (a modified context pointer read, written, handed
        /// to a helper or a method compiled on its own, or an atomic on the context): BPF0008 on the statement, once.
        /// </summary>
        [Theory]
        [InlineData("tracepoint/syscalls/sys_enter_getpgid", "SysEnterArgs", "ref long a = ref ctx.Arg0;\n        a = ref ctx.Arg1;\n        Last.Update(0, a + 1); // BPF0008")]
        [InlineData("tracepoint/syscalls/sys_enter_getpgid", "SysEnterArgs", "ref long r = ref (ctx.Arg0 != 0 ? ref ctx.Arg1 : ref ctx.Arg2);\n        Last.Update(0, r); // BPF0008")]
        [InlineData("tracepoint/syscalls/sys_enter_getpgid", "SysEnterArgs", "ref long d = ref ctx.Arg1;\n        d = ctx.Arg0 + 1; // BPF0008")]
        [InlineData("syscall", "Ctx", "Pick(ref ctx, ctx.X != 0) = 77; // BPF0008")]
        [InlineData("syscall", "Ctx", "Set(ref ctx.A, ctx.X); // BPF0008")]
        [InlineData("syscall", "Ctx", "Interlocked.Increment(ref ctx.A); // BPF0008")]
        [InlineData("syscall", "Ctx", "Bpf.ProbeReadKernel(new KernelPointer((ulong)ctx.X), out ctx.A); // BPF0008")]
        public void ReferencesIntoTheContextTheVerifierRefuses_AreRefusedOnTheStatement(string section, string context, string body)
        {
            string source = "public static unsafe partial class P\n{\n" + Maps + SyscallContext + "\n    [BpfProgram, Section(\"" + section + "\")]\n    public static int Run(ref " + context
                + " ctx)\n    {\n        " + body + "\n        return 0;\n    }\n}\n";
            AssertRefused(source, "BPF0008");
            Assert.Single(ProbeBuilder.Build(source).Diagnostics);
        }

        /// <summary>
        /// The context read in place through references that only read it: a ref local set once, an inlined method's ref
        /// parameter, a reference to the whole context. Each was refused by the verifier before (a modified context pointer).
        /// </summary>
        [KernelFact]
        public void ContextReadThroughReferencesThatOnlyReadIt_Loads() => AssertLoads(Probe(@"
        ref SysEnterArgs c = ref ctx;
        ref long a = ref ctx.Arg2;
        ref readonly long b = ref ctx.Arg0;
        Last.Update(0, Twice(ref ctx.Arg1) + c.Arg0 + a + b);
        return 0;", members: "    private static long Twice(ref long x) => x * 2;\n"));

        private const string SyscallBuffers = "    [System.Runtime.CompilerServices.InlineArray(8)] public struct Eight { private int _e; }\n"
            + "    public struct Inner { public int A; public int B; }\n"
            + "    public struct Ctx8 { public long X; public Eight Vals; public Inner O; public long R; }\n";

        /// <summary>
        /// A syscall program's context read at variable indexes of an inline array (from a stack copy), a struct field
        /// written whole, a field written through a ref local, and an unsigned 64-bit remainder as an index: each loads,
        /// and the kernel's run gives .NET's result.
        /// </summary>
        [KernelFact]
        public void SyscallContextArraysStructFieldsAndUnsignedRemainders_LoadAndRunAsDotnet()
        {
            Kernel.Require();
            var result = ProbeBuilder.Build("public static unsafe partial class P\n{\n" + SyscallBuffers + @"
    [BpfProgram, Section(""syscall"")]
    public static int Run(ref Ctx8 ctx)
    {
        long sum = 0;
        for (int i = 0; i < 8; i++) sum += ctx.Vals[i] * (i + 1);
        ulong u = (ulong)ctx.X;
        ReadOnlySpan<byte> table = [1, 2, 4, 8, 16, 32, 64, 128];
        sum += table[(int)(u % 8)] + ctx.Vals[(int)(u & 7)];
        var o = new Inner { A = 5, B = (int)sum };
        ctx.O = o;
        ref long result = ref ctx.R;
        result = sum;
        return 0;
    }
}
");
            Assert.True(result.Object is not null, string.Join("\n", result.Diagnostics.Select(d => d.ToDiagnostic().ToString())));
            using var loaded = BpfObject.Load(result.Object!);
            var context = new byte[56];
            BitConverter.GetBytes(-3L).CopyTo(context, 0); // u % 8 of (ulong)-3 is 5
            for (int i = 0; i < 8; i++) BitConverter.GetBytes(i * 10 - 7).CopyTo(context, 8 + 4 * i);
            // The kernel copies a syscall program's context back into the bytes it ran on.
            Assert.Equal(0u, loaded.Programs.Values.Single().TestRun(context));
            long expected = 0;
            for (int i = 0; i < 8; i++) expected += (i * 10 - 7) * (i + 1);
            expected += 32 + (5 * 10 - 7);
            Assert.Equal(expected, BitConverter.ToInt64(context, 48));
            Assert.Equal(5, BitConverter.ToInt32(context, 40));
            Assert.Equal((int)expected, BitConverter.ToInt32(context, 44));
        }

        /// <summary>Writing a context array's element at a variable index: one diagnostic, on the index, saying why.</summary>
        [Fact]
        public void ContextArrayElementWrittenAtAVariableIndex_IsRefusedOnceWithTheReason()
        {
            string source = "public static unsafe partial class P\n{\n" + SyscallBuffers + @"
    [BpfProgram, Section(""syscall"")]
    public static int Run(ref Ctx8 ctx)
    {
        for (int i = 0; i < 8; i++) ctx.Vals[i] = i; // BPF0008
        return 0;
    }
}
";
            AssertRefused(source, "BPF0008");
            var diagnostic = Assert.Single(ProbeBuilder.Build(source).Diagnostics);
            Assert.Contains("variable index", diagnostic.ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        }

        /// <summary>A BCL property is BPF0006 naming it; a possibly-null map value is BPF0015 quoting the statement, not its line.</summary>
        [Fact]
        public void OutsidePropertiesAndNullableValues_AreNamedPrecisely()
        {
            var outside = ProbeBuilder.Build(Probe("return Environment.ProcessorCount + (int)ctx.Arg0;")).Diagnostics;
            Assert.Contains(outside, d => d.Id == "BPF0006" && d.ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("Environment.ProcessorCount", StringComparison.Ordinal));
            var nullable = ProbeBuilder.Build("public static unsafe partial class P\n{\n" + Maps
                + "    [BpfProgram, Tracepoint(\"syscalls\", \"sys_enter_getpgid\")] public static int Run(ref SysEnterArgs ctx) { ref long v = ref Last.GetValueRefOrNullRef(1); v += 1; return 0; }\n}\n").Diagnostics;
            var message = Assert.Single(nullable, d => d.Id == "BPF0015").ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.StartsWith("'v += 1;' may be a null reference", message);
        }

        /// <summary>A mistake the subset refuses does not hide one the rest of the compiler finds elsewhere in the method: both are said, once each.</summary>
        [Fact]
        public void MistakesOfBothKinds_AreSaidInOneBuild()
        {
            string source = Probe(@"
        string s = ""bash""; // BPF0002
        System.Span<long> w = stackalloc long[8];
        int n = (int)ctx.Arg1;
        w[n] = 1; // BPF0008
        return 0;");
            AssertRefused(source, "BPF0002");
            AssertRefused(source, "BPF0008");
            Assert.Equal(2, ProbeBuilder.Build(source).Diagnostics.Count);
        }

        /// <summary>What follows from a refused local (its uses) is not said again: the diagnostics are all where it is declared.</summary>
        [Fact]
        public void UsesOfARefusedLocal_AreNotSaidAgain()
        {
            string source = Probe(@"
        long[] counts = new long[4]; // BPF0001
        counts[0] = ctx.Arg0;
        Last.Update(0, counts[0]);
        return 0;");
            AssertRefused(source, "BPF0001");
            var lines = ProbeBuilder.Build(source).Diagnostics.Select(d => d.ToDiagnostic().Location.GetLineSpan().StartLinePosition.Line).Distinct().ToList();
            Assert.Single(lines);
        }

        /// <summary>A reference into the context the verifier refuses, inside a loop that runs through bpf_loop: still BPF0008 on its statement.</summary>
        [Fact]
        public void ReferencesIntoTheContextInsideALoopRunByBpfLoop_AreRefused()
        {
            string source = "public static unsafe partial class P\n{\n" + Maps + SyscallContext + @"
    [BpfProgram, Section(""syscall"")]
    public static int Run(ref Ctx ctx)
    {
        long acc = ctx.X;
        for (int i = 0; i < 8192; i++)
        {
            acc = unchecked(acc * 31 + i);
            if ((acc & 7) == 3) Interlocked.Increment(ref ctx.A); // BPF0008
        }
        ctx.B = acc;
        return 0;
    }
}
";
            AssertRefused(source, "BPF0008");
        }

        /// <summary>foreach over inline arrays (a local, by value and by reference, and one in a map value): loads, and runs as .NET runs it.</summary>
        [KernelFact]
        public void ForEachOverInlineArrays_LoadsAndRunsAsDotnet()
        {
            Kernel.Require();
            var result = ProbeBuilder.Build("public static unsafe partial class P\n{\n"
                + "    [System.Runtime.CompilerServices.InlineArray(6)] public struct Six { private long _element; }\n"
                + "    public struct Holder { public long Tag; public Six Values; }\n"
                + "    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<Holder> Held = new(1);\n"
                + "    public struct Ctx { public long X, R; }\n" + @"
    [BpfProgram, Section(""syscall"")]
    public static int Run(ref Ctx ctx)
    {
        Six six = default;
        for (int i = 0; i < 6; i++) six[i] = ctx.X * (i + 1);
        foreach (ref long v in six) v += 1;
        long sum = 0;
        foreach (long v in six) sum += v;
        ref Holder held = ref Held.GetValueRefOrNullRef(0);
        if (!Unsafe.IsNullRef(ref held))
        {
            foreach (ref long v in held.Values) v = sum;
            foreach (long v in held.Values) sum ^= v >> 1;
        }
        ctx.R = sum;
        return 0;
    }
}
");
            Assert.True(result.Object is not null, string.Join("\n", result.Diagnostics.Select(d => d.ToDiagnostic().ToString())));
            using var loaded = BpfObject.Load(result.Object!);
            var context = new byte[16];
            BitConverter.GetBytes(7L).CopyTo(context, 0);
            Assert.Equal(0u, loaded.Programs.Values.Single().TestRun(context));
            long expected = 0;
            for (int i = 0; i < 6; i++) expected += 7 * (i + 1) + 1;
            long sum = expected;
            for (int i = 0; i < 6; i++) expected ^= sum >> 1;
            Assert.Equal(expected, BitConverter.ToInt64(context, 8));
        }

        /// <summary>
        /// A TCP options walk of 40 rounds whose offset steps by 1 or by a length read from the packet: the verifier keeps
        /// the offsets of its paths apart and passes its limit (in place and through bpf_loop alike), so the build refuses
        /// it on the loop with the estimate. It built before and was then refused at load (E2BIG).
        /// </summary>
        [Fact]
        public void LoopsWhoseIterationsSplitTheVerifiersWalk_AreRefusedWithTheEstimate()
        {
            string source = "public static unsafe partial class P\n{\n" + Maps + @"
    [BpfProgram, Section(""xdp"")]
    public static XdpAction Mss(ref XdpContext ctx)
    {
        int mss = 0, o = 54;
        for /* BPF0005 */ (int n = 0; n < 40; n++)
        {
            if (!ctx.TryReadPacket(o, out byte kind)) break;
            if (kind == 0) break;
            if (kind == 1) { o++; continue; }
            if (!ctx.TryReadPacket(o + 1, out byte len)) break;
            if (len < 2) break;
            if (kind == 2) mss = len;
            o += len;
        }
        return mss > 0 ? XdpAction.Pass : XdpAction.Drop;
    }
}
";
            AssertRefused(source, "BPF0005", marker: "BPF0005 */");
            var message = ProbeBuilder.Build(source).Diagnostics.Single(d => d.Id == "BPF0005").ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("keeps apart", message);
        }

        /// <summary>A tuple held in a local: one diagnostic that says so and what to write instead.</summary>
        [Fact]
        public void ATupleLocal_IsRefusedSayingHowToWriteIt()
        {
            string source = Probe(@"
        var t = ((int)ctx.Arg0, 5); // BPF0008
        return t.Item1 + t.Item2;");
            AssertRefused(source, "BPF0008");
            var message = ProbeBuilder.Build(source).Diagnostics.First(d => d.Id == "BPF0008").ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("var (a, b) = (x, y)", message);
        }

        [Fact]
        public void SpanIndexNotProven_IsRefusedWithTheTestToAdd()
        {
            string source = Probe(@"
        System.Span<long> w = stackalloc long[8];
        int n = (int)ctx.Arg1;
        w[n] = 1; // BPF0008
        return 0;");
            AssertRefused(source, "BPF0008");
            Assert.Contains(ProbeBuilder.Build(source).Diagnostics, d => d.ToDiagnostic().GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("if ((uint)i < 8)", System.StringComparison.Ordinal));
        }

        /// <summary>Seventy map updates: each key's temporary is dead once its update returns, so they share stack bytes.</summary>
        [KernelFact]
        public void SeventyMapUpdatesInOneProgram_Load() => AssertLoads(Probe(
            string.Concat(Enumerable.Range(0, 70).Select(i => $"Counts.Update({i}, ctx.Arg0 + {i});\n        ")) + "return 0;"));

        [KernelTheory]
        [InlineData("for (uint i = 1u << 20; i != 0; i >>= 1) acc += i;")]
        [InlineData("for (int i = 1; i < 4096; i *= 2) acc += i;")]
        [InlineData("for (int i = 100; i > 0; i -= 3) acc += i;")]
        [InlineData("int j = 1; while (j < 100000) { acc += j; j = j * 10; }")]
        [InlineData("for (sbyte b = 1; b != 0; b <<= 1) acc += b;")]
        public void LoopsSteppedByMultiplyingOrShifting_Load(string loop) => AssertLoads(Probe("long acc = ctx.Arg0;\n        " + loop + "\n        Last.Update(0, acc);\n        return 0;"));

        /// <summary>Loops whose bound the syntax does not show and the IR's facts do not prove either: still refused, on the loop.</summary>
        [Theory]
        [InlineData("while /* BPF0005 */ (true) { if (acc == 5) break; acc = unchecked(acc * 3 + 1); }")]
        [InlineData("for /* BPF0005 */ (int i = 0; i < 10; i++) { if ((acc & 1) == 0) i--; acc++; }")]
        [InlineData("int i = 0; while /* BPF0005 */ (i < 10) { acc++; if ((acc & 1) == 0) i++; }")]
        [InlineData("int i = 0; while /* BPF0005 */ (true) { if (i >= 100000) break; i++; acc ^= i; }")]
        [InlineData("int i = (int)ctx.Arg1; while /* BPF0005 */ (true) { if (i >= 100) break; i++; acc ^= i; }")]
        [InlineData("for /* BPF0005 */ (int i = 0; ; i++) { if (i == 20) i = 0; acc += i; if (acc == 7) break; }")]
        public void LoopsTheFactsDoNotBound_AreRefused(string loop) => AssertRefused(Probe("long acc = ctx.Arg0;\n        " + loop + "\n        Last.Update(0, acc);\n        return 0;"), "BPF0005", marker: "BPF0005 */");

        [Theory]
        [InlineData("for /* BPF0005 */ (int i = 1000; i > 0; i /= 2) acc += i;")]
        [InlineData("for /* BPF0005 */ (int i = 1; i < 100; i *= 1) acc += i;")]
        [InlineData("for /* BPF0005 */ (int i = -8; i < 0; i >>= 1) acc += i;")]
        public void LoopsWhoseStepTheVerifierCannotFollowOrThatNeverEnd_AreRefused(string loop) => AssertRefused(Probe("long acc = ctx.Arg0;\n        " + loop + "\n        Last.Update(0, acc);\n        return 0;"), "BPF0005", marker: "BPF0005 */");

        /// <summary>A helper that takes nothing is one entry of the kernel model's helpers table: bpf_get_prandom_u32.</summary>
        [KernelFact]
        public void HelperAddedAsATableEntry_Loads() => AssertLoads(Probe(@"
        uint r = Bpf.GetPrandomU32();
        Last.Update(0, r ^ (long)Bpf.KtimeGetNs());
        return 0;"));

        /// <summary>A helper the kernel does not give to tracing programs is refused on the call, not at load.</summary>
        [Fact]
        public void HelperNotGivenToTracingPrograms_IsRefused() => AssertRefused(Probe(@"
        Last.Update(0, (long)Bpf.KtimeGetCoarseNs()); // BPF0008
        return 0;"), "BPF0008");

        private const string NamedContext = @"
    public unsafe struct NamedArgs { public ulong Header; public fixed byte Name[16]; public ulong Tail; }
";

        [KernelFact]
        public void ContextFixedBufferIndexedByLoopCounter_Loads() => AssertLoads(Probe(@"
        long sum = 0;
        for (int i = 0; i < 16; i++) sum += ctx.Name[i];
        int k = (int)(ctx.Header & 15);
        sum += ctx.Name[k] + ctx.Name[3];
        Last.Update(1, sum);
        return 0;", "NamedArgs", "Section(\"raw_tp/sys_enter\")", NamedContext));

        [Fact]
        public void ContextFixedBufferWrittenAtAVariableIndex_IsRefused() => AssertRefused(Probe(@"
        int k = (int)(ctx.Header & 15);
        ctx.Name[k] = 1; // BPF0008
        return 0;", "NamedArgs", "Section(\"raw_tp/sys_enter\")", NamedContext), "BPF0008");
    }
}
