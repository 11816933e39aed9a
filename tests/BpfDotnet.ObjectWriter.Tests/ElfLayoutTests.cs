using System;
using BpfDotnet.Compiler.Model;
using Xunit;
using static BpfDotnet.ObjectWriter.Tests.SampleObjects;
using Writer = BpfDotnet.Compiler.Object.ObjectWriter;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>The ELF container as llvm-readelf and llvm-objdump see it.</summary>
    public sealed class ElfLayoutTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void Header_is_a_relocatable_little_endian_elf64_for_bpf()
        {
            var bytes = Writer.Write(OpenCounter());

            Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1 }, bytes[..7]);
            Assert.Equal(1, BitConverter.ToUInt16(bytes, 16));   // ET_REL
            Assert.Equal(247, BitConverter.ToUInt16(bytes, 18)); // EM_BPF
            var header = Tools.Run(Tools.ReadElf, "-h", _temp.Write("o.o", bytes));
            Assert.Contains("REL (Relocatable file)", header);
            Assert.Contains("EM_BPF", header);
        }

        [Fact]
        public void Sections_have_libbpf_types_flags_and_alignment()
        {
            var output = Tools.Run(Tools.ReadElf, "-S", "-W", _temp.Write("o.o", Writer.Write(OpenCounter())));

            // 12 instructions = 0x60 bytes, executable, 8-aligned.
            Assert.Matches(@"\] tracepoint/syscalls/sys_enter_openat\s+PROGBITS\s+0+\s+[0-9a-f]+\s+000060\s+00\s+AX\s+0\s+0\s+8\n", output);
            Assert.Matches(@"\] \.reltracepoint/syscalls/sys_enter_openat\s+REL\s+0+\s+[0-9a-f]+\s+000010\s+10\s+I\s+\d+\s+1\s+8\n", output);
            Assert.Matches(@"\] license\s+PROGBITS\s+0+\s+[0-9a-f]+\s+000004\s+00\s+WA\s+0\s+0\s+1\n", output);
            // One map definition of 4 pointers.
            Assert.Matches(@"\] \.maps\s+PROGBITS\s+0+\s+[0-9a-f]+\s+000020\s+00\s+WA\s+0\s+0\s+8\n", output);
            Assert.Matches(@"\] \.BTF\s+PROGBITS", output);
            Assert.Matches(@"\] \.BTF\.ext\s+PROGBITS", output);
            Assert.Matches(@"\] \.symtab\s+SYMTAB\s+0+\s+[0-9a-f]+\s+[0-9a-f]+\s+18\s+\d+\s+1\s+8\n", output);
            Assert.Matches(@"\] \.strtab\s+STRTAB", output);
            Assert.Matches(@"\] \.shstrtab\s+STRTAB", output);
        }

        [Fact]
        public void Programs_maps_and_license_have_global_symbols()
        {
            var output = Tools.Run(Tools.ReadElf, "-s", "-W", _temp.Write("o.o", Writer.Write(OpenCounter())));

            Assert.Matches(@"0+\s+96 FUNC\s+GLOBAL DEFAULT\s+1 CountOpens\n", output);
            Assert.Matches(@"0+\s+32 OBJECT\s+GLOBAL DEFAULT\s+\d+ Counts\n", output);
            Assert.Matches(@"0+\s+4 OBJECT\s+GLOBAL DEFAULT\s+\d+ LICENSE\n", output);
        }

        [Fact]
        public void Map_loads_are_relocated_against_the_map_symbol()
        {
            var output = Tools.Run(Tools.ReadElf, "-r", "-W", _temp.Write("o.o", Writer.Write(OpenCounter())));

            Assert.Contains("Relocation section '.reltracepoint/syscalls/sys_enter_openat'", output);
            Assert.Contains("contains 1 entries", output);
            // ld_imm64 at slot 4 = byte 0x20, type R_BPF_64_64 (1).
            Assert.Matches(@"0+20\s+[0-9a-f]{8}00000001 R_BPF_64_64\s+0+ Counts", output);
        }

        [Fact]
        public void Every_program_section_disassembles()
        {
            var spec = new ObjectSpec("Dual BSD/GPL",
                Array(CountOpens(), ReturnOne("PassAll", "xdp"), ReturnOne("Accept", "socket")),
                Array(Counts()));
            var output = Tools.Run(Tools.ObjDump, "-d", "-r", _temp.Write("o.o", Writer.Write(spec)));

            Assert.Contains("Disassembly of section tracepoint/syscalls/sys_enter_openat:", output);
            Assert.Contains("<CountOpens>:", output);
            Assert.Contains("*(u32 *)(r10 - 4) = r1", output);
            Assert.Contains("r2 = r10", output);
            Assert.Contains("r2 += -4", output);
            Assert.Contains("r1 = 0 ll", output);
            Assert.Contains("R_BPF_64_64\tCounts", output);
            Assert.Contains("call 1", output);
            Assert.Contains("if r0 == 0 goto +2", output);
            Assert.Contains("lock *(u64 *)(r0 + 0) += r1", output);
            Assert.Contains("exit", output);

            Assert.Contains("Disassembly of section xdp:", output);
            Assert.Contains("<PassAll>:", output);
            Assert.Contains("Disassembly of section socket:", output);
            Assert.Contains("<Accept>:", output);
            Assert.Contains("r0 = 1", output);
        }

        [Fact]
        public void An_object_without_maps_has_no_maps_section()
        {
            var spec = new ObjectSpec("GPL", Array(ReturnOne("PassAll", "xdp")), EquatableArray<MapSpec>.Empty);
            var output = Tools.Run(Tools.ReadElf, "-S", "-s", "-W", _temp.Write("o.o", Writer.Write(spec)));

            Assert.DoesNotContain(".maps", output);
            Assert.DoesNotContain(".rel", output);
            Assert.Contains("PassAll", output);
        }
    }
}
