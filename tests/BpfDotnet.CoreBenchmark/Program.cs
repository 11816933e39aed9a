using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using BpfDotnet;

// One measurement per process, so that the parse is cold: read the running kernel's BTF and index it (what the first
// CO-RE relocation of a process costs), then resolve the members a tracing tool reads. Prints one line of numbers:
// parse_ms resolve_us allocated_bytes peak_rss_kib members.

string[] members =
{
    "task_struct.real_parent", "task_struct.tgid", "task_struct.pid", "task_struct.flags", "task_struct.mm", "task_struct.cred",
    "mm_struct.total_vm", "cred.uid", "file.f_path", "path.dentry", "dentry.d_name", "sock_common.skc_daddr", "sock_common.skc_dport",
    "sock.sk_protocol", "sk_buff.len", "net_device.ifindex",
};
long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
var clock = Stopwatch.StartNew();
var parsed = CoreBenchmarkProbe.Parse();
double parseMs = clock.Elapsed.TotalMilliseconds;
clock.Restart();
int found = members.Count(m => CoreBenchmarkProbe.Resolve(m.Split('.')[0], m.Split('.')[1]));
double resolveUs = clock.Elapsed.TotalMilliseconds * 1000;
long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
GC.KeepAlive(parsed);
long peakKib = File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
    .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])).First();
Console.WriteLine($"{parseMs:F2} {resolveUs:F1} {allocated} {peakKib} {found}");
return found == members.Length ? 0 : 1;
