using System;
using System.Text.RegularExpressions;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary><see cref="BpfObject.VerifierLogs"/>: the verifier's log of successful loads.</summary>
    public class VerifierLogTests
    {
        private const string Source = @"
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} slots SEC("".maps"");

SEC(""tracepoint/syscalls/sys_enter_getppid"")
int stats_prog(void *ctx)
{
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&slots, &key);
    if (v) __sync_fetch_and_add(v, 1);
    return 0;
}
";

        [KernelFact]
        public void LogLevelFourGivesStackDepthAndProcessedInstructions()
        {
            Kernel.Require();
            string path = Kernel.CompileC("verifier_log_stats", Source);
            using BpfObject obj = BpfObject.LoadFile(path, new BpfLoadOptions { LogLevel = 4, LogBufferSize = 64 * 1024 });
            string log = obj.VerifierLogs["stats_prog"];
            Match depth = Regex.Match(log, @"stack depth (\d+)");
            Assert.True(depth.Success, "no stack depth in the log:\n" + log);
            Assert.Equal(8, int.Parse(depth.Groups[1].Value));   // the 4-byte key, counted in whole 8-byte slots
            Match processed = Regex.Match(log, @"processed (\d+) insns");
            Assert.True(processed.Success, "no processed count in the log:\n" + log);
            Assert.Equal(obj.GetProgram("stats_prog").GetInfo().VerifiedInstructions, uint.Parse(processed.Groups[1].Value));
        }

        [KernelFact]
        public void DefaultLoadKeepsAnEmptyLog()
        {
            Kernel.Require();
            string path = Kernel.CompileC("verifier_log_none", Source);
            using BpfObject obj = BpfObject.LoadFile(path);
            Assert.Equal("", obj.VerifierLogs["stats_prog"]);
        }
    }
}
