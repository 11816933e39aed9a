using System;
using System.IO;
using System.Linq;
using System.Text;
using BpfDotnet.KernelModel;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary>
    /// docs/program-kinds.md and docs/map-kinds.md are rendered from the kernel model's tables, so they cannot drift
    /// from what the compiler and the loader do. Set BPFDOTNET_UPDATE_DOCS=1 to write them after changing a table.
    /// </summary>
    public class KernelModelDocsTests
    {
        [Fact]
        public void ProgramKindsPage_IsTheProgramKindsTable() => Check("program-kinds.md", RenderProgramKinds());

        [Fact]
        public void MapKindsPage_IsTheMapKindsTable() => Check("map-kinds.md", RenderMapKinds());

        private static void Check(string name, string expected)
        {
            string path = Path.Combine(Kernel.RepoRoot, "docs", name);
            if (Environment.GetEnvironmentVariable("BPFDOTNET_UPDATE_DOCS") == "1") File.WriteAllText(path, expected);
            Assert.True(File.Exists(path) && File.ReadAllText(path) == expected,
                $"docs/{name} does not match the kernel model's table; run the tests with BPFDOTNET_UPDATE_DOCS=1 to rewrite it.");
        }

        private const string Header = "<!-- Rendered from src/BpfDotnet.KernelModel/Tables by tests/BpfDotnet.Loader.Tests/KernelModelDocsTests.cs; do not edit by hand. -->\n\n";

        private static string RenderProgramKinds()
        {
            var text = new StringBuilder(Header);
            text.Append("# Program kinds\n\n");
            text.Append("A `[BpfProgram]` method's section name says what kind of program it is, as libbpf's `SEC()` does: ");
            text.Append("`[Tracepoint(\"syscalls\", \"sys_enter_openat\")]` gives `tracepoint/syscalls/sys_enter_openat`, and `[Section(\"...\")]` ");
            text.Append("gives any name. The compiler refuses a name no row matches (BPF0008), and the loader loads each program as the ");
            text.Append("program type and expected attach type of the first row that matches. A prefix ending in `/` matches names that ");
            text.Append("continue after it; any other prefix matches itself, or itself followed by `/` or `.`.\n\n");
            text.Append("`AttachAll()` attaches the kinds whose attach column names a way; a program of another kind is named in the ");
            text.Append("exception it throws, with the call that attaches it (`AttachXdp`, `AttachTcx` or `AttachTc`, `AttachCgroup`, `AttachToSocket`, `AttachToSockMap`, `AttachNetworkNamespace`, `AttachPerfEvent`, `AttachNetfilter`, `AttachToRoute`, `AttachIterator(map)` for map iterators). Tracing kinds (`tp_btf/`, `fentry/`, `fexit/`, `fmod_ret/`, `iter/`, `lsm/`) are loaded with ");
            text.Append("the BTF id of their target in the running kernel's BTF; kinds marked \"not yet\" the loader cannot load. ");
            text.Append("A program may read its context from the first context offset on (a ");
            text.Append("tracepoint's record starts with common fields the kernel keeps from it). The packet column says what ");
            text.Append("`GetPacketRefOrNullRef`, `TryReadPacket`, `TryWritePacket` and `PacketLength` may do in the kind (a socket filter copies ");
            text.Append("bytes out with `bpf_skb_load_bytes` only), and the last column which `SkBuff` fields its programs may set.\n\n");
            text.Append("| Section prefix | Program type | Expected attach type | Loads | Attached by `AttachAll` | First context offset | Packet | Context fields written |\n");
            text.Append("| --- | --- | --- | --- | --- | ---: | --- | --- |\n");
            foreach (var kind in ProgramKinds.All)
            {
                string attach = kind.Attach switch
                {
                    ProgramAttach.Tracepoint => "tracepoint (perf event + link)",
                    ProgramAttach.Uprobe => "uprobe: the function's file offset from the binary's ELF symbols (perf event + link)",
                    ProgramAttach.RawTracepoint => "raw tracepoint",
                    ProgramAttach.Kprobe => "kprobe (perf event + link), where the kernel has kprobes",
                    ProgramAttach.Tracing => "where its kernel BTF id says (raw tracepoint open)",
                    ProgramAttach.UprobeMulti => "uprobe_multi link on every function the glob matches",
                    ProgramAttach.KprobeMulti => "kprobe_multi link on every kernel function the glob matches",
                    ProgramAttach.Usdt => "uprobe at each location of the USDT probe (perf event + link, semaphore raised)",
                    ProgramAttach.Iterator => "iterator link (a map iterator needs AttachIterator(map))",
                    _ => "no",
                };
                string packet = kind.Packet switch
                {
                    PacketAccess.ReadWrite => "read, write",
                    PacketAccess.Read => "read",
                    PacketAccess.LoadBytes => "copy out",
                    _ => "none",
                };
                var writes = ContextWrites.SkBuffFields(kind.Type);
                string written = writes.Length == 0 ? "none" : string.Join(", ", writes.Select(f => "`" + f.Name + "`"));
                text.Append($"| `{kind.Prefix}` | `{kind.Type}` | {(kind.ExpectedAttach == 0 ? "none" : "`" + kind.ExpectedAttach + "`")} | {(kind.LoadSupported ? "yes" : "not yet")} | {attach} | {kind.ContextStart} | {packet} | {written} |\n");
            }
            return text.ToString();
        }

        private static string RenderMapKinds()
        {
            var text = new StringBuilder(Header);
            text.Append("# Map kinds\n\n");
            text.Append("A `[BpfMap]` static field of one of these types declares a map. Its `MaxEntries` and `Flags` are checked at ");
            text.Append("build time against what the kernel accepts for the map type (BPF0010), and the loader names the refused ");
            text.Append("parameter if the kernel refuses one anyway. In .NET code the field is a managed stand-in with the same ");
            text.Append("`MaxEntries`.\n\n");
            text.Append("| C# type | Kernel map type | Key | Flags accepted | Largest `MaxEntries` |\n");
            text.Append("| --- | --- | --- | --- | ---: |\n");
            foreach (var kind in MapKinds.All)
            {
                string type = kind.ClrType.Substring(kind.ClrType.LastIndexOf('.') + 1);
                int tick = type.IndexOf('`');
                int arity = tick < 0 ? 0 : int.Parse(type.Substring(tick + 1), System.Globalization.CultureInfo.InvariantCulture);
                string csharp = arity == 0 ? type : type.Substring(0, tick) + "<" + (kind.OfMaps ? (arity == 2 ? "TKey, TInner" : "TInner") : arity == 2 ? "TKey, TValue" : kind.Records || kind.Keyless ? "T" : "TValue") + ">";
                var flags = Enum.GetValues<MapFlags>().Where(f => f != 0 && (uint)f != 0 && System.Numerics.BitOperations.IsPow2((uint)f) && (kind.Flags & f) == f)
                    .Select(f => $"`{f}` (0x{(uint)f:x})").ToList();
                string key = kind.Type == MapType.StackTrace ? "`uint` stack id (each value: " + MapKinds.StackDepth + " frame addresses)"
                    : kind.Type == MapType.PerfEventArray ? "`uint` CPU (records of `T`); declared without a size, it gets a slot per possible CPU at load"
                    : kind.Keyless ? "none: values of `T`"
                    : kind.Records ? "none: records of `T`; `MaxEntries` is the size in bytes, a power of two and a multiple of " + MapKinds.PageSize
                    : kind.OfMaps ? (kind.KeyIsIndex ? "`uint` index" : "`TKey`") + " (values: maps of type `TInner`, sized by `InnerMaxEntries`)"
                    : kind.KeyIsIndex ? "`uint` index" : "`TKey`";
                text.Append($"| `{csharp}` | `{kind.Type}` ({(uint)kind.Type}) | {key} | {(flags.Count == 0 ? "none" : string.Join(", ", flags))} | {kind.MaxEntries} |\n");
            }
            return text.ToString();
        }
    }
}
