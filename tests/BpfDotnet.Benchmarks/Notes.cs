using System.Collections.Generic;

namespace BpfDotnet.Benchmarks
{
    /// <summary>
    /// Why a probe is worse than clang's, from reading both disassemblies (llvm-objdump-14 -d of the C# probe's object and
    /// of the clang object). Printed in the report under the probes that are worse; update when the compiler changes.
    /// </summary>
    public static class Notes
    {
        public static readonly Dictionary<string, string> Why = new()
        {
            ["counter_array"] = "Ours stores 0 to the key slot twice (`*(u64 *)(r10 - 8) = 0` at entry, before the fd filter, then the key itself), copies the lookup result (`r1 = r0`) before testing it, and ends in two `r0 = 0; exit` tails where clang jumps to one.",
            ["counter_hash"] = "Same entry zeroing, `r1 = r0` after each call, and an explicit `w1 = w1` zero-extension of the pid that clang folds into the 32-bit store `*(u32 *)(r10 - 4) = r0`. Ours gives each map call its own key slot (the pid is stored again for `Update`) and puts the value 1 in a third slot: stack 24 vs 16.",
            ["cpu_counter"] = "Entry zeroing of the key slot, `r1 = r0` after `bpf_get_smp_processor_id` and after the lookup, and a duplicated `r0 = 0; exit`.",
            ["hash_struct"] = "`LenStats fresh = default` is stored as five 8-byte zero stores (plus one more for the key at entry) before the four fields are written again; clang drops the zeroing because every byte is overwritten. Plus `r1 = r0; w1 = w1; r7 = r1` for the tid, `r1 = r0; r8 = r1` for the lookup result, and a separate key slot for `Update` (stack 48 vs 40).",
            ["array_struct"] = "Entry zeroing of the key slot, `r1 = r0` copies after both helper calls and the lookup, an explicit `w = w` truncation of the masked index, and two `r0 = 0; exit` tails.",
            ["histogram_log2"] = "Same instruction count, but the verifier walks 3.9 times more states. Each of the six if-blocks in ours shifts into a temporary and copies back (`r3 = r1; r3 >>= 16; r1 = r3`, `w3 = w2; w3 += 16; r2 = r3`), so `v` and `r` change registers inside every block; clang turns each block into selects (`if c goto +1; mov`) that rejoin after one instruction, so the verifier finds equal states and prunes far more of the 2^6 paths.",
            ["struct_copy"] = "Ours zeroes seven stack slots (56 bytes) at entry, before the fd filter, so even filtered-out events pay for them. `TryGetValue` is materialised as a found flag (`r1 = 1` / on the miss path five more zero stores for the `out` value and `r1 = 0`, then `if r1 != 0`) where clang tests `r0` once; the field-by-field copy from the map value to the stack is the same in both. Plus `r1 = r0` and `w1 = w1` for the tid.",
            ["comm_capture"] = "Ours zeroes five slots at entry and, for `LastCall e = default`, four again after the filter; clang writes only the two comm slots that nothing else writes and stores pid/tid as one 64-bit store. Plus `r2 = r1; r2 >>= 32; w2 = w2` and `w1 = w1` for the two 32-bit halves of the pid/tid where clang uses 32-bit stores, and `r1 = r0` after each helper.",
            ["latency_enter"] = "Two zero stores at entry (key and value slots, before the fd filter), then `r1 = r0; w1 = w1; r6 = r1` to keep the tid where clang stores `r0` directly as 32 bits, and `r1 = r0` before storing the timestamp: 24 vs 16 instructions for the same helper calls.",
            ["latency_exit"] = "Three entry zero stores; the tid is stored again in a new slot for `Delete` (clang reuses its lookup key slot): stack 24 vs 8. Plus `r1 = r0; r7 = r1` style copies after each call.",
            ["filter_pid"] = "`TryGetValue(0, out uint wanted)` is materialised as a found flag and a value (`r1 = 0; r2 = 0` / `r2 = 1` joined, then `if r2 == 0` and `if r1 != r6`): four extra instructions and one extra branch compared with clang's direct `if r0 == 0`. Each lookup also gets its own key slot (stack 16 vs 8) and both slots are zeroed at entry, before the pid test.",
            ["filter_uid"] = "`r1 = r0; w1 = w1` for the uid, separate key slots for lookup and `Update` and for the value 1 (stack 24 vs 16), `r1 = r0` after the lookup and a duplicated return.",
            ["atomics"] = "Only the entry zero store of the key and the `r1 = r0` copy of the lookup result; the atomic adds themselves are the same `lock *(u64 *)(r + off) += r` instructions.",
            ["arith_mix"] = "Ours keeps every intermediate in its own register and copies it (`r6 = r2; ... r0 = r2; r0 ^= r6; r6 = r0; r2 = r6`, `w0 = w6`, `r1 = r0; r0 = r2`): about 9 extra moves where clang computes in place; explicit `r4 &= 65535` / `r1 &= 255` masks where clang uses 32-bit ops; the key and value slots are zeroed at entry.",
            ["branchy"] = "The branch structure is close to clang's; ours has the entry zero store of the key slot, `w1 = w2; w1 += 4; r2 = r1` (add into a temporary, copy back) where clang computes `w3 |= 4` in place, `r1 = r0` after the lookup and a duplicated return. Clang computes the `cls + 4` arm as a select that rejoins at once, which also keeps its verifier walk shorter (89 vs 105).",
        };
    }
}
