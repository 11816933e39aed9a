using System;
using System.Collections.Generic;

namespace BpfDotnet.KernelModel
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
        private const int CoreRelocationSize = 16;

        /// <summary>Lines and columns share one u32: <c>line &lt;&lt; 10 | column</c>.</summary>
        private const int MaxColumn = (1 << 10) - 1;
        private const int MaxLine = (1 << 22) - 1;

        private readonly List<Block<FuncInfo>> _funcInfos = new List<Block<FuncInfo>>();
        private readonly List<Block<LineRecord>> _lineInfos = new List<Block<LineRecord>>();
        private readonly List<Block<CoreRelocationRecord>> _coreRelocations = new List<Block<CoreRelocationRecord>>();

        /// <summary>True when no record was added (the section can be left out).</summary>
        public bool IsEmpty => _funcInfos.Count == 0 && _lineInfos.Count == 0 && _coreRelocations.Count == 0;

        /// <summary>Adds the CO-RE relocation records of one section, ascending by byte offset.</summary>
        public void AddCoreRelocations(uint sectionNameOffset, IReadOnlyList<CoreRelocationRecord> records)
        {
            if (records.Count > 0) _coreRelocations.Add(new Block<CoreRelocationRecord>(sectionNameOffset, records));
        }

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
            var funcInfo = Subsection(_funcInfos, FuncInfoSize, (buffer, record) =>
            {
                buffer.U32(record.ByteOffset);
                buffer.U32((uint)record.TypeId);
            });
            var lineInfo = Subsection(_lineInfos, LineInfoSize, (buffer, record) =>
            {
                buffer.U32(record.ByteOffset);
                buffer.U32(record.FileNameOffset);
                buffer.U32(record.LineTextOffset);
                buffer.U32(((uint)Clamp(record.Line, MaxLine) << 10) | (uint)Clamp(record.Column, MaxColumn));
            });
            var core = Subsection(_coreRelocations, CoreRelocationSize, (buffer, record) =>
            {
                buffer.U32(record.ByteOffset);
                buffer.U32(record.TypeId);
                buffer.U32(record.AccessStringOffset);
                buffer.U32((uint)record.Kind);
            });

            // The header grows to 32 bytes only when there are CO-RE relocations, as clang writes it.
            int headerLength = core.Length > 0 ? HeaderLength + 8 : HeaderLength;
            var output = new ByteBuffer();
            output.U16(Magic);
            output.U8(1); // version
            output.U8(0); // flags
            output.U32((uint)headerLength);
            output.U32(0); // func_info_off
            output.U32((uint)funcInfo.Length);
            output.U32((uint)funcInfo.Length); // line_info_off
            output.U32((uint)lineInfo.Length);
            if (core.Length > 0)
            {
                output.U32((uint)(funcInfo.Length + lineInfo.Length)); // core_relo_off
                output.U32((uint)core.Length);
            }
            output.Bytes(funcInfo.ToArray());
            output.Bytes(lineInfo.ToArray());
            output.Bytes(core.ToArray());
            return output.ToArray();
        }

        /// <summary>
        /// One subsection: the record size, then per section its name, count and records. A subsection with a record size but
        /// no records makes libbpf drop the whole .BTF.ext, so an empty one is left out (length 0).
        /// </summary>
        private static ByteBuffer Subsection<T>(List<Block<T>> blocks, int recordSize, Action<ByteBuffer, T> write)
        {
            var buffer = new ByteBuffer();
            if (blocks.Count == 0) return buffer;
            buffer.U32((uint)recordSize);
            foreach (var block in blocks)
            {
                buffer.U32(block.SectionNameOffset);
                buffer.U32((uint)block.Records.Count);
                foreach (var record in block.Records) write(buffer, record);
            }
            return buffer;
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

    /// <summary>What a CO-RE relocation asks the loader to compute for the running kernel (<c>enum bpf_core_relo_kind</c>).</summary>
    internal enum CoreRelocationKind : uint
    {
        FieldByteOffset = 0, FieldByteSize = 1, FieldExists = 2, FieldSigned = 3, FieldLShiftU64 = 4, FieldRShiftU64 = 5,
        TypeIdLocal = 6, TypeIdTarget = 7, TypeExists = 8, TypeSize = 9, EnumValueExists = 10, EnumValue = 11, TypeMatches = 12,
    }

    /// <summary>
    /// A CO-RE relocation record (<c>struct bpf_core_relo</c>): the instruction at <paramref name="ByteOffset"/> of its
    /// section, the local BTF type the access starts from, the access spec (<c>"0:3:1"</c>, an offset in the strings), the kind.
    /// </summary>
    internal readonly record struct CoreRelocationRecord(uint ByteOffset, uint TypeId, uint AccessStringOffset, CoreRelocationKind Kind);

    /// <summary>A line_info record; the offsets point into the <c>.BTF</c> string table.</summary>
    internal readonly record struct LineRecord(uint ByteOffset, uint FileNameOffset, uint LineTextOffset, int Line, int Column);

    /// <summary>The records of one kind in <c>.BTF.ext</c> (func_info or line_info), by ELF section.</summary>
    internal sealed class BtfExtInfo
    {
        public uint RecordSize;
        public Dictionary<string, List<byte[]>> BySection { get; } = new Dictionary<string, List<byte[]>>();
    }

    /// <summary>
    /// Reads a <c>.BTF.ext</c> blob (what <see cref="BtfExtWriter"/> writes, and clang): its func_info and line_info
    /// records by section, each count and size checked against the blob. CO-RE relocation records are noted, not read.
    /// </summary>
    internal sealed class BtfExtReader
    {
        public BtfExtInfo FuncInfo { get; } = new BtfExtInfo();
        public BtfExtInfo LineInfo { get; } = new BtfExtInfo();
        public bool HasCoreRelocations => CoreRelocations.BySection.Count > 0;

        /// <summary>The CO-RE relocation records by section (16 bytes each: insn_off, type_id, access_str_off, kind).</summary>
        public BtfExtInfo CoreRelocations { get; } = new BtfExtInfo();

        /// <summary>Reads <paramref name="raw"/>, whose section names are strings of <paramref name="btf"/>.</summary>
        public BtfExtReader(byte[] raw, BtfReader btf, Func<string, Exception> fail)
        {
            if (raw.Length < 24 || (raw[0] | raw[1] << 8) != BtfWriter.Magic)
                throw fail("The object's .BTF.ext section is not BTF.ext (bad magic).");
            long hdrLen = U32(raw, 4);
            Read(raw, btf, hdrLen + U32(raw, 8), U32(raw, 12), FuncInfo, fail);
            Read(raw, btf, hdrLen + U32(raw, 16), U32(raw, 20), LineInfo, fail);
            if (hdrLen >= 32 && raw.Length >= 32) Read(raw, btf, hdrLen + U32(raw, 24), U32(raw, 28), CoreRelocations, fail);
            if (CoreRelocations.BySection.Count > 0 && CoreRelocations.RecordSize < 16) throw fail("The object's .BTF.ext has CO-RE relocation records shorter than 16 bytes.");
        }

        private static void Read(byte[] raw, BtfReader btf, long off, long len, BtfExtInfo into, Func<string, Exception> fail)
        {
            if (len == 0) return;
            if (len < 4 || off < 0 || off + len > raw.Length) throw fail("The object's .BTF.ext section is truncated.");
            into.RecordSize = U32(raw, (int)off);
            if (into.RecordSize < 8 || into.RecordSize > len) throw fail("The object's .BTF.ext has an invalid record size.");
            long p = off + 4, end = off + len;
            while (p + 8 <= end)
            {
                string sec = btf.String(U32(raw, (int)p));
                long n = U32(raw, (int)p + 4);
                p += 8;
                // Every record must lie inside the section: a count can claim no more than the bytes that follow.
                if (n * into.RecordSize > end - p) throw fail($"The object's .BTF.ext claims {n} records for section '{sec}', more than it holds.");
                if (!into.BySection.TryGetValue(sec, out var list)) into.BySection[sec] = list = new List<byte[]>();
                for (long i = 0; i < n; i++)
                {
                    var record = new byte[into.RecordSize];
                    Array.Copy(raw, p, record, 0, into.RecordSize);
                    list.Add(record);
                    p += into.RecordSize;
                }
            }
        }

        private static uint U32(byte[] raw, int offset) => (uint)(raw[offset] | raw[offset + 1] << 8 | raw[offset + 2] << 16 | raw[offset + 3] << 24);
    }
}
