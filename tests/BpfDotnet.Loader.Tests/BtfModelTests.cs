using System;
using System.Linq;
using BpfDotnet.KernelModel;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary>The kernel model's one BTF model: what its writer writes, its reader reads back, and bad blobs fail cleanly.</summary>
    public class BtfModelTests
    {
        private static Exception Fail(string message) => new FormatException(message);

        private static (byte[] Blob, int Int, int Struct, int Enum, int Enum64, int Array, int Func, int Datasec) Sample()
        {
            var writer = new BtfWriter();
            int i32 = writer.AddInt("int", 4, BtfWriter.IntSigned);
            int u8 = writer.AddInt("byte", 1, 0);
            int array = writer.AddArray(u8, 16);
            int pair = writer.AddStruct("pair", 24, new[] { ("a", i32, 0), ("name", array, 4), ("next", writer.AddPointer(0), 16) });
            int colour = writer.AddEnum("colour", 4, signed: true, new[] { ("red", -1L), ("green", 2L) });
            int wide = writer.AddEnum("wide", 8, signed: false, new[] { ("big", 1L << 40) });
            int proto = writer.AddFuncProto(i32, new[] { ("ctx", writer.AddPointer(pair)) });
            int func = writer.AddFunc("handler", proto, BtfLinkage.Global);
            int variable = writer.AddVar("counter", i32, BtfLinkage.Global);
            int datasec = writer.AddDatasec(".data", 4, new[] { (variable, 0, 4) });
            Assert.Equal(i32, writer.AddInt("int", 4, BtfWriter.IntSigned)); // one id for one type
            return (writer.ToArray(), i32, pair, colour, wide, array, func, datasec);
        }

        [Fact]
        public void WhatTheWriterWrites_TheReaderReadsBack()
        {
            var (blob, i32, pair, colour, wide, array, func, datasec) = Sample();
            var reader = new BtfReader(blob, "the test's BTF", Fail);

            Assert.Equal(13, reader.Types.Count - 1);
            Assert.Equal((BtfKind.Int, "int"), (reader.Get((uint)i32).Kind, reader.Get((uint)i32).Name));
            Assert.Equal((BtfWriter.IntSigned, 32u), reader.IntInfo(reader.Get((uint)i32)));
            var members = reader.Members(reader.Get((uint)pair)).ToArray();
            Assert.Equal(new[] { "a", "name", "next" }, members.Select(m => m.Name));
            Assert.Equal(new uint[] { 0, 32, 128 }, members.Select(m => m.BitOffset));
            Assert.Equal(24u, reader.SizeOf((uint)pair));
            Assert.Equal(16u, reader.SizeOf((uint)array));
            Assert.Equal(16u, reader.ArrayInfo(reader.Get((uint)array)).Nelems);
            Assert.Equal(new[] { ("red", -1L), ("green", 2L) }, reader.EnumValues(reader.Get((uint)colour)));
            Assert.Equal(new[] { ("big", 1L << 40) }, reader.EnumValues(reader.Get((uint)wide)));
            var handler = reader.Get((uint)func);
            Assert.Equal((BtfKind.Func, "handler"), (handler.Kind, handler.Name));
            Assert.Equal("ctx", Assert.Single(reader.Parameters(reader.Get(handler.SizeOrType))).Name);
            Assert.Equal((uint)datasec, reader.FindDatasec(".data")!.Id);
            Assert.Equal("counter", reader.Get(Assert.Single(reader.SecInfos(reader.FindDatasec(".data")!)).Type).Name);
        }

        [Fact]
        public void EveryTruncationAndCorruption_FailsWithTheReadersOwnException()
        {
            var blob = Sample().Blob;
            for (int length = 0; length < blob.Length; length++)
            {
                try
                {
                    _ = new BtfReader(blob[..length], "the test's BTF", Fail);
                }
                catch (FormatException)
                {
                }
            }
            var random = new Random(7);
            for (int round = 0; round < 2000; round++)
            {
                var mutant = (byte[])blob.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--) mutant[random.Next(mutant.Length)] = (byte)random.Next(256);
                try
                {
                    var reader = new BtfReader(mutant, "the test's BTF", Fail);
                    foreach (var type in reader.Types.Skip(1))
                    {
                        if (type.Kind is BtfKind.Struct or BtfKind.Union) _ = reader.Members(type).Count();
                        if (type.Kind is BtfKind.Struct or BtfKind.Array or BtfKind.Ptr or BtfKind.Int) _ = reader.SizeOf(type.Id);
                    }
                }
                catch (FormatException)
                {
                }
            }
            // The last byte of the string section must be its NUL.
            var unterminated = (byte[])blob.Clone();
            unterminated[^1] = (byte)'x';
            Assert.Contains("NUL", Assert.Throws<FormatException>(() => new BtfReader(unterminated, "the test's BTF", Fail)).Message);
        }

        [Fact]
        public void FuncAndLineInfo_ReadBackBySection()
        {
            var btf = new BtfWriter();
            uint section = btf.AddString("tracepoint/syscalls/sys_enter_openat");
            uint file = btf.AddString("probe.cs");
            uint line = btf.AddString("return 0;");
            var ext = new BtfExtWriter();
            ext.AddFuncInfos(section, new[] { new FuncInfo(0, 3) });
            ext.AddLineInfos(section, new[] { new LineRecord(0, file, line, 12, 5), new LineRecord(16, file, line, 13, 9) });
            var reader = new BtfExtReader(ext.ToArray(), new BtfReader(btf.ToArray(), "the test's BTF", Fail), Fail);
            Assert.Equal(8u, reader.FuncInfo.RecordSize);
            Assert.Single(reader.FuncInfo.BySection["tracepoint/syscalls/sys_enter_openat"]);
            Assert.Equal(16u, reader.LineInfo.RecordSize);
            var lines = reader.LineInfo.BySection["tracepoint/syscalls/sys_enter_openat"];
            Assert.Equal(2, lines.Count);
            Assert.Equal((13u << 10) | 9u, BitConverter.ToUInt32(lines[1], 12));
            Assert.False(reader.HasCoreRelocations);
        }
    }
}
