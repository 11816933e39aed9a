using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace BpfDotnet.Benchmarks
{
    /// <summary>
    /// The instruction mix of one program in an object file, read from <c>llvm-objdump-14 -d</c> (raw bytes decoded by
    /// opcode class, so instructions objdump cannot print, such as stores of immediates, are counted too).
    /// </summary>
    public sealed class InstructionMix
    {
        /// <summary>Category names in report order.</summary>
        public static readonly string[] Categories =
        {
            "mov", "alu", "ld_imm64", "load ctx/map", "stack load", "stack store", "map store", "atomic", "branch", "call", "exit",
        };

        /// <summary>Count per category.</summary>
        public Dictionary<string, int> Counts { get; } = Categories.ToDictionary(c => c, _ => 0);

        /// <summary>Instruction slots in the object (ld_imm64 counts as two, as the kernel counts).</summary>
        public int Slots { get; private set; }

        /// <summary>The disassembly text of the program.</summary>
        public string Text { get; private set; } = "";

        private static readonly Regex Insn = new(@"^\s*\d+:\t((?:[0-9a-f]{2} ){7}[0-9a-f]{2})((?: [0-9a-f]{2}){8})?\s*\t?(.*)$");

        /// <summary>Disassembles <paramref name="objectPath"/> and returns the mix of the function <paramref name="program"/>.</summary>
        public static InstructionMix Read(string objectPath, string program)
        {
            var psi = new ProcessStartInfo("llvm-objdump-14", $"-d {objectPath}") { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start llvm-objdump-14");
            string output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            var mix = new InstructionMix();
            var text = new List<string>();
            bool inside = false;
            foreach (string line in output.Split('\n'))
            {
                if (line.EndsWith(">:", StringComparison.Ordinal))
                {
                    inside = line.EndsWith("<" + program + ">:", StringComparison.Ordinal);
                    continue;
                }
                if (!inside) continue;
                Match m = Insn.Match(line);
                if (!m.Success)
                {
                    if (line.StartsWith("Disassembly of section", StringComparison.Ordinal)) inside = false;
                    continue;
                }
                byte[] b = m.Groups[1].Value.Split(' ').Select(x => byte.Parse(x, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
                mix.Count(b[0], b[1] & 0xf, b[1] >> 4);
                mix.Slots += m.Groups[2].Success ? 2 : 1;
                text.Add(line.Trim());
            }
            mix.Text = string.Join("\n", text);
            return mix;
        }

        private void Count(byte op, int dst, int src)
        {
            int cls = op & 7;
            string c = cls switch
            {
                0 => "ld_imm64",
                1 => src == 10 ? "stack load" : "load ctx/map",
                2 => dst == 10 ? "stack store" : "map store",
                3 when (op & 0xe0) == 0xc0 => "atomic",
                3 => dst == 10 ? "stack store" : "map store",
                4 or 7 => (op & 0xf0) == 0xb0 ? "mov" : "alu",
                _ => op switch
                {
                    0x85 => "call",
                    0x95 => "exit",
                    _ => "branch",
                },
            };
            Counts[c]++;
        }

        /// <summary>"+2 mov, +1 stack store, -1 branch": this mix minus <paramref name="other"/>, non-zero categories only.</summary>
        public string Difference(InstructionMix other)
        {
            var parts = Categories
                .Select(c => (c, d: Counts[c] - other.Counts[c]))
                .Where(x => x.d != 0)
                .Select(x => (x.d > 0 ? "+" : "") + x.d.ToString(CultureInfo.InvariantCulture) + " " + x.c);
            string s = string.Join(", ", parts);
            return s.Length == 0 ? "same mix" : s;
        }
    }
}
