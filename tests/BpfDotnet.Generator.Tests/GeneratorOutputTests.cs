using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using BpfDotnet.Analyzers;
using Microsoft.CodeAnalysis;
using Xunit;

namespace BpfDotnet.Generator.Tests
{
    /// <summary>What the generator emits: a loader that compiles, an embedded ELF object, and deterministic text.</summary>
    public class GeneratorOutputTests
    {
        [Fact]
        public void ValidProbe_GeneratesLoaderThatCompiles_WithEmbeddedElfObject()
        {
            var (output, diagnostics, result) = TestCompilation.RunGenerator(TestCompilation.Create(Probes.OpenSnoop, Probes.OpenSnoopUser));

            Assert.Empty(diagnostics);
            Assert.Empty(TestCompilation.Errors(output));
            var generated = Assert.Single(result.Results.Single().GeneratedSources);
            Assert.Equal("Probes.OpenSnoop.Bpf.g.cs", generated.HintName);
            string text = generated.SourceText.ToString();
            Assert.Contains("[assembly: global::BpfDotnet.BpfObjectAttribute(\"OpenSnoop\", \"", text);
            Assert.Contains("0x7f, 0x45, 0x4c, 0x46,", text); // ELF magic

            var assembly = EmitAndLoad(output, out var context);
            try
            {
                var attribute = assembly.GetCustomAttributes<BpfObjectAttribute>().Single();
                Assert.Equal("OpenSnoop", attribute.Name);
                byte[] elf = Convert.FromBase64String(attribute.ElfBase64);
                Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, elf.Take(4).ToArray());
            }
            finally
            {
                context.Unload();
            }
        }

        [Fact]
        public void ProbeWithErrors_StillGetsItsLoader_WhoseLoadThrows()
        {
            var (output, diagnostics, result) = TestCompilation.RunGenerator(TestCompilation.Create(Probes.Broken));

            // The analyzer reports the compiler's diagnostics; the generator only keeps user code compiling.
            Assert.Empty(diagnostics);
            Assert.Empty(TestCompilation.Errors(output));
            string text = result.Results.Single().GeneratedSources.Single().SourceText.ToString();
            Assert.DoesNotContain("BpfObjectAttribute", text);
            Assert.Contains("BpfObjectBytes => global::System.ReadOnlySpan<byte>.Empty;", text);

            var assembly = EmitAndLoad(output, out var context);
            try
            {
                var load = assembly.GetType("Probes.Broken")!.GetMethod("Load")!;
                var thrown = Assert.Throws<TargetInvocationException>(() => load.Invoke(null, new object?[] { null }));
                var error = Assert.IsType<InvalidOperationException>(thrown.InnerException);
                Assert.StartsWith("Broken has eBPF compile errors (see BPF", error.Message);
                Assert.EndsWith(" diagnostics)", error.Message);
            }
            finally
            {
                context.Unload();
            }
        }

        [Fact]
        public void MapWithUnsupportedValueType_KeepsItsTypedHandle()
        {
            const string source = """
                using System.Runtime.InteropServices;
                using BpfDotnet;
                [StructLayout(LayoutKind.Auto)]
                public struct Bucket { public ulong Count; public uint Slot; }
                public static partial class Latency
                {
                    [BpfMap(MaxEntries = 16)]
                    public static BpfHashMap<uint, Bucket> Histogram = null!;
                }
                public static class LatencyUser
                {
                    public static BpfMapHandle<uint, Bucket> Use() => Latency.Load().Histogram;
                }
                """;
            var (output, _, result) = TestCompilation.RunGenerator(TestCompilation.Create(source));

            Assert.Empty(TestCompilation.Errors(output));
            Assert.Contains("Latency has eBPF compile errors (see BPF0010 diagnostics)", result.Results.Single().GeneratedSources.Single().SourceText.ToString());
        }

        /// <summary>
        /// A probe run as .NET code finds as many map entries as the kernel's map has: the generated module initializer
        /// gives each stand-in its field's MaxEntries, whatever <c>new()</c> made.
        /// </summary>
        [Fact]
        public void MapStandIns_HaveTheDeclaredMaxEntries()
        {
            const string source = """
                using BpfDotnet;
                public static partial class Sized
                {
                    [BpfMap(MaxEntries = 64)] public static BpfArrayMap<long> Slots = new();
                    [BpfMap(MaxEntries = 2)] public static BpfHashMap<int, long> Few = new();
                    [BpfMap(MaxEntries = 1 << 24)] public static readonly BpfArrayMap<long> Huge = new(3);

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int Run(ref SysEnterArgs ctx) { Slots.Update(63, 1); return 0; }
                }
                """;
            var (output, diagnostics, _) = TestCompilation.RunGenerator(TestCompilation.Create(source));
            Assert.Empty(diagnostics);
            using var stream = new System.IO.MemoryStream();
            var emitted = output.Emit(stream);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
            var type = System.Reflection.Assembly.Load(stream.ToArray()).GetType("Sized")!;

            var slots = (BpfDotnet.BpfArrayMap<long>)type.GetField("Slots")!.GetValue(null)!;
            Assert.Equal(0, slots.Update(63, 7));
            Assert.Equal(-7, slots.Update(64, 7));
            Assert.True(slots.TryGetValue(63, out long seen) && seen == 7);

            var few = (BpfDotnet.BpfHashMap<int, long>)type.GetField("Few")!.GetValue(null)!;
            Assert.Equal(0, few.Update(1, 1));
            Assert.Equal(0, few.Update(2, 2));
            Assert.Equal(-7, few.Update(3, 3));
            Assert.Equal(0, few.Update(2, 5));

            long before = System.GC.GetAllocatedBytesForCurrentThread();
            var huge = (BpfDotnet.BpfArrayMap<long>)type.GetField("Huge")!.GetValue(null)!;
            Assert.Equal(0, huge.Update((1 << 24) - 1, 9));
            Assert.True(huge.TryGetValue((1 << 24) - 1, out long last) && last == 9);
            Assert.True(huge.TryGetValue(5, out long untouched) && untouched == 0);
            // Sixteen million slots cost only the chunks touched, not 128 MB.
            Assert.True(System.GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        }

        [Fact]
        public void NestedAndInternalTypes_AreReopenedWithTheirModifiers()
        {
            const string source = """
                using BpfDotnet;
                namespace Deep.Space
                {
                    internal struct Key { public uint Pid; public uint Cpu; }

                    public partial class Outer
                    {
                        public readonly partial struct Middle
                        {
                            internal static partial class Probe
                            {
                                [BpfMap(MaxEntries = 64)]
                                public static BpfHashMap<Key, ulong> Counts = null!;

                                [BpfProgram, Section("raw_tracepoint/sched_switch")]
                                public static int @class(ref SysEnterArgs ctx) => 0;
                            }
                        }
                    }
                }
                """;
            var (output, diagnostics, result) = TestCompilation.RunGenerator(TestCompilation.Create(source));

            Assert.Empty(diagnostics);
            Assert.Empty(TestCompilation.Errors(output));
            var generated = result.Results.Single().GeneratedSources.Single();
            Assert.Equal("Deep.Space.Outer.Middle.Probe.Bpf.g.cs", generated.HintName);
            string text = generated.SourceText.ToString();
            Assert.Contains("public partial class Outer", text);
            Assert.Contains("public readonly partial struct Middle", text);
            Assert.Contains("internal static partial class Probe", text);
            // The key type is internal, so the loader must not be public.
            Assert.Contains("internal sealed class Loaded", text);
            Assert.Contains("public global::BpfDotnet.BpfProgramHandle @class { get; }", text);
            Assert.Contains("public global::BpfDotnet.BpfMapHandle<global::Deep.Space.Key, ulong> Counts { get; }", text);
            // The stand-in of the map is given its MaxEntries when the assembly loads.
            Assert.Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", text);
            Assert.Contains("(Counts as global::BpfDotnet.IBpfMapStandIn)?.SetMaxEntries(64u);", text);
        }

        [Fact]
        public void ClassThatIsNotPartial_GetsNoGeneratedCode()
        {
            const string source = """
                using BpfDotnet;
                public static class NotPartial
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpenat(ref SysEnterArgs ctx) => 0;
                }
                """;
            var (output, diagnostics, result) = TestCompilation.RunGenerator(TestCompilation.Create(source));

            Assert.Empty(diagnostics);
            Assert.Empty(result.Results.Single().GeneratedSources);
            Assert.Empty(TestCompilation.Errors(output));
        }

        [Fact]
        public void GeneratedText_IsDeterministic()
        {
            string Generate(string source) => string.Join("\n---\n", TestCompilation.RunGenerator(TestCompilation.Create(source))
                .Result.Results.Single().GeneratedSources.Select(s => s.HintName + "\n" + s.SourceText));

            Assert.Equal(Generate(Probes.OpenSnoop), Generate(Probes.OpenSnoop));
            Assert.Equal(Generate(Probes.Broken), Generate(Probes.Broken));
        }

        [Fact]
        public void ProgramsAndMaps_AreOrderedByDeclaration_AcrossPartialDeclarations()
        {
            const string first = """
                using BpfDotnet;
                public static partial class Multi
                {
                    [BpfMap] public static BpfArrayMap<ulong> B = null!;
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_read")] public static int Second(ref SysEnterArgs ctx) => 0;
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")] public static int First(ref SysEnterArgs ctx) => 0;
                    [BpfMap] public static BpfArrayMap<ulong> A = null!;
                }
                """;
            const string second = """
                using BpfDotnet;
                public static partial class Multi
                {
                    [BpfProgram, Tracepoint("syscalls", "sys_enter_write")] public static int Third(ref SysEnterArgs ctx) => 0;
                }
                """;
            var (_, _, result) = TestCompilation.RunGenerator(TestCompilation.Create(first, second));
            string text = result.Results.Single().GeneratedSources.Single().SourceText.ToString();

            int Position(string member) => text.IndexOf(member + " = @object.", StringComparison.Ordinal);
            var programs = new[] { "Second", "First", "Third" }.OrderBy(Position).ToArray();
            var maps = new[] { "B", "A" }.OrderBy(Position).ToArray();
            Assert.Equal(new[] { "Second", "First", "Third" }, programs);
            Assert.Equal(new[] { "B", "A" }, maps);
        }

        private static Assembly EmitAndLoad(Compilation compilation, out AssemblyLoadContext context)
        {
            using var stream = new MemoryStream();
            var emit = compilation.Emit(stream);
            Assert.True(emit.Success, string.Join(Environment.NewLine, emit.Diagnostics));
            stream.Position = 0;
            context = new AssemblyLoadContext("generated", isCollectible: true);
            return context.LoadFromStream(stream);
        }
    }
}
