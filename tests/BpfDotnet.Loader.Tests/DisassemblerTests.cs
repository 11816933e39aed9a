using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using BpfDotnet.KernelModel;
using BpfDotnet.Loader;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary>
    /// The kernel model's disassembler reads instructions as llvm-objdump-14 prints them: every instruction of clang's
    /// objects (the code-quality benchmark's C twins) and of BpfDotnet's (the benchmark's C# twins, when built), slot by
    /// slot, wherever llvm-objdump-14 knows the instruction.
    /// </summary>
    public class DisassemblerTests
    {
        [Fact]
        public void DecodesEveryInstructionAsLlvmObjdumpPrintsIt()
        {
            var objects = new List<string>();
            string twins = Path.Combine(Kernel.RepoRoot, "tests", "BpfDotnet.Benchmarks", "c");
            foreach (string source in Directory.GetFiles(twins, "*.bpf.c").OrderBy(p => p, StringComparer.Ordinal))
            {
                objects.Add(Clang(source));
            }
            Assert.NotEmpty(objects);
            string ours = Path.Combine(Kernel.RepoRoot, "tests", "BpfDotnet.Benchmarks", "bin");
            if (Directory.Exists(ours)) objects.AddRange(Directory.GetFiles(ours, "*.bpf.o", SearchOption.AllDirectories));

            int compared = 0;
            var mismatches = new List<string>();
            foreach (string path in objects)
            {
                var elf = ElfObjectFile.Parse(File.ReadAllBytes(path));
                foreach (var (section, index, expected) in Objdump(path))
                {
                    var code = elf.FindSection(section)!.Data;
                    string actual = Disassembler.Decode(code, index, out _);
                    compared++;
                    if (Normalize(actual) != Normalize(expected)) mismatches.Add($"{Path.GetFileName(path)} {section} #{index}: ours '{actual}', llvm '{expected}'");
                }
            }
            Assert.True(compared > 500, $"only {compared} instructions compared");
            Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {compared} differ:\n" + string.Join("\n", mismatches.Take(40)));
        }

        [Fact]
        public void UnknownAndTruncatedCodeIsSaidSo()
        {
            Assert.Equal("<unknown>", Disassembler.Decode(new byte[] { 0xff, 0, 0, 0, 0, 0, 0, 0 }, 0, out _));
            Assert.Equal("<truncated>", Disassembler.Decode(new byte[] { 0x18, 0x01, 0, 0, 1, 0, 0, 0 }, 0, out int slots));
            Assert.Equal(2, slots);
            Assert.Equal("<truncated>", Disassembler.Decode(new byte[] { 0x95, 0, 0 }, 0, out _));
        }

        /// <summary>The benchmark's C twin compiled as the benchmark compiles it (clang-14 -O2, cpu v3).</summary>
        private static string Clang(string source)
        {
            string output = Path.Combine(Path.GetTempPath(), "bpfdotnet-disasm-" + Environment.ProcessId + "-" + Path.GetFileName(source) + ".o");
            var (exit, errors) = Kernel.Run("clang-14", $"-O2 -g -target bpf -mcpu=v3 -c {source} -o {output}");
            Assert.True(exit == 0, "clang-14 failed: " + errors);
            return output;
        }

        private static string Normalize(string text) => Regex.Replace(Regex.Replace(text, @"\s+<[^<>]*>\s*$", ""), @"\s+", " ").Trim();

        /// <summary>(section, slot index, text) of every instruction llvm-objdump-14 decodes in the object.</summary>
        private static IEnumerable<(string Section, int Index, string Text)> Objdump(string path)
        {
            var (exit, output) = Kernel.Run("llvm-objdump-14", $"-d --no-show-raw-insn {path}");
            Assert.True(exit == 0, "llvm-objdump-14 failed on " + path);
            string? section = null;
            var results = new List<(string, int, string)>();
            foreach (string line in output.Split('\n'))
            {
                var header = Regex.Match(line, @"^Disassembly of section (.+):$");
                if (header.Success) { section = header.Groups[1].Value; continue; }
                var insn = Regex.Match(line, @"^\s+(\d+):\s+(.+)$");
                if (section is null || !insn.Success) continue;
                string text = insn.Groups[2].Value.Trim();
                if (text.Contains("<unknown>", StringComparison.Ordinal)) continue;
                results.Add((section, int.Parse(insn.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), text));
            }
            return results;
        }
    }
}
