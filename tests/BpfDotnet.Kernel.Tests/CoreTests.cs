using System;
using System.IO;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>CO-RE: reads through kernel pointers relocated by the loader to the running kernel's BTF.</summary>
    [Collection("kernel")]
    public class CoreTests
    {
        [KernelFact]
        public void ReadsThroughADeclarationWithOtherOffsets_GiveTheRunningKernelsValues()
        {
            Kernel.Require();
            int parent = int.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Trim().Split(' ')[1]);
            using var probe = CoreReads.Load(new() { TargetPid = (uint)Environment.ProcessId });
            using var link = probe.OnGetpgid.Attach();
            int thread = Syscalls.Gettid();
            Syscalls.Getpgid(0);
            Assert.Equal(Environment.ProcessId, probe.Seen[0]);
            Assert.Equal(thread, probe.Seen[1]);
            Assert.Equal(parent, probe.Seen[2]);
        }

        /// <summary>libbpf reads the object's CO-RE relocations too, and relocates them to the same instructions as this loader.</summary>
        [KernelFact]
        public void LibbpfAndThisLoader_TranslateTheRelocatedProgramAlike()
        {
            Kernel.Require();
            using var probe = CoreReads.Load(new() { TargetPid = 1 });
            AssertLibbpfTranslatesAlike("CoreReads.bpf.o", probe.OnGetpgid);
        }

        [KernelFact]
        public void ReadsGuardedByFieldExists_LoadWhereTheMemberIsMissing_AndFlavorsNameTheKernelsStruct()
        {
            Kernel.Require();
            using var probe = GuardedReads.Load(new() { TargetPid = (uint)Environment.ProcessId });
            using var link = probe.OnGetpgid.Attach();
            Syscalls.Getpgid(0);
            Assert.Equal(-1, probe.Seen[0]);
            Assert.Equal(1, probe.Seen[1]);
            Assert.Equal(Environment.ProcessId, probe.Seen[2]);
        }

        /// <summary>Members of a struct the kernel's struct holds by value (sk->__sk_common.skc_daddr), relocated as one access path.</summary>
        [KernelFact]
        public void ReadsThroughAStructHeldByValue_FollowTheWholePath()
        {
            Kernel.Require();
            using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            listener.Listen(1);
            int serverPort = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
            using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            client.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            int clientPort = ((System.Net.IPEndPoint)client.LocalEndPoint!).Port;
            using var probe = SocketStates.Load(new() { Port = (ushort)clientPort });
            using var link = probe.OnStateChange.Attach();
            client.Connect(listener.LocalEndPoint!);
            using var accepted = listener.Accept();
            Assert.True(probe.Seen[3] >= 1, "state changes seen: " + probe.Seen[3]);
            uint loopback = BitConverter.ToUInt32(new byte[] { 127, 0, 0, 1 });
            Assert.Equal(loopback, (uint)probe.Seen[0]);
            Assert.Equal(loopback, (uint)probe.Seen[1]);
            Assert.Equal(serverPort, probe.Seen[2]);
        }

        [KernelFact]
        public void AMemberTheKernelDoesNotHave_IsRefusedAtLoad_NamingIt()
        {
            Kernel.Require();
            var e = Assert.Throws<BpfException>(() => MissingMemberRead.Load());
            Assert.Contains("task_struct.no_such_member_anywhere", e.Message);
            Assert.Contains("has no member no_such_member_anywhere", e.Message);
            Assert.Contains("OnGetpgid", e.Message);
        }

        /// <summary>
        /// The CO-RE questions besides offsets, answered for the running kernel: each answer checked against the kernel's BTF
        /// as bpftool dumps it (sizes, ids, enum values), where the declarations say otherwise.
        /// </summary>
        [KernelFact]
        public void CoreQueries_AreAnsweredForTheRunningKernel()
        {
            Kernel.Require();
            var dump = Repo.Run("bpftool", "btf dump file /sys/kernel/btf/vmlinux format raw", timeoutSeconds: 120);
            Assert.Equal(0, dump.ExitCode);
            var task = System.Text.RegularExpressions.Regex.Match(dump.Output, @"^\[(\d+)\] STRUCT 'task_struct' size=(\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
            var loop = System.Text.RegularExpressions.Regex.Match(dump.Output, @"'BPF_FUNC_loop' val=(\d+)");
            Assert.True(task.Success && loop.Success);
            using var probe = CoreQueries.Load(new() { TargetPid = (uint)Environment.ProcessId });
            using var link = probe.OnGetpgid.Attach();
            Syscalls.Getpgid(0);
            var answers = Enumerable.Range(0, 16).Select(i => probe.Answers[(uint)i]).ToArray();
            Assert.Equal(4, answers[0]);                                  // task->pid is 4 bytes
            Assert.Equal(1, answers[1]);                                  // pid_t is signed
            Assert.Equal(0, answers[2]);                                  // flags is unsigned
            Assert.Equal(1, answers[3]);                                  // task_struct exists
            Assert.Equal(0, answers[4]);                                  // no_such_struct_anywhere does not
            Assert.Equal(long.Parse(task.Groups[2].Value), answers[5]);   // declared 24 bytes, the kernel's size
            Assert.Equal(long.Parse(task.Groups[2].Value), answers[6]);   // task_struct___renamed names task_struct
            Assert.Equal(long.Parse(task.Groups[1].Value), answers[7]);   // the kernel's BTF id
            Assert.True(answers[8] > 0, "local id " + answers[8]);        // an id in the program's own BTF
            Assert.Equal(1, answers[9]);                                  // real_parent, tgid, pid, flags as declared
            Assert.Equal(0, answers[10]);                                 // pid declared 8 bytes
            Assert.Equal(long.Parse(loop.Groups[1].Value), answers[11]);  // declared 1
            Assert.Equal(0, answers[12]);
            Assert.Equal(0, answers[13]);
            Assert.Equal(-1, answers[14]);
            Assert.Equal(-1, answers[15]);
        }

        /// <summary>An enum value the kernel lacks, asked for without Core.EnumValueExists: refused at load with the enum and value named.</summary>
        [KernelFact]
        public void AnEnumValueTheKernelDoesNotHave_IsRefusedAtLoad_NamingIt()
        {
            Kernel.Require();
            var e = Assert.Throws<BpfException>(() => UnguardedEnumQuery.Load());
            Assert.Contains("bpf_func_id.BPF_FUNC_no_such_helper_anywhere", e.Message);
            Assert.Contains("Core.EnumValueExists", e.Message);
        }

        /// <summary>libbpf answers the same questions alike: its translation of the object equals this loader's.</summary>
        [KernelFact]
        public void LibbpfAndThisLoader_AnswerTheCoreQueriesAlike()
        {
            Kernel.Require();
            using var probe = CoreQueries.Load(new() { TargetPid = 1 });
            AssertLibbpfTranslatesAlike("CoreQueries.bpf.o", probe.OnGetpgid);
        }

        /// <summary>
        /// Relocations resolved against a BTF file (a copy of this kernel's, as a btfhub file would be given) instead of
        /// /sys/kernel/btf/vmlinux; a file that is missing or not BTF is a BpfException naming it.
        /// </summary>
        [KernelFact]
        public void RelocationsAgainstAKernelBtfFile_ReadTheSameValues_AndABadFileIsNamed()
        {
            Kernel.Require();
            string copy = Path.Combine(Path.GetTempPath(), "bpfdotnet-vmlinux-" + Environment.ProcessId + ".btf");
            string broken = Path.Combine(Path.GetTempPath(), "bpfdotnet-broken-" + Environment.ProcessId + ".btf");
            File.Copy("/sys/kernel/btf/vmlinux", copy, overwrite: true);
            var bytes = File.ReadAllBytes(copy);
            File.WriteAllBytes(broken, bytes.AsSpan(0, 4096).ToArray());
            try
            {
                int parent = int.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Trim().Split(' ')[1]);
                using (var probe = CoreReads.Load(new() { TargetPid = (uint)Environment.ProcessId }, new BpfLoadOptions { KernelBtfPath = copy }))
                using (var link = probe.OnGetpgid.Attach())
                {
                    Syscalls.Getpgid(0);
                    Assert.Equal(Environment.ProcessId, probe.Seen[0]);
                    Assert.Equal(parent, probe.Seen[2]);
                }
                var missing = Assert.Throws<BpfException>(() => CoreReads.Load(new() { TargetPid = 1 }, new BpfLoadOptions { KernelBtfPath = copy + ".absent" }));
                Assert.Contains(copy + ".absent", missing.Message);
                Assert.Contains("KernelBtfPath", missing.Message);
                var truncated = Assert.Throws<BpfException>(() => CoreReads.Load(new() { TargetPid = 1 }, new BpfLoadOptions { KernelBtfPath = broken }));
                Assert.Contains(broken, truncated.Message);
            }
            finally
            {
                File.Delete(copy);
                File.Delete(broken);
            }
        }

        /// <summary>
        /// A bitfield read through a declaration that places it elsewhere: the loader relocates the bytes read and the
        /// shifts, so the program sees the bit this thread sets with sched_setscheduler(SCHED_RESET_ON_FORK) and clears again.
        /// </summary>
        [KernelFact]
        public void BitfieldReads_FollowTheRunningKernelsLayout()
        {
            Kernel.Require();
            const int SchedOther = 0, SchedResetOnFork = 0x40000000;
            using var probe = BitfieldReads.Load(new() { TargetPid = (uint)Environment.ProcessId });
            using var link = probe.OnGetpgid.Attach();
            try
            {
                Assert.Equal(0, Syscalls.SetScheduler(SchedOther | SchedResetOnFork));
                Syscalls.Getpgid(0);
                Assert.Equal(1, probe.Seen[0]);
                Assert.Equal(Environment.ProcessId, probe.Seen[2]);
                Assert.InRange(probe.Seen[1], 0, 15);
                Assert.Equal(0, Syscalls.SetScheduler(SchedOther));
                Syscalls.Getpgid(0);
                Assert.Equal(0, probe.Seen[0]);
                Assert.Equal(2, probe.Seen[3]);
            }
            finally
            {
                Syscalls.SetScheduler(SchedOther);
            }
        }

        /// <summary>libbpf relocates the bitfield reads (offset, size, both shifts) to the same instructions as this loader.</summary>
        [KernelFact]
        public void LibbpfAndThisLoader_RelocateBitfieldReadsAlike()
        {
            Kernel.Require();
            using var probe = BitfieldReads.Load(new() { TargetPid = 1 });
            AssertLibbpfTranslatesAlike("BitfieldReads.bpf.o", probe.OnGetpgid);
        }

        /// <summary>
        /// A tp_btf program whose parameters are sched_switch's arguments (bool, two task_struct pointers read through with
        /// CO-RE, an unsigned int), and a raw tracepoint taking sys_enter's: both see this process's switches and calls.
        /// </summary>
        [KernelFact]
        public void TracingProgramsTakingTheTracedArguments_SeeThem()
        {
            Kernel.Require();
            using var probe = TypedArguments.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            for (int i = 0; i < 20; i++)
            {
                System.Threading.Thread.Sleep(2);
                Syscalls.Getpgid(0);
            }
            Assert.True(probe.Seen[0] > 0, "switches to the process: " + probe.Seen[0]);
            Assert.Equal(Environment.ProcessId, probe.Seen[1]);
            Assert.True(probe.Seen[2] > 0, "switches away from the process: " + probe.Seen[2]);
            Assert.True(probe.Seen[3] >= 20, "getpgid calls: " + probe.Seen[3]);
        }

        /// <summary>
        /// A tracepoint program whose context is the record type the kernel's BTF declares for it
        /// (trace_event_raw_sys_enter, written by dotnet bpf types into TraceEventTypes.cs): it reads the call's number and
        /// arguments where the kernel puts them. Its layout is the record's, so no member reads past it.
        /// </summary>
        [KernelFact]
        public void ATracepointContextDeclaredFromTheKernelsRecordType_ReadsTheRecord()
        {
            Kernel.Require();
            using var probe = RawRecord.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            Syscalls.Getpgid(0);
            Syscalls.Getpgid(Environment.ProcessId);
            Assert.Equal(2, probe.Seen[0]);
            Assert.Equal(Environment.ProcessId, probe.Seen[1]);
        }

        /// <summary>
        /// Loads the object with libbpf (<c>bpftool prog loadall</c>) beside this loader's load of it, and compares the two
        /// translations of <paramref name="program"/> (<c>bpftool prog dump xlated</c>), map ids and addresses aside.
        /// </summary>
        private static void AssertLibbpfTranslatesAlike(string objectFile, BpfProgramHandle program)
        {
            string pin = "/sys/fs/bpf/bpfdotnet-libbpf-" + Path.GetFileNameWithoutExtension(objectFile).Replace('.', '-') + "-" + Environment.ProcessId;
            string obj = Path.Combine(AppContext.BaseDirectory, objectFile);
            var loaded = Repo.Run("bpftool", $"prog loadall {obj} {pin}", timeoutSeconds: 60);
            try
            {
                Assert.True(loaded.ExitCode == 0, loaded.Output);
                string Normalize(string dump) => System.Text.RegularExpressions.Regex.Replace(dump, @"map\[id:\d+\](\[0\]\+\d+)?|0x[0-9a-f]+", "_");
                var ours = Repo.Run("bpftool", $"prog dump xlated id {program.Id}", timeoutSeconds: 60);
                var theirs = Repo.Run("bpftool", $"prog dump xlated pinned {pin}/{program.Name}", timeoutSeconds: 60);
                Assert.Equal(0, ours.ExitCode);
                Assert.Equal(0, theirs.ExitCode);
                Assert.Contains("r1 = ", ours.Output);
                Assert.Equal(Normalize(theirs.Output), Normalize(ours.Output));
            }
            finally
            {
                Repo.Run("rm", "-rf " + pin, timeoutSeconds: 30);
            }
        }
    }
}
