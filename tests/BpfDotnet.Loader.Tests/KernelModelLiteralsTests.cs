using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary>
    /// Opcodes, helper ids, map types and program types live in the kernel model (src/BpfDotnet.KernelModel) only:
    /// everything else names them. Fails on a numeric literal where the code generator, the object writer, the loader
    /// or the analyzers build or compare one of them.
    /// </summary>
    public class KernelModelLiteralsTests
    {
        private static readonly (string What, Regex Pattern)[] s_forbidden =
        {
            ("an opcode emitted as a number", new Regex(@"\bEmit\(\s*(\(byte\)\s*\(?\s*)?(0x[0-9a-fA-F]+|\d+)\b")),
            ("an opcode compared with a number", new Regex(@"\b[Oo]pcode\s*[!=]=\s*(0x[0-9a-fA-F]+|\d+)\b")),
            ("a helper id as a number", new Regex(@"\w*Helper\w*\s*(=|==)\s*\d+\s*[;)]|\.Call\(\s*\d+\s*,")),
            ("a map or program type as a number", new Regex(@"\b(MapType|ProgType|ProgramType|BpfMapType|BpfProgramType)\)?\s*(=|==)\s*\d+\b")),
        };

        /// <summary>In the public mirrors of the kernel's enums (BpfProgramType, BpfMapType): a member given a number.</summary>
        private static readonly Regex s_enumMemberNumber = new Regex(@"^\s*\w+\s*=\s*\d+\s*,");

        [Fact]
        public void NoOpcodeHelperIdMapTypeOrProgramTypeIsALiteralOutsideTheKernelModel()
        {
            string root = Kernel.RepoRoot;
            var offending = (from directory in new[] { "src", "analyzers", "msbuild" }
                             from file in Directory.EnumerateFiles(Path.Combine(root, directory), "*.cs", SearchOption.AllDirectories)
                             let relative = Path.GetRelativePath(root, file)
                             where !relative.StartsWith(Path.Combine("src", "BpfDotnet.KernelModel"), StringComparison.Ordinal)
                                && !relative.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                && !relative.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                             from line in File.ReadLines(file).Select((text, index) => (text, index))
                             from rule in IsTypeEnum(relative) ? s_forbidden.Append((What: "an enum member given a number", Pattern: s_enumMemberNumber)) : s_forbidden
                             where rule.Pattern.IsMatch(line.text)
                             select $"{relative}:{line.index + 1}: {rule.What}: {line.text.Trim()}").ToList();
            Assert.True(offending.Count == 0, "Literals outside the kernel model:\n" + string.Join("\n", offending));
        }

        /// <summary>The rules catch what they are for (so the test above can fail).</summary>
        [Theory]
        [InlineData("Emit(0x85, 0, 0, 0, ins.Helper);")]
        [InlineData("Emit((byte)(0x61 | size), d, b, off, 0);")]
        [InlineData("if (opcode == 0x18)")]
        [InlineData("private const int MapLookupHelper = 1;")]
        [InlineData("int r = _b.Call(14, args);")]
        [InlineData("p.ProgType = 5;")]
        public void TheRulesCatchLiterals(string line) => Assert.Contains(s_forbidden, rule => rule.Pattern.IsMatch(line));

        [Fact]
        public void TheEnumRuleCatchesANumberedMember() => Assert.Matches(s_enumMemberNumber, "        Hash = 1,");

        /// <summary>The public mirrors of the kernel's enums, whose every member must name the kernel model's.</summary>
        private static bool IsTypeEnum(string relative) => relative.EndsWith("BpfProgramType.cs", StringComparison.Ordinal) || relative.EndsWith("BpfMapType.cs", StringComparison.Ordinal);
    }
}
