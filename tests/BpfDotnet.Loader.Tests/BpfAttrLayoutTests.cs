using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using BpfDotnet.KernelModel;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary>
    /// The kernel model's bpf_attr and perf_event_attr structs have the kernel's offsets: a C program built against the
    /// machine's &lt;linux/bpf.h&gt; and &lt;linux/perf_event.h&gt; (linux-libc-dev) prints offsetof each field.
    /// </summary>
    public class BpfAttrLayoutTests
    {
        private static readonly (Type Struct, string Field, string C)[] s_fields =
        {
            (typeof(MapCreateAttr), nameof(MapCreateAttr.MapType), "union bpf_attr, map_type"),
            (typeof(MapCreateAttr), nameof(MapCreateAttr.KeySize), "union bpf_attr, key_size"),
            (typeof(MapCreateAttr), nameof(MapCreateAttr.ValueSize), "union bpf_attr, value_size"),
            (typeof(MapCreateAttr), nameof(MapCreateAttr.MaxEntries), "union bpf_attr, max_entries"),
            (typeof(MapCreateAttr), nameof(MapCreateAttr.MapFlags), "union bpf_attr, map_flags"),
            (typeof(MapCreateAttr), nameof(MapCreateAttr.BtfFd), "union bpf_attr, btf_fd"),
            (typeof(MapCreateAttr), nameof(MapCreateAttr.BtfKeyTypeId), "union bpf_attr, btf_key_type_id"),
            (typeof(MapCreateAttr), nameof(MapCreateAttr.BtfValueTypeId), "union bpf_attr, btf_value_type_id"),
            (typeof(MapElemAttr), nameof(MapElemAttr.MapFd), "union bpf_attr, map_fd"),
            (typeof(MapElemAttr), nameof(MapElemAttr.Key), "union bpf_attr, key"),
            (typeof(MapElemAttr), nameof(MapElemAttr.Value), "union bpf_attr, value"),
            (typeof(MapElemAttr), nameof(MapElemAttr.Flags), "union bpf_attr, flags"),
            (typeof(MapBatchAttr), nameof(MapBatchAttr.InBatch), "union bpf_attr, batch.in_batch"),
            (typeof(MapBatchAttr), nameof(MapBatchAttr.OutBatch), "union bpf_attr, batch.out_batch"),
            (typeof(MapBatchAttr), nameof(MapBatchAttr.Keys), "union bpf_attr, batch.keys"),
            (typeof(MapBatchAttr), nameof(MapBatchAttr.Values), "union bpf_attr, batch.values"),
            (typeof(MapBatchAttr), nameof(MapBatchAttr.Count), "union bpf_attr, batch.count"),
            (typeof(MapBatchAttr), nameof(MapBatchAttr.MapFd), "union bpf_attr, batch.map_fd"),
            (typeof(MapBatchAttr), nameof(MapBatchAttr.ElemFlags), "union bpf_attr, batch.elem_flags"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.ProgType), "union bpf_attr, prog_type"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.InsnCount), "union bpf_attr, insn_cnt"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.Insns), "union bpf_attr, insns"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.License), "union bpf_attr, license"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.LogLevel), "union bpf_attr, log_level"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.LogSize), "union bpf_attr, log_size"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.LogBuf), "union bpf_attr, log_buf"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.ExpectedAttachType), "union bpf_attr, expected_attach_type"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.ProgBtfFd), "union bpf_attr, prog_btf_fd"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.FuncInfoRecSize), "union bpf_attr, func_info_rec_size"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.FuncInfo), "union bpf_attr, func_info"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.FuncInfoCount), "union bpf_attr, func_info_cnt"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.LineInfoRecSize), "union bpf_attr, line_info_rec_size"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.LineInfo), "union bpf_attr, line_info"),
            (typeof(ProgLoadAttr), nameof(ProgLoadAttr.LineInfoCount), "union bpf_attr, line_info_cnt"),
            (typeof(BtfLoadAttr), nameof(BtfLoadAttr.Btf), "union bpf_attr, btf"),
            (typeof(BtfLoadAttr), nameof(BtfLoadAttr.LogBuf), "union bpf_attr, btf_log_buf"),
            (typeof(BtfLoadAttr), nameof(BtfLoadAttr.BtfSize), "union bpf_attr, btf_size"),
            (typeof(BtfLoadAttr), nameof(BtfLoadAttr.LogSize), "union bpf_attr, btf_log_size"),
            (typeof(BtfLoadAttr), nameof(BtfLoadAttr.LogLevel), "union bpf_attr, btf_log_level"),
            (typeof(GetNextIdAttr), nameof(GetNextIdAttr.StartId), "union bpf_attr, start_id"),
            (typeof(GetNextIdAttr), nameof(GetNextIdAttr.NextId), "union bpf_attr, next_id"),
            (typeof(ObjGetInfoAttr), nameof(ObjGetInfoAttr.BpfFd), "union bpf_attr, info.bpf_fd"),
            (typeof(ObjGetInfoAttr), nameof(ObjGetInfoAttr.InfoLength), "union bpf_attr, info.info_len"),
            (typeof(ObjGetInfoAttr), nameof(ObjGetInfoAttr.Info), "union bpf_attr, info.info"),
            (typeof(ProgTestRunAttr), nameof(ProgTestRunAttr.ProgFd), "union bpf_attr, test.prog_fd"),
            (typeof(ProgTestRunAttr), nameof(ProgTestRunAttr.ReturnValue), "union bpf_attr, test.retval"),
            (typeof(ProgTestRunAttr), nameof(ProgTestRunAttr.ContextSizeIn), "union bpf_attr, test.ctx_size_in"),
            (typeof(ProgTestRunAttr), nameof(ProgTestRunAttr.ContextIn), "union bpf_attr, test.ctx_in"),
            (typeof(LinkCreateAttr), nameof(LinkCreateAttr.ProgFd), "union bpf_attr, link_create.prog_fd"),
            (typeof(LinkCreateAttr), nameof(LinkCreateAttr.TargetFd), "union bpf_attr, link_create.target_fd"),
            (typeof(LinkCreateAttr), nameof(LinkCreateAttr.AttachType), "union bpf_attr, link_create.attach_type"),
            (typeof(LinkCreateAttr), nameof(LinkCreateAttr.Flags), "union bpf_attr, link_create.flags"),
            (typeof(RawTracepointOpenAttr), nameof(RawTracepointOpenAttr.Name), "union bpf_attr, raw_tracepoint.name"),
            (typeof(RawTracepointOpenAttr), nameof(RawTracepointOpenAttr.ProgFd), "union bpf_attr, raw_tracepoint.prog_fd"),
            (typeof(PerfEventAttr), nameof(PerfEventAttr.Type), "struct perf_event_attr, type"),
            (typeof(PerfEventAttr), nameof(PerfEventAttr.Size), "struct perf_event_attr, size"),
            (typeof(PerfEventAttr), nameof(PerfEventAttr.Config), "struct perf_event_attr, config"),
            (typeof(PerfEventAttr), nameof(PerfEventAttr.SamplePeriod), "struct perf_event_attr, sample_period"),
            (typeof(PerfEventAttr), nameof(PerfEventAttr.SampleType), "struct perf_event_attr, sample_type"),
            (typeof(PerfEventAttr), nameof(PerfEventAttr.Config1), "struct perf_event_attr, config1"),
            (typeof(PerfEventAttr), nameof(PerfEventAttr.Config2), "struct perf_event_attr, config2"),
            (typeof(PerfEventAttr), nameof(PerfEventAttr.WakeupEvents), "struct perf_event_attr, wakeup_events"),
        };

        [KernelFact]
        public void AttributeStructs_HaveTheKernelHeadersOffsets()
        {
            Kernel.Require();
            var offsets = Kernel.HeaderValues("attr", new[] { "stddef.h", "linux/bpf.h", "linux/perf_event.h" },
                s_fields.Select(f => "offsetof(" + f.C + ")").Append("sizeof(struct perf_event_attr)").ToList());
            var wrong = new List<string>();
            for (int i = 0; i < s_fields.Length; i++)
            {
                long ours = Marshal.OffsetOf(s_fields[i].Struct, s_fields[i].Field).ToInt64();
                if (ours != offsets[i]) wrong.Add($"{s_fields[i].Struct.Name}.{s_fields[i].Field} at {ours}, the kernel's {s_fields[i].C} at {offsets[i]}");
            }
            Assert.True(wrong.Count == 0, string.Join("\n", wrong));
            Assert.Equal((long)PerfEventAttr.SizeVer7, offsets[^1]);
            Assert.True(Marshal.SizeOf<ProgLoadAttr>() <= BpfDotnet.Interop.BpfSyscalls.AttrSize);
        }

        /// <summary>
        /// The kernel model's <c>pt_regs</c> offsets for the running architecture are those of the machine's
        /// &lt;asm/ptrace.h&gt;: each argument, return, pointer and system-call register, and the context's size.
        /// </summary>
        [KernelFact]
        public void PtRegsLayout_OfThisArchitecture_HasTheKernelHeadersOffsets()
        {
            Kernel.Require();
            var layout = PtRegsLayout.Of(RuntimeInformation.OSArchitecture);
            Assert.NotNull(layout);
            // The same registers as the header names them, in the layout's order, as C expressions.
            string[] expressions;
            if (RuntimeInformation.OSArchitecture == Architecture.X64)
            {
                // The user-space header names the registers with their r prefix (rdi); the kernel's own, without (di).
                string At(string field) => $"offsetof(struct pt_regs, {field})";
                expressions = new[] { "rdi", "rsi", "rdx", "rcx", "r8", "r9", "rax", "rip", "rsp", "rbp", "rdi", "rsi", "rdx", "r10", "r8", "r9" }
                    .Select(At).Append("sizeof(struct pt_regs)").ToArray();
            }
            else
            {
                // arm64's kernel pt_regs is user_pt_regs followed by orig_x0, which holds a system call's first argument.
                string At(string field) => $"offsetof(struct user_pt_regs, {field})";
                expressions = Enumerable.Range(0, 6).Select(i => At($"regs[{i}]"))
                    .Concat(new[] { At("regs[0]"), At("pc"), At("sp"), At("regs[29]"), "sizeof(struct user_pt_regs)" })
                    .Concat(Enumerable.Range(1, 5).Select(i => At($"regs[{i}]")))
                    .Append("sizeof(struct user_pt_regs)").ToArray();
            }
            string dir = Path.Combine(Path.GetTempPath(), "bpfdotnet-ptregs-" + Environment.ProcessId);
            Directory.CreateDirectory(dir);
            string source = Path.Combine(dir, "ptregs.c"), program = Path.Combine(dir, "ptregs");
            File.WriteAllText(source, "#include <stdio.h>\n#include <stddef.h>\n#include <asm/ptrace.h>\nint main(void) {\n"
                + string.Concat(expressions.Select(e => $"    printf(\"%zu\\n\", (size_t)({e}));\n"))
                + "    return 0;\n}\n");
            var (exit, output) = Kernel.Run("gcc", $"-o {program} {source}");
            Assert.True(exit == 0, "gcc failed (is linux-libc-dev installed?): " + output);
            (exit, output) = Kernel.Run(program, "");
            Assert.Equal(0, exit);
            var offsets = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            var ours = layout!.Arguments.Concat(new[] { layout.ReturnValue, layout.InstructionPointer, layout.StackPointer, layout.FramePointer })
                .Concat(layout.SyscallArguments).Append(layout.Size).ToArray();
            Assert.Equal(offsets, ours);
        }
    }
}
