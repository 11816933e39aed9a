using System.Collections.Generic;

namespace BpfDotnet.Benchmarks
{
    /// <summary>
    /// Why a probe is worse than clang's, from reading the disassemblies (llvm-objdump-14 -d of the C# probe's object and
    /// of the clang-14 and clang-19 objects). Printed in the report under the probes that are worse; update when the compiler changes.
    /// </summary>
    public static class Notes
    {
        public static readonly Dictionary<string, string> Why = new()
        {
            ["counter_hash"] = "One instruction more: ours stores the pid to the key slot twice (once for the lookup, again before `Update` on the miss path, since the helper call may have clobbered nothing but the compiler does not track stack contents across calls), where clang reuses the stored key.",
            ["hash_struct"] = "The tid is stored to a key slot again before `Update`, and the struct value is built field by field in its own slot after `default` zeroing that dead-store elimination removes only within one block; clang builds the value in place.",
            ["array_struct"] = "An extra `w = w` truncation of the masked index and a move of the lookup result into a callee-saved register where clang keeps it in r0 across the field updates.",
            ["histogram_log2"] = "The verifier's work here depends on how it sees the map key. A key stored at exactly its size in an aligned slot is a constant to the verifier on each of the if-chain's 64 paths: it proves every lookup and marks the key precise, so the paths never merge (552 verified instructions). Computed keys are therefore stored as a whole 8-byte slot, which the verifier treats as data, and the paths merge at every join; constant keys keep their exact size, so a constant-key lookup is still proven and its miss path dropped. clang's own branchy output (select formation turned off) verifies in 70 instructions for the same reason: it stores the key at fp-4.",
            ["comm_capture"] = "The pid/tid halves are stored with two 32-bit stores where clang combines them with shifts into one 64-bit store, and the comm buffer is passed as `r10 - 32 + 16` (two adds) where clang folds the offset.",
            ["latency_enter"] = "One extra move: the tid is kept in a callee-saved register before the `ktime` call where clang recomputes the key slot from r0 directly.",
            ["filter_pid"] = "`TryGetValue(0, out uint wanted)` zeroes `wanted` on the miss path (C# semantics of `out`) although the probe returns there without reading it; clang has no out parameter. One more verified instruction for the same reason.",
            ["filter_uid"] = "Within noise on instructions; verified instructions differ by the order of the filter branches.",
            ["arith_mix"] = "The same count as clang-14, three more than clang-19: before the map update ours swaps r1 and r2 through r0 (three moves where clang-19 builds the key pointer in r2 directly), and it masks the shifted high half of a 32-bit value (`r4 >>= 16; r4 &= 65535`) where clang-19 shifts a 32-bit copy. Ours uses the `mod` instruction where clang-14 computes `x - x / 10 * 10` (clang-19 uses `mod` too).",
            ["loop_popcount"] = "The loop body is the same six instructions as clang's: the counter's proven range [0, 64] lets the compiler skip the shift mask C# requires (every count inside the loop is below 64) and keep the `int` counter in 64 bits with no sign extension, and the entry test of the rotated loop is folded away. The verifier walks the same 64 iterations; run time is within noise.",
            ["subprog_call"] = "`Mix` is `[MethodImpl(MethodImplOptions.NoInlining)]`, as the C twin's `mix` is `noinline`: both are one static subprogram in `.text` called twice, with the same number of instructions. The verifier walks one more of ours: our subprogram copies into r0 before its last xor (`r0 = r1; r0 ^= r2`), where clang computes the shifted value in r0 itself (`r0 = r2; r0 >>= 29; r0 ^= r2`). Without `NoInlining`, `Mix` is small enough to be inlined at both call sites.",
            ["latency_exit"] = "The same instructions, verified instructions and stack as both clang builds; any difference in run time is within the run's noise.",
        };
    }
}
