using System.Collections.Generic;

namespace BpfDotnet.Compiler.Object
{
    /// <summary>
    /// Builds a <c>.BTF.ext</c> section: <c>func_info</c> and <c>line_info</c> records grouped in one block
    /// per ELF section. Offsets are in bytes within the section, as in an object file (the loader divides
    /// by 8); names and line texts are offsets into the <c>.BTF</c> string table.
    /// </summary>
    internal sealed class BtfExtWriter
    {
        private const ushort Magic = 0xEB9F;
        private const int HeaderLength = 24;
        private const int FuncInfoSize = 8;
        private const int LineInfoSize = 16;

        /// <summary>Lines and columns share one u32: <c>line &lt;&lt; 10 | column</c>.</summary>
        private const int MaxColumn = (1 << 10) - 1;
        private const int MaxLine = (1 << 22) - 1;

        private readonly List<Block<FuncInfo>> _funcInfos = new List<Block<FuncInfo>>();
        private readonly List<Block<LineRecord>> _lineInfos = new List<Block<LineRecord>>();

        /// <summary>True when no record was added (the section can be left out).</summary>
        public bool IsEmpty => _funcInfos.Count == 0 && _lineInfos.Count == 0;

        /// <summary>Adds the func_info records of one section (<paramref name="sectionNameOffset"/> in the BTF strings).</summary>
        public void AddFuncInfos(uint sectionNameOffset, IReadOnlyList<FuncInfo> records)
        {
            if (records.Count > 0) _funcInfos.Add(new Block<FuncInfo>(sectionNameOffset, records));
        }

        /// <summary>Adds the line_info records of one section, ascending by byte offset.</summary>
        public void AddLineInfos(uint sectionNameOffset, IReadOnlyList<LineRecord> records)
        {
            if (records.Count > 0) _lineInfos.Add(new Block<LineRecord>(sectionNameOffset, records));
        }

        public byte[] ToArray()
        {
            var funcInfo = new ByteBuffer();
            if (_funcInfos.Count > 0)
            {
                funcInfo.U32(FuncInfoSize);
                foreach (var block in _funcInfos)
                {
                    funcInfo.U32(block.SectionNameOffset);
                    funcInfo.U32((uint)block.Records.Count);
                    foreach (var record in block.Records)
                    {
                        funcInfo.U32(record.ByteOffset);
                        funcInfo.U32((uint)record.TypeId);
                    }
                }
            }

            // A subsection with a record size but no records makes libbpf drop the whole .BTF.ext,
            // so an empty one is left out (length 0).
            var lineInfo = new ByteBuffer();
            if (_lineInfos.Count > 0)
            {
                lineInfo.U32(LineInfoSize);
                foreach (var block in _lineInfos)
                {
                    lineInfo.U32(block.SectionNameOffset);
                    lineInfo.U32((uint)block.Records.Count);
                    foreach (var record in block.Records)
                    {
                        lineInfo.U32(record.ByteOffset);
                        lineInfo.U32(record.FileNameOffset);
                        lineInfo.U32(record.LineTextOffset);
                        lineInfo.U32(((uint)Clamp(record.Line, MaxLine) << 10) | (uint)Clamp(record.Column, MaxColumn));
                    }
                }
            }

            var output = new ByteBuffer();
            output.U16(Magic);
            output.U8(1); // version
            output.U8(0); // flags
            output.U32(HeaderLength);
            output.U32(0); // func_info_off
            output.U32((uint)funcInfo.Length);
            output.U32((uint)funcInfo.Length); // line_info_off
            output.U32((uint)lineInfo.Length);
            output.Bytes(funcInfo.ToArray());
            output.Bytes(lineInfo.ToArray());
            return output.ToArray();
        }

        private static int Clamp(int value, int max) => value < 0 ? 0 : value > max ? max : value;

        private sealed class Block<T>
        {
            public Block(uint sectionNameOffset, IReadOnlyList<T> records)
            {
                SectionNameOffset = sectionNameOffset;
                Records = records;
            }

            public uint SectionNameOffset { get; }
            public IReadOnlyList<T> Records { get; }
        }
    }

    /// <summary>A func_info record: the FUNC <paramref name="TypeId"/> of the function starting at <paramref name="ByteOffset"/>.</summary>
    internal readonly record struct FuncInfo(uint ByteOffset, int TypeId);

    /// <summary>A line_info record; the offsets point into the <c>.BTF</c> string table.</summary>
    internal readonly record struct LineRecord(uint ByteOffset, uint FileNameOffset, uint LineTextOffset, int Line, int Column);
}
