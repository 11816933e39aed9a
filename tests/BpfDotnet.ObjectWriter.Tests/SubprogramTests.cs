using System;
using System.IO;
using BpfDotnet.Compiler.Isa;
using BpfDotnet.Compiler.Model;
using Xunit;
using static BpfDotnet.ObjectWriter.Tests.SampleObjects;
using Writer = BpfDotnet.Compiler.Object.ObjectWriter;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>Subprograms: written once in .text, called through R_BPF_64_32, refused when inconsistent.</summary>
    public sealed class SubprogramTests
    {
        /// <summary><c>r0 = r1 + 1; exit</c>.</summary>
        private static CompiledFunction AddOne(int extra = 1) => new CompiledFunction("Helpers_AddOne", ".text",
            Array(new Instruction(0xbf, 0, 1, 0, 0), new Instruction(0x07, 0, 0, 0, extra), new Instruction(0x95, 0, 0, 0, 0)),
            EquatableArray<MapRelocation>.Empty, EquatableArray<LineInfo>.Empty,
            new FunctionSignature(IntType.Long, Array(new FunctionParameter("x", IntType.Long))), 0);

        /// <summary><c>r1 = 41; call AddOne; exit</c>.</summary>
        private static CompiledFunction Caller(string name, string section, CompiledFunction callee) => new CompiledFunction(name, section,
            Array(new Instruction(0xb7, 1, 0, 0, 41), new Instruction(0x85, 0, 1, 0, -1), new Instruction(0x95, 0, 0, 0, 0)),
            EquatableArray<MapRelocation>.Empty, EquatableArray<LineInfo>.Empty,
            new FunctionSignature(IntType.Int, Array(new FunctionParameter("ctx", new PointerType(null)))), 0)
        {
            Calls = Array(new CallRelocation(1, callee.Name)),
            Subprograms = Array(callee),
        };

        [Fact]
        public void A_subprogram_shared_by_two_programs_is_written_once_in_text_with_a_call_relocation()
        {
            var spec = new ObjectSpec("GPL", Array(Caller("A", "xdp", AddOne()), Caller("B", "tc", AddOne())), EquatableArray<MapSpec>.Empty);
            var path = Path.Combine(Path.GetTempPath(), "bpfdotnet-subprog-" + Guid.NewGuid().ToString("N") + ".o");
            File.WriteAllBytes(path, Writer.Write(spec));
            try
            {
                string disassembly = Tools.Run("llvm-objdump-14", "-d", "-r", path);
                Assert.Equal(1, Count(disassembly, "<Helpers_AddOne>:"));
                Assert.Equal(2, Count(disassembly, "R_BPF_64_32\tHelpers_AddOne"));
                string symbols = Tools.Run("llvm-readelf-14", "-s", path);
                Assert.Matches(@"FUNC\s+LOCAL\s+DEFAULT\s+\d+\s+Helpers_AddOne", symbols);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void Two_programs_with_different_code_for_one_subprogram_are_refused()
        {
            var spec = new ObjectSpec("GPL", Array(Caller("A", "xdp", AddOne(1)), Caller("B", "tc", AddOne(2))), EquatableArray<MapSpec>.Empty);
            var error = Assert.Throws<ArgumentException>(() => Writer.Write(spec));
            Assert.Contains("Helpers_AddOne", error.Message);
        }

        [Fact]
        public void A_call_to_a_function_that_is_not_a_subprogram_is_refused()
        {
            var program = Caller("A", "xdp", AddOne()) with { Subprograms = EquatableArray<CompiledFunction>.Empty };
            var error = Assert.Throws<ArgumentException>(() => Writer.Write(new ObjectSpec("GPL", Array(program), EquatableArray<MapSpec>.Empty)));
            Assert.Contains("not among the subprograms", error.Message);
        }

        [Fact]
        public void A_call_relocation_that_is_not_on_a_call_is_refused()
        {
            var program = Caller("A", "xdp", AddOne()) with { Calls = Array(new CallRelocation(0, "Helpers_AddOne")) };
            var error = Assert.Throws<ArgumentException>(() => Writer.Write(new ObjectSpec("GPL", Array(program), EquatableArray<MapSpec>.Empty)));
            Assert.Contains("not on a BPF-to-BPF call", error.Message);
        }

        private static int Count(string text, string what)
        {
            int n = 0;
            for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + 1, StringComparison.Ordinal)) n++;
            return n;
        }
    }
}
