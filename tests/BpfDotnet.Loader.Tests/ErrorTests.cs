using System;
using System.IO;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary>Failures must surface as exceptions that say what happened and what to do.</summary>
    public class ErrorTests
    {
        // exit (BPF_JMP | BPF_EXIT)
        private const ulong Exit = 0x95;

        /// <summary>A reference the loader cannot resolve names the instruction that makes it, disassembled.</summary>
        [KernelFact]
        public void ReferenceToAVariableInAnUnknownSection_NamesTheInstruction()
        {
            Kernel.Require();
            string obj = Kernel.CompileC("unknown_section_ref", @"
__u32 odd_value SEC(""odd_data"") = 7;
SEC(""tracepoint/syscalls/sys_enter_openat"") int reads_odd(void *ctx) { return odd_value; }
");
            var e = Assert.Throws<BpfException>(() => BpfObject.LoadFile(obj).Dispose());
            Assert.Contains("'odd_value'", e.Message);
            Assert.Matches(@"instruction \d+: r\d+ = 0 ll", e.Message);
        }

        [Fact]
        public void TracefsNotMounted_IsToldApartFromMountedButUnreadable()
        {
            string none = BpfSystem.ExplainMissingTracefs(new[] { "proc /proc proc rw 0 0", "bpf /sys/fs/bpf bpf rw 0 0" }, _ => true);
            Assert.Contains("tracefs is not mounted", none);
            Assert.Contains("mount -t tracefs", none);

            var mounts = new[] { "sysfs /sys sysfs rw 0 0", "tracefs /sys/kernel/tracing tracefs rw,nosuid,nodev,noexec,relatime,mode=700 0 0" };
            string unreadable = BpfSystem.ExplainMissingTracefs(mounts, _ => false);
            Assert.Contains("tracefs is mounted at /sys/kernel/tracing", unreadable);
            Assert.Contains("cannot read /sys/kernel/tracing/events", unreadable);
            Assert.DoesNotContain("not mounted", unreadable);

            string elsewhere = BpfSystem.ExplainMissingTracefs(new[] { "nodev /mnt/my\\040trace tracefs rw 0 0" }, _ => true);
            Assert.Contains("mounted at /mnt/my trace, but it has no events directory", elsewhere);
        }

        [KernelFact]
        public void RawExitWithoutR0IsRejectedWithTheVerifierLog()
        {
            Kernel.Require();
            var e = Assert.Throws<BpfVerifierException>(() => BpfProgramLoader.LoadRaw(BpfProgramType.SocketFilter, new ulong[] { Exit }));
            Assert.Contains("R0 !read_ok", e.VerifierLog);
            Assert.Contains("R0 !read_ok", e.Message);
            Assert.Equal("raw_prog", e.ProgramName);
            Assert.True(e.Errno != 0);
        }

        [KernelFact]
        public void RawReadOfUninitialisedRegisterIsRejected()
        {
            Kernel.Require();
            // r0 = r2 (BPF_ALU64 | BPF_MOV | BPF_X, dst 0, src 2); exit
            ulong movR0R2 = 0xbf | (0x20UL << 8);
            var e = Assert.Throws<BpfVerifierException>(() => BpfProgramLoader.LoadRaw(BpfProgramType.SocketFilter, new ulong[] { movR0R2, Exit }));
            Assert.Contains("R2 !read_ok", e.VerifierLog);
        }

        [KernelFact]
        public void RawValidProgramLoadsAndLogLevelIsHonoured()
        {
            Kernel.Require();
            // r0 = 0 (BPF_ALU64 | BPF_MOV | BPF_K); exit
            using BpfFileDescriptor fd = BpfProgramLoader.LoadRaw(BpfProgramType.SocketFilter, new ulong[] { 0xb7, Exit }, "GPL", new BpfLoadOptions { LogLevel = 2 });
            Assert.False(fd.IsInvalid);
            BpfProgramInfo info = BpfProgramLoader.GetInfo(fd);
            Assert.Equal(BpfProgramType.SocketFilter, info.Type);
            Assert.Equal("raw_prog", info.Name);
            Assert.Equal(2u, info.VerifiedInstructions);
            Assert.Contains(info.Id, BpfSystem.GetProgramIds());
        }

        [KernelFact]
        public void ClangProgramRejectionCarriesSourceLines()
        {
            Kernel.Require();
            string path = Kernel.CompileC("bad_deref", Programs.BadDeref);
            var e = Assert.Throws<BpfVerifierException>(() => BpfObject.LoadFile(path));
            Assert.Equal("bad_deref", e.ProgramName);
            // line_info reached the kernel: the verifier quotes the C source line.
            Assert.Contains("*v += 3; /* missing null check here */", e.VerifierLog);
            Assert.Contains("map_value_or_null", e.VerifierLog);
        }

        [KernelFact]
        public void UnknownTracepointNamesTheTracefsPath()
        {
            Kernel.Require();
            string path = Kernel.CompileC("unknown_tp", Programs.UnknownTracepoint);
            using BpfObject obj = BpfObject.LoadFile(path);
            var e = Assert.Throws<BpfException>(() => obj.GetProgram("on_nothing").Attach());
            Assert.Contains("/sys/kernel/tracing/events/syscalls/sys_enter_no_such_call_xyz/id", e.Message);
            Assert.Equal(2, e.Errno);
        }

        /// <summary>EACCES from attaching a tracepoint program that reads past the record says so, with the record's size.</summary>
        [KernelFact]
        public void ReadingPastTheTracepointRecordIsExplained()
        {
            Kernel.Require();
            string path = Kernel.CompileC("past_the_record", Programs.ReadsPastTheRecord);
            using BpfObject obj = BpfObject.LoadFile(path);
            var e = Assert.Throws<BpfException>(() => obj.GetProgram("past_the_record").Attach());
            Assert.Equal(13, e.Errno); // EACCES
            Assert.Contains("past the end of the tracepoint's record (the record is 48 bytes)", e.Message);
        }

        /// <summary>EINVAL from BPF_MAP_CREATE names the parameter the kernel refused.</summary>
        [KernelFact]
        public void RefusedMapParametersAreNamed()
        {
            Kernel.Require();
            string path = Kernel.CompileC("array_no_prealloc", Programs.ArrayWithNoPrealloc);
            var e = Assert.Throws<BpfException>(() => BpfObject.LoadFile(path).Dispose());
            Assert.Contains("EINVAL", e.Message);
            Assert.Contains("flags 0x1 (NoPrealloc) are not valid for maps of type Array", e.Message);
        }

        /// <summary>AttachAll never attaches nothing in silence: a program it cannot attach is named, and nothing is attached.</summary>
        [KernelFact]
        public void AttachAllNamesAProgramItCannotAttach()
        {
            Kernel.Require();
            string path = Kernel.CompileC("tp_and_socket", Programs.TracepointAndSocketFilter);
            using BpfObject obj = BpfObject.LoadFile(path);
            var e = Assert.Throws<BpfException>(() => obj.AttachAll());
            Assert.Contains("'filter' (section 'socket': AttachToSocket(socket))", e.Message);
            Assert.Empty(obj.Links);
            Assert.NotNull(obj.GetProgram("on_openat").Attach());
        }

        [KernelFact]
        public void WrongTypedMapSizesAreExplained()
        {
            Kernel.Require();
            string path = Kernel.CompileC("bad_sizes", Programs.OpenatCounter);
            using BpfObject obj = BpfObject.LoadFile(path);
            var e = Assert.Throws<BpfException>(() => obj.GetMap<ulong, ulong>("counts"));
            Assert.Contains("4-byte keys", e.Message);
            Assert.Contains("TKey UInt64 is 8 bytes", e.Message);
            var v = Assert.Throws<BpfException>(() => obj.GetMap<uint, uint>("counts"));
            Assert.Contains("TValue UInt32 is 4 bytes", v.Message);
        }

        [KernelFact]
        public void UnknownNamesListWhatExists()
        {
            Kernel.Require();
            string path = Kernel.CompileC("names", Programs.OpenatCounter);
            using BpfObject obj = BpfObject.LoadFile(path);
            var p = Assert.Throws<BpfException>(() => obj.GetProgram("nope"));
            Assert.Contains("count_openat, count_raw", p.Message);
            var m = Assert.Throws<BpfException>(() => obj.GetMap("nope"));
            Assert.Contains("counts", m.Message);
        }

        [Fact]
        public void NonElfInputIsRejectedClearly()
        {
            var e = Assert.Throws<BpfException>(() => BpfObject.Load(new byte[100]));
            Assert.Contains("not an ELF file", e.Message);
            var f = Assert.Throws<BpfException>(() => BpfObject.LoadFile("/nonexistent/x.bpf.o"));
            Assert.Contains("/nonexistent/x.bpf.o", f.Message);
        }
    }
}
