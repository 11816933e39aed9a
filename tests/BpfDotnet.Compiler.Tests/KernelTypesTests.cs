using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace BpfDotnet.Compiler.Tests
{
    /// <summary>C# declarations of the running kernel's types: they compile, and have the layout bpftool reads in the same BTF.</summary>
    public class KernelTypesTests
    {
        /// <summary>The common tracing and networking structs.</summary>
        private static readonly string[] Curated =
        {
            "task_struct", "mm_struct", "cred", "file", "path", "dentry", "inode", "super_block", "sock", "sock_common", "sk_buff", "net_device",
        };

        private static Assembly Compile(string source)
        {
            var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "/src/Kernel.cs");
            var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .Append(MetadataReference.CreateFromFile(typeof(KernelTypes).Assembly.Location));
            var compilation = CSharpCompilation.Create("Kernel", new[] { tree }, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
            using var image = new MemoryStream();
            var emitted = compilation.Emit(image);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
            image.Position = 0;
            return new AssemblyLoadContext("kernel-types", isCollectible: true).LoadFromStream(image);
        }

        /// <summary>The named members (not bitfields) of each struct bpftool dumps from the BTF: name, byte offset; and the size.</summary>
        private static Dictionary<string, (int Size, List<(string Name, int Offset)> Members)> Bpftool(IEnumerable<string> names, string file = KernelTypes.KernelBtfPath)
        {
            var wanted = new HashSet<string>(names);
            var start = new ProcessStartInfo("bpftool", "btf dump file " + file + " format raw") { RedirectStandardOutput = true };
            using var bpftool = Process.Start(start)!;
            var result = new Dictionary<string, (int, List<(string, int)>)>();
            List<(string, int)>? members = null;
            string? line;
            while ((line = bpftool.StandardOutput.ReadLine()) is not null)
            {
                var type = Regex.Match(line, @"^\[\d+\] STRUCT '([^']+)' size=(\d+)");
                if (type.Success)
                {
                    members = wanted.Contains(type.Groups[1].Value) && !result.ContainsKey(type.Groups[1].Value) ? new List<(string, int)>() : null;
                    if (members is not null) result[type.Groups[1].Value] = (int.Parse(type.Groups[2].Value), members);
                    continue;
                }
                if (!line.StartsWith("\t", StringComparison.Ordinal)) members = null;
                var member = Regex.Match(line, @"^\t'([^']+)' type_id=\d+ bits_offset=(\d+)$");
                if (members is not null && member.Success && member.Groups[1].Value != "(anon)")
                {
                    int bits = int.Parse(member.Groups[2].Value);
                    if (bits % 8 == 0) members.Add((member.Groups[1].Value, bits / 8));
                }
            }
            bpftool.WaitForExit();
            return result;
        }

        private static string Pascal(string name) => string.Concat(name.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

        [Fact]
        public void TheCuratedKernelTypes_CompileWithTheLayoutOfTheKernelsBtf()
        {
            Assert.True(File.Exists(KernelTypes.KernelBtfPath), KernelTypes.KernelBtfPath + " is missing");
            string source = KernelTypes.GenerateCSharp(Curated);
            var assembly = Compile(source);
            var expected = Bpftool(Curated);
            Assert.Equal(Curated.Length, expected.Count);
            int checkedMembers = 0;
            foreach (var (btfName, (size, members)) in expected)
            {
                var type = assembly.GetType("Kernel." + Pascal(btfName));
                Assert.True(type is not null, btfName + " was not declared");
                Assert.Equal(btfName, type!.GetCustomAttribute<BtfNameAttribute>()?.Name);
                Assert.Equal(size, Marshal.SizeOf(type));
                foreach (var (member, offset) in members)
                {
                    var field = type.GetField(Pascal(member));
                    if (field is null) continue; // a flexible array, or a name made unique
                    Assert.True(offset == (int)Marshal.OffsetOf(type, field.Name), $"{btfName}.{member}: BTF offset {offset}, C# {Marshal.OffsetOf(type, field.Name)}");
                    checkedMembers++;
                }
            }
            Assert.True(checkedMembers > 200, "members checked: " + checkedMembers);
            // Pointers to the types asked for are typed; task_struct's parent is one of them.
            Assert.Equal(assembly.GetType("Kernel.TaskStruct")!.MakePointerType(), assembly.GetType("Kernel.TaskStruct")!.GetField("RealParent")!.FieldType);
        }

        /// <summary>
        /// The round trip: declarations generated from the kernel's BTF, compiled into a probe whose maps hold them, come
        /// out of the object writer as BTF structs of the same size with every named member of the kernel's at the same offset.
        /// </summary>
        [Fact]
        public void GeneratedDeclarations_WrittenBackAsBtf_HaveTheKernelsLayout()
        {
            string[] names = { "cred", "path", "sock_common", "file" };
            string kernel = KernelTypes.GenerateCSharp(names, @namespace: "K").Replace("using BpfDotnet;", "");
            var maps = string.Concat(names.Select((n, i) => $"    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<K.{Pascal(n)}> M{i} = new(1);\n"));
            var updates = string.Concat(names.Select((n, i) => $"        K.{Pascal(n)} v{i} = default; M{i}.Update(0, v{i});\n"));
            var result = ProbeBuilder.Build(kernel + "\npublic static unsafe partial class P\n{\n" + maps
                + "    [BpfProgram, Tracepoint(\"syscalls\", \"sys_enter_openat\")]\n    public static int Run(ref SysEnterArgs ctx)\n    {\n" + updates + "        return 0;\n    }\n}\n");
            Assert.True(result.Object is not null, string.Join("\n", result.Diagnostics.Select(d => d.ToDiagnostic().ToString())));
            string obj = Path.Combine(Path.GetTempPath(), "bpfdotnet-roundtrip-" + Environment.ProcessId + ".o");
            File.WriteAllBytes(obj, result.Object!);
            try
            {
                var kernelLayout = Bpftool(names);
                var written = Bpftool(names.Select(Pascal), obj);
                int checkedMembers = 0;
                foreach (var name in names)
                {
                    var (size, members) = kernelLayout[name];
                    Assert.True(written.TryGetValue(Pascal(name), out var ours), Pascal(name) + " is not in the object's BTF");
                    Assert.Equal(size, ours.Size);
                    var offsets = ours.Members.ToDictionary(m => m.Name, m => m.Offset);
                    foreach (var (member, offset) in members)
                    {
                        if (!offsets.TryGetValue(Pascal(member), out int at)) continue; // a flexible array, or a name made unique
                        Assert.True(offset == at, $"{name}.{member}: the kernel's offset {offset}, written back {at}");
                        checkedMembers++;
                    }
                }
                Assert.True(checkedMembers > 40, "members checked: " + checkedMembers);
            }
            finally
            {
                File.Delete(obj);
            }
        }

        [Fact]
        public void Declarations_AreTheSameBytesOnEveryRun()
        {
            var first = Encoding.UTF8.GetBytes(KernelTypes.GenerateCSharp(new[] { "task_struct", "sock" }));
            var second = Encoding.UTF8.GetBytes(KernelTypes.GenerateCSharp(new[] { "task_struct", "sock" }));
            Assert.Equal(first, second);
        }

        [Fact]
        public void ATypeTheBtfDoesNotHave_IsABpfExceptionNamingIt()
        {
            var e = Assert.Throws<BpfException>(() => KernelTypes.GenerateCSharp(new[] { "task_struct", "no_such_struct" }));
            Assert.Contains("'no_such_struct'", e.Message);
            var missing = Assert.Throws<BpfException>(() => KernelTypes.GenerateCSharp(new[] { "task_struct" }, "/no/such/btf"));
            Assert.Contains("/no/such/btf", missing.Message);
        }
    }
}
