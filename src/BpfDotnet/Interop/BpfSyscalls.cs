using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace BpfDotnet.Interop
{
    /// <summary>
    /// Typed wrappers around the <c>bpf(2)</c> commands. Attribute layouts follow
    /// <c>union bpf_attr</c> in include/uapi/linux/bpf.h (offsets are in the comments).
    /// </summary>
    internal static unsafe class BpfSyscalls
    {
        /// <summary>Size of the attribute buffer passed to the kernel; unused tail bytes are zero.</summary>
        internal const int AttrSize = 144;

        /// <summary>BPF_OBJ_NAME_LEN: object names hold at most 15 characters plus the terminator.</summary>
        internal const int ObjNameLen = 16;

        internal static void W32(Span<byte> a, int off, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(a.Slice(off), v);

        internal static void W64(Span<byte> a, int off, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(a.Slice(off), v);

        internal static uint R32(ReadOnlySpan<byte> a, int off) => BinaryPrimitives.ReadUInt32LittleEndian(a.Slice(off));

        internal static ulong R64(ReadOnlySpan<byte> a, int off) => BinaryPrimitives.ReadUInt64LittleEndian(a.Slice(off));

        /// <summary>Writes a kernel object name: printable ASCII only, at most 15 bytes, NUL-terminated.</summary>
        internal static void WriteObjName(Span<byte> a, int off, string name)
        {
            int n = 0;
            foreach (char c in name)
            {
                if (n == ObjNameLen - 1) break;
                // The kernel accepts [A-Za-z0-9_.] only.
                if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.')) continue;
                a[off + n++] = (byte)c;
            }
        }

        /// <summary>Name as the kernel stores it (truncated to 15 allowed characters).</summary>
        internal static string KernelObjName(string name)
        {
            var sb = new StringBuilder();
            foreach (char c in name)
            {
                if (sb.Length == ObjNameLen - 1) break;
                if (char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.') sb.Append(c);
            }
            return sb.ToString();
        }

        // ---- maps ---------------------------------------------------------------------

        internal static int MapCreate(uint type, uint keySize, uint valueSize, uint maxEntries, uint flags, string name,
            int btfFd, uint btfKeyTypeId, uint btfValueTypeId, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            W32(a, 0, type);             // map_type
            W32(a, 4, keySize);          // key_size
            W32(a, 8, valueSize);        // value_size
            W32(a, 12, maxEntries);      // max_entries
            W32(a, 16, flags);           // map_flags
            WriteObjName(a, 28, name);   // map_name[16]
            if (btfFd >= 0 && (btfKeyTypeId != 0 || btfValueTypeId != 0))
            {
                W32(a, 48, (uint)btfFd);         // btf_fd
                W32(a, 52, btfKeyTypeId);        // btf_key_type_id
                W32(a, 56, btfValueTypeId);      // btf_value_type_id
            }
            return (int)Native.Bpf(BpfCommand.MapCreate, a, out errno);
        }

        internal static int MapElem(BpfCommand cmd, int mapFd, void* key, void* valueOrNextKey, ulong flags, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            W32(a, 0, (uint)mapFd);              // map_fd
            W64(a, 8, (ulong)key);               // key
            W64(a, 16, (ulong)valueOrNextKey);   // value / next_key
            W64(a, 24, flags);                   // flags
            return (int)Native.Bpf(cmd, a, out errno);
        }

        internal static int MapFreeze(int mapFd, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            W32(a, 0, (uint)mapFd);
            return (int)Native.Bpf(BpfCommand.MapFreeze, a, out errno);
        }

        // ---- programs -----------------------------------------------------------------

        internal struct ProgLoadArgs
        {
            public uint ProgType;
            public uint ExpectedAttachType;
            public string Name;
            public byte[] Instructions;
            public string License;
            public int BtfFd;
            public byte[]? FuncInfo;
            public uint FuncInfoRecSize;
            public uint FuncInfoCount;
            public byte[]? LineInfo;
            public uint LineInfoRecSize;
            public uint LineInfoCount;
        }

        /// <summary>BPF_PROG_LOAD. <paramref name="log"/> receives the verifier log when <paramref name="logLevel"/> &gt; 0.</summary>
        internal static int ProgLoad(in ProgLoadArgs p, uint logLevel, uint logSize, out string log, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            byte[] license = Encoding.ASCII.GetBytes(p.License + "\0");
            byte[]? logBuf = logLevel > 0 ? new byte[Math.Max(logSize, 4096u)] : null;
            fixed (byte* insns = p.Instructions)
            fixed (byte* lic = license)
            fixed (byte* fi = p.FuncInfo)
            fixed (byte* li = p.LineInfo)
            fixed (byte* lb = logBuf)
            {
                W32(a, 0, p.ProgType);                            // prog_type
                W32(a, 4, (uint)(p.Instructions.Length / 8));     // insn_cnt
                W64(a, 8, (ulong)insns);                          // insns
                W64(a, 16, (ulong)lic);                           // license
                if (logBuf != null)
                {
                    W32(a, 24, logLevel);                         // log_level
                    W32(a, 28, (uint)logBuf.Length);              // log_size
                    W64(a, 32, (ulong)lb);                        // log_buf
                }
                WriteObjName(a, 48, p.Name ?? "");               // prog_name[16]
                W32(a, 68, p.ExpectedAttachType);                 // expected_attach_type
                if (p.BtfFd >= 0 && (p.FuncInfoCount > 0 || p.LineInfoCount > 0))
                {
                    W32(a, 72, (uint)p.BtfFd);                    // prog_btf_fd
                    if (p.FuncInfoCount > 0)
                    {
                        W32(a, 76, p.FuncInfoRecSize);            // func_info_rec_size
                        W64(a, 80, (ulong)fi);                    // func_info
                        W32(a, 88, p.FuncInfoCount);              // func_info_cnt
                    }
                    if (p.LineInfoCount > 0)
                    {
                        W32(a, 92, p.LineInfoRecSize);            // line_info_rec_size
                        W64(a, 96, (ulong)li);                    // line_info
                        W32(a, 104, p.LineInfoCount);             // line_info_cnt
                    }
                }
                int fd = (int)Native.Bpf(BpfCommand.ProgLoad, a, out errno);
                log = logBuf != null ? CString(logBuf) : "";
                return fd;
            }
        }

        // ---- BTF ----------------------------------------------------------------------

        internal static int BtfLoad(byte[] btf, uint logLevel, uint logSize, out string log, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            byte[]? logBuf = logLevel > 0 ? new byte[Math.Max(logSize, 4096u)] : null;
            fixed (byte* b = btf)
            fixed (byte* lb = logBuf)
            {
                W64(a, 0, (ulong)b);                       // btf
                W32(a, 16, (uint)btf.Length);              // btf_size
                if (logBuf != null)
                {
                    W64(a, 8, (ulong)lb);                  // btf_log_buf
                    W32(a, 20, (uint)logBuf.Length);       // btf_log_size
                    W32(a, 24, logLevel);                  // btf_log_level
                }
                int fd = (int)Native.Bpf(BpfCommand.BtfLoad, a, out errno);
                log = logBuf != null ? CString(logBuf) : "";
                return fd;
            }
        }

        // ---- ids and info ---------------------------------------------------------------

        internal static List<uint> GetIds(BpfCommand cmd)
        {
            var ids = new List<uint>();
            uint start = 0;
            Span<byte> a = stackalloc byte[AttrSize];
            while (true)
            {
                a.Clear();
                W32(a, 0, start);   // start_id
                if (Native.Bpf(cmd, a, out int errno) < 0)
                {
                    if (errno == Native.ENOENT) break;
                    throw BpfErrors.FromErrno(errno, $"listing kernel object ids ({cmd})");
                }
                start = R32(a, 4);   // next_id
                ids.Add(start);
            }
            return ids;
        }

        /// <summary>BPF_OBJ_GET_INFO_BY_FD into <paramref name="info"/>; returns the length the kernel filled.</summary>
        internal static int ObjGetInfo(int fd, Span<byte> info, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            fixed (byte* p = info)
            {
                W32(a, 0, (uint)fd);                 // info.bpf_fd
                W32(a, 4, (uint)info.Length);        // info.info_len
                W64(a, 8, (ulong)p);                 // info.info
                int r = (int)Native.Bpf(BpfCommand.ObjGetInfoByFd, a, out errno);
                return r < 0 ? r : (int)R32(a, 4);
            }
        }

        /// <summary>The kernel id of a BPF object (program, map, link, BTF): the u32 at offset 4 of its info, 0 for BTF at offset 8.</summary>
        internal static uint ObjId(int fd, int idOffset)
        {
            Span<byte> info = stackalloc byte[64];
            info.Clear();
            if (ObjGetInfo(fd, info, out _) < 0) return 0;
            return R32(info, idOffset);
        }

        /// <summary>BPF_PROG_TEST_RUN with a context only (raw_tp, syscall programs); returns the program's return value.</summary>
        internal static int ProgTestRun(int progFd, ReadOnlySpan<byte> context, out uint returnValue, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            fixed (byte* ctx = context)
            {
                W32(a, 0, (uint)progFd);                 // test.prog_fd
                W32(a, 40, (uint)context.Length);        // test.ctx_size_in
                W64(a, 48, context.Length == 0 ? 0 : (ulong)ctx); // test.ctx_in
                int r = (int)Native.Bpf(BpfCommand.ProgTestRun, a, out errno);
                returnValue = R32(a, 4);                 // test.retval
                return r;
            }
        }

        // ---- links ----------------------------------------------------------------------

        internal static int LinkCreate(int progFd, int targetFd, uint attachType, uint flags, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            W32(a, 0, (uint)progFd);       // link_create.prog_fd
            W32(a, 4, (uint)targetFd);     // link_create.target_fd
            W32(a, 8, attachType);         // link_create.attach_type
            W32(a, 12, flags);             // link_create.flags
            return (int)Native.Bpf(BpfCommand.LinkCreate, a, out errno);
        }

        internal static int RawTracepointOpen(string name, int progFd, out int errno)
        {
            Span<byte> a = stackalloc byte[AttrSize];
            a.Clear();
            byte[] n = Encoding.ASCII.GetBytes(name + "\0");
            fixed (byte* pn = n)
            {
                W64(a, 0, (ulong)pn);          // raw_tracepoint.name
                W32(a, 8, (uint)progFd);       // raw_tracepoint.prog_fd
                return (int)Native.Bpf(BpfCommand.RawTracepointOpen, a, out errno);
            }
        }

        /// <summary>perf_event_open for a tracepoint (PERF_TYPE_TRACEPOINT), created disabled.</summary>
        internal static int PerfEventOpenTracepoint(ulong tracepointId, int pid, int cpu, out int errno)
        {
            // struct perf_event_attr, PERF_ATTR_SIZE_VER7 = 128 bytes.
            Span<byte> attr = stackalloc byte[128];
            attr.Clear();
            W32(attr, 0, 2);                  // type = PERF_TYPE_TRACEPOINT
            W32(attr, 4, 128);                // size
            W64(attr, 8, tracepointId);       // config
            W64(attr, 16, 1);                 // sample_period
            W64(attr, 40, 1);                 // flags: disabled
            W32(attr, 48, 1);                 // wakeup_events
            fixed (byte* p = attr)
            {
                return Native.PerfEventOpen(p, pid, cpu, -1, Native.PerfFlagFdCloexec, out errno);
            }
        }

        internal static string CString(ReadOnlySpan<byte> buf)
        {
            int n = buf.IndexOf((byte)0);
            if (n < 0) n = buf.Length;
            return Encoding.UTF8.GetString(buf.Slice(0, n));
        }
    }
}
