using System.Linq;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Compiler.Model
{
    /// <summary>
    /// The eBPF instruction set the compiler targets, as clang's <c>-mcpu</c>: v2 (kernel 4.14) has the
    /// unsigned and signed less-than jumps; v3 (5.1) adds 32-bit jumps (JMP32); v4 (6.6) adds sign-extending
    /// moves and loads. Chosen with the <c>BpfCpu</c> project property, which defines <c>BPFDOTNET_CPU_V2</c>,
    /// <c>BPFDOTNET_CPU_V3</c> or <c>BPFDOTNET_CPU_V4</c>; v3 when none is defined.
    /// </summary>
    public enum BpfCpu
    {
        /// <summary>No JMP32, no sign-extending moves.</summary>
        V2 = 2,
        /// <summary>JMP32 (the default, as clang's -mcpu=v3).</summary>
        V3 = 3,
        /// <summary>JMP32 and sign-extending moves (<c>movsx</c>).</summary>
        V4 = 4,
    }

    /// <summary>Reads the target CPU from a syntax tree's preprocessor symbols.</summary>
    public static class TargetCpu
    {
        /// <summary>The CPU a program in <paramref name="tree"/> is compiled for; the lowest one when several are defined.</summary>
        public static BpfCpu Of(SyntaxTree tree)
        {
            var symbols = tree.Options.PreprocessorSymbolNames.ToList();
            if (symbols.Contains("BPFDOTNET_CPU_V2")) return BpfCpu.V2;
            if (symbols.Contains("BPFDOTNET_CPU_V3")) return BpfCpu.V3;
            if (symbols.Contains("BPFDOTNET_CPU_V4")) return BpfCpu.V4;
            return BpfCpu.V3;
        }
    }

    /// <summary>The architecture whose <c>pt_regs</c> layout probes are compiled for.</summary>
    public static class TargetArchitecture
    {
        /// <summary>
        /// arm64 when the build defines <c>BPFDOTNET_ARCH_ARM64</c> (the targets do for <c>BpfTargetArchitecture=arm64</c>,
        /// or when building on arm64), x86-64 otherwise.
        /// </summary>
        internal static KernelModel.PtRegsLayout PtRegsOf(SyntaxTree tree)
            => tree.Options.PreprocessorSymbolNames.Contains("BPFDOTNET_ARCH_ARM64") ? KernelModel.PtRegsLayout.Arm64 : KernelModel.PtRegsLayout.X64;
    }
}
