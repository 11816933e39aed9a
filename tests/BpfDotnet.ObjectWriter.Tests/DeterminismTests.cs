using System;
using BpfDotnet.Compiler.Isa;
using BpfDotnet.Compiler.Model;
using Xunit;
using static BpfDotnet.ObjectWriter.Tests.SampleObjects;
using Writer = BpfDotnet.Compiler.Object.ObjectWriter;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>Same spec, same bytes; inconsistent specs are refused with a message.</summary>
    public sealed class DeterminismTests
    {
        [Fact]
        public void Writing_the_same_spec_twice_gives_identical_bytes()
        {
            var spec = new ObjectSpec("GPL",
                Array(CountOpens(), ReturnOne("PassAll", "xdp")),
                Array(Counts(), new MapSpec("Totals", 2 /* ARRAY */, 4, 0, IntType.UInt, IntType.ULong)));

            Assert.Equal(Writer.Write(spec), Writer.Write(spec));
        }

        [Fact]
        public void Equal_specs_built_separately_give_identical_bytes()
        {
            Assert.Equal(Writer.Write(OpenCounter()), Writer.Write(OpenCounter()));
            Assert.Equal(OpenCounter(), OpenCounter());
        }

        [Fact]
        public void A_relocation_that_is_not_on_ld_imm64_is_refused()
        {
            var program = CountOpens() with { Relocations = Array(new MapRelocation(3, "Counts")) };
            var error = Assert.Throws<ArgumentException>(() => Writer.Write(new ObjectSpec("GPL", Array(program), Array(Counts()))));
            Assert.Contains("ld_imm64", error.Message);
        }

        [Fact]
        public void A_relocation_against_an_unknown_map_is_refused()
        {
            var error = Assert.Throws<ArgumentException>(() => Writer.Write(new ObjectSpec("GPL", Array(CountOpens(map: "Missing")), Array(Counts()))));
            Assert.Contains("Missing", error.Message);
        }

        [Fact]
        public void Two_programs_in_one_section_are_refused()
        {
            var spec = new ObjectSpec("GPL", Array(ReturnOne("A", "xdp"), ReturnOne("B", "xdp")), EquatableArray<MapSpec>.Empty);
            Assert.Throws<ArgumentException>(() => Writer.Write(spec));
        }
    }
}
