using System.Collections.Generic;

namespace BpfDotnet.Compiler.Tests.Differential
{
    /// <summary>
    /// Hand-written probes: each mismatch the generated corpus ever found, reduced, plus the cases where eBPF
    /// and C# differ (signed division, shifts by the width or more, wrap-around at every width).
    /// </summary>
    public static class HandWrittenCorpus
    {
        private static string Probe(string name, string body) =>
            $"    [BpfProgram, Section(\"raw_tp/{name}\")]\n    public static int {name}(ref RawTracepointArgs ctx)\n    {{\n" +
            "        byte a0 = unchecked((byte)ctx.Arg0); int a1 = unchecked((int)ctx.Arg1); ulong a2 = ctx.Arg2;\n" +
            "        uint v0 = unchecked((uint)ctx.Arg2); long l = unchecked((long)ctx.Arg0); short s = unchecked((short)ctx.Arg1);\n" +
            $"        {body}\n    }}\n";

        public static List<string> Probes() => new List<string>
        {
            // Compound assignment whose right side branches: Roslyn captures the target; the store must reach the local.
            Probe("h_capture_shift", "v0 <<= unchecked((int)(((a0 <= 5) ? ((int)a0) : ((int)a1)))); Out.Update(0, v0); return 0;"),
            Probe("h_capture_add", "a1 += a0 > 100 ? 3 : s; l -= a1 < 0 ? l : 9; Out.Update(0, l + a1); return a1;"),
            Probe("h_capture_postfix", "long x = a1++ + (a0 > 7 ? a1 : -a1); Out.Update(0, x * 31 + a1); return 0;"),
            // Values of conditions.
            Probe("h_bool_value", "bool c = a1 > 3 && a0 < 100; bool d = c || a2 == 7; Out.Update(0, (c ? 1 : 2) + (d ? 10 : 20)); return c ? 1 : 0;"),
            Probe("h_nested_conditional", "long x = a1 > 0 ? (a0 > 9 ? a1 : a0) : (l < 0 ? l : -l); Out.Update(0, x); return 0;"),
            Probe("h_early_returns", "if (a1 > 0 || !(a0 >= 3)) { Out.Update(0, 5); return 55; } if (l == 0) return 3; Out.Update(0, 1); return 1;"),
            // Signed division and remainder by constants truncate toward zero, at every width.
            Probe("h_sdiv_long", "Out.Update(0, unchecked(l / 3 + l % 3 * 1000 + l / -7 * 7 + l % -7)); return unchecked((int)(l / 1000000007L));"),
            Probe("h_sdiv_int", "Out.Update(0, a1 / 10 + a1 % 10 * 100 + s / 3 + s % 4); return a1 / -2;"),
            Probe("h_sdiv_min", "long m = a0 > 128 ? long.MinValue : l; int i = a0 > 128 ? int.MinValue : a1; Out.Update(0, unchecked(m / 2 + m % 5 + i / 3 + i % 7)); return i / 16;"),
            Probe("h_udiv_big", "Out.Update(0, unchecked((long)(a2 / 3000000000UL + a2 % 4294967296UL + v0 / 4000000000u))); return 0;"),
            // Shifts by the width or more are masked as C# masks them.
            Probe("h_shift_wide", "int n = a0; Out.Update(0, unchecked((long)(v0 << n) + (a1 >> n) + (l << n) + (long)(a2 >> n) + (l >>> 65))); return unchecked(a1 << 33);"),
            // Wrap-around and conversions at every width.
            Probe("h_wrap", "sbyte b = unchecked((sbyte)(a0 + 200)); ushort u = unchecked((ushort)(s * s)); Out.Update(0, unchecked(b * 1000000L + u + (long)(uint)(a1 * a1) + (int.MaxValue + a1))); return unchecked(-a1);"),
            // Bounded loops, with break and continue.
            Probe("h_loop_sum", "long sum = 0; for (int i = 0; i < 16; i++) { sum += (long)(a2 >> i) & 0xff; } Out.Update(0, sum); return 0;"),
            Probe("h_loop_break", "int found = -1; for (int i = 0; i < 64; i++) { if (((a2 >> i) & 1) != 0) { found = i; break; } } Out.Update(0, found); return found;"),
            Probe("h_loop_continue", "long odd = 0; for (uint i = 0; i < 40; i += 3) { if ((i & 1) == 0) continue; odd = odd * 31 + i + a0; } Out.Update(0, odd); return 0;"),
            Probe("h_loop_down", "ulong x = a2; int n = 0; for (int i = 63; i >= 0; i--) { if ((x & (1UL << i)) != 0) n++; } Out.Update(0, n); return n;"),
            Probe("h_loop_log2", "ulong v = a2; int log = 0; for (int i = 0; i < 64; i++) { if (v <= 1) break; v >>= 1; log++; } Out.Update(0, log); return log;"),
            Probe("h_loop_nested", "long acc = 0; for (byte i = 0; i < 5; i++) { for (short j = -3; j < 4; j++) { acc += i * j * (long)a1; } } Out.Update(0, acc); return 0;"),
            // Counter ranges: shifts by a counter below the width skip the mask, above it keep it; sums of counters stay canonical.
            Probe("h_counter_shift", "long acc = 0; for (int i = 0; i < 40; i++) { acc ^= unchecked((a1 << i) + (long)(v0 >> i) + (l >> i)); } for (int j = 0; j < 32; j++) acc += (uint)(v0 << j) >> 28; Out.Update(0, acc); return 0;"),
            Probe("h_counter_negative", "long acc = 0; for (sbyte k = -100; k < 100; k += 7) { acc = acc * 3 + (k + 1) + (sbyte)(k - 28) + (a0 >> (k & 7)); } for (ushort u = 65530; u >= 4099; u -= 4099) acc += u + 7; Out.Update(0, acc); return 0;"),
            Probe("h_counter_truncate", "long acc = a0; for (int i = 0; i < 300; i += 1) { acc = acc * 5 + (byte)(i + 3) + (sbyte)(i - 7) + (ushort)(i - 1); } Out.Update(0, acc); return (byte)(a1 + 1);"),
            // Comparisons of freshly computed 32-bit values: JMP32 on the low half (v3+), no extension.
            Probe("h_narrow_compare", "int r = 0; if (unchecked(a1 * 3 + 1) > 100) r += 1; if (unchecked((int)(l >> 3)) < -5) r += 2; if (unchecked((uint)a2 + v0) >= 0x8000_0000u) r += 4; " +
                "if (unchecked((short)(s + a0)) == -2) r += 8; if (unchecked(a1 - 7) != (int)v0) r += 16; Out.Update(0, r); return r;"),
            // Counters stepped by multiplying, dividing and shifting (and wrapping, as C# wraps a narrow counter).
            Probe("h_loop_steps", "long acc = 0; for (uint i = 1u << 20; i != 0; i >>= 1) acc += i ^ a0; for (int i = 1; i < 5000; i *= 3) acc = unchecked(acc * 7 + i); " +
                "for (int i = 100; i > 0; i -= 7) acc += i * a1; for (long i = -1000; i < -1; i >>= 1) acc ^= i; for (long i = -1 << 40; i != 0; i <<= 3) acc += i >> 30; int j = 1; while (j < 4096) { acc += j; j = j << 2; } " +
                "for (sbyte b = 1; b != 0; b <<= 1) acc = unchecked(acc * 3 + b); ulong u = 1; do { acc += (long)(u & a2); u *= 5; } while (u < 1000000); Out.Update(0, acc); return 0;"),
            Probe("h_loop_while", "int i = 0; long acc = 0; while (i < 24) { acc = acc * 3 + ((long)(a2 >> i) & 7); i += 2; } Out.Update(0, acc); return i;"),
            Probe("h_loop_do", "long acc = l; uint k = 10; do { if ((acc & 1) == 0) acc >>= 1; else acc = acc * 3 + 1; k--; } while (k > 0); Out.Update(0, acc); return (int)k;"),
            // Loops whose bound only the IR's facts show: a counter tested in a break, stepped mid-body, a limit in a local.
            Probe("h_loop_break_counter", "int i = 0; long acc = l; while (true) { if (i >= 10) break; acc = acc * 3 + (long)((a2 >> i) & 1); i++; } Out.Update(0, acc); return i;"),
            Probe("h_loop_no_condition", "long acc = 0; for (int i = 0; ; i++) { if (i == 20) break; acc += (long)(a2 >> i) & 3; } Out.Update(0, acc); return 0;"),
            Probe("h_loop_step_mid_body", "int i = 0; long acc = a1; while (i < 100) { i += 7; acc ^= (long)i * a0; } Out.Update(0, acc); return i;"),
            Probe("h_loop_local_limit", "int n = 12; n += a0 > 300 ? 1 : 0; long acc = 0; for (int i = 0; i < n; i++) acc += a0 ^ i; Out.Update(0, acc); return n;"),
            Probe("h_loop_multiplied_exit", "long acc = 0; uint k = 1; while (true) { acc += k ^ a0; k *= 3; if (k > 50000) break; } Out.Update(0, acc); return (int)k;"),
            Probe("h_loop_do_step_first", "int i = 40; long acc = l; do { i -= 3; acc = unchecked(acc * 5 + i); } while (i > 0); Out.Update(0, acc); return i;"),
            Probe("h_loop_and_bound", "ulong v = a2; int n = 0; for (int i = 0; i < 64 && v != 0; i++) { v &= v - 1; n++; } int j = 0; while (j < 32 && (a1 >> j) != 0) j++; Out.Update(0, n * 100 + j); return n;"),
            // switch statements and expressions, constant and relational patterns.
            Probe("h_switch_statement", "long r; switch (a0 & 7) { case 0: r = 10; break; case 1: case 2: r = a1; break; case 5: r = -l; break; default: r = 99; break; } Out.Update(0, r); return (int)r;"),
            Probe("h_switch_expression", "long r = a1 switch { < -1000 => 1, >= -1000 and < 0 => 2, 0 => 3, > 0 and <= 255 => 4, not 4096 => 5, _ => 6 }; Out.Update(0, r); return (int)r;"),
            Probe("h_switch_or", "int r = a0 switch { 1 or 3 or 5 => a1, > 200 => -a1, _ => 7 }; Out.Update(0, r); return r;"),
            Probe("h_switch_when", "long r; switch (s) { case > 0 when a0 > 100: r = 1; break; case > 0: r = 2; break; case < -5: r = 3; break; default: r = 4; break; } Out.Update(0, r); return 0;"),
            Probe("h_is_pattern", "bool small = a2 is < 1000 or > 0xffff_ffff_0000_0000UL; bool mid = a1 is >= -5 and <= 5 and not 0; Out.Update(0, (small ? 1 : 0) + (mid ? 2 : 0)); return a0 is 0x7f ? 1 : 0;"),
            // Calls to the user's own methods, inlined: by-value, ref and out parameters, nesting, loops, struct arguments.
            Probe("h_call_simple", "Out.Update(0, Mix(l, a1) + Clamp(a1, -5, 5)); return Clamp(a0, 10, 20);"),
            Probe("h_call_ref", "long total = a0; Bump(ref total, l); Bump(ref total, a1); Fill(out Pair p, total); Out.Update(0, SumPair(p) + total); return p.B;"),
            Probe("h_call_nested", "Out.Update(0, Nested(l) ^ Nested(a1)); return Log2(a2);"),
            Probe("h_call_context", "Out.Update(0, (long)(First(ref ctx) + Third(in ctx))); return 0;"),
            Probe("h_call_statement", "long x = l; for (int i = 0; i < 4; i++) { x = Mix(x, i); Bump(ref x, a0); } Out.Update(0, x); return 0;"),
            // Interlocked operations compile to atomic instructions, 64- and 32-bit.
            Probe("h_interlocked_long", "ref long slot = ref Out.GetValueRefOrNullRef(0); if (Unsafe.IsNullRef(ref slot)) return 1; slot = l; " +
                "long a = Interlocked.Exchange(ref slot, a1); long b = Interlocked.CompareExchange(ref slot, 77, a1); long c = Interlocked.CompareExchange(ref slot, 5, 12345); " +
                "long d = Interlocked.And(ref slot, unchecked((long)a2)); long e = Interlocked.Or(ref slot, 0x100); long f = Interlocked.Add(ref slot, 3); long g = Interlocked.Decrement(ref slot); " +
                "Interlocked.Increment(ref slot); Interlocked.Add(ref slot, s); slot ^= unchecked(a * 3 + b * 5 + c * 7 + d * 11 + e * 13 + f * 17 + g * 19); return unchecked((int)slot);"),
            Probe("h_interlocked_int", "ref int slot = ref Ints.GetValueRefOrNullRef(1); if (Unsafe.IsNullRef(ref slot)) return 1; slot = a1; " +
                "int a = Interlocked.Exchange(ref slot, s); int b = Interlocked.CompareExchange(ref slot, -9, s); int c = Interlocked.CompareExchange(ref slot, a1, 4); " +
                "int d = Interlocked.And(ref slot, unchecked((int)v0)); int e = Interlocked.Or(ref slot, -256); int f = Interlocked.Add(ref slot, a0); " +
                "Out.Update(0, unchecked(slot + a * 3L + b * 5L + c * 7L + d * 11L + e * 13L + f * 17L)); return slot;"),
            // Byte swaps.
            Probe("h_reverse_endianness", "Out.Update(0, BinaryPrimitives.ReverseEndianness(l) ^ BinaryPrimitives.ReverseEndianness(a1) ^ BinaryPrimitives.ReverseEndianness(s) " +
                "^ BinaryPrimitives.ReverseEndianness((ushort)s) ^ BinaryPrimitives.ReverseEndianness(v0) ^ (long)BinaryPrimitives.ReverseEndianness(a2) ^ BinaryPrimitives.ReverseEndianness(a0)); " +
                "return BinaryPrimitives.ReverseEndianness(a1);"),
            // Task names compared with UTF-8 literals; constant indexes.
            Probe("h_comm", "Bpf.GetCurrentComm(out TaskComm c); long r = (c.Is(\"testhost\"u8) ? 1 : 0) + (c.StartsWith(\".NET\"u8) ? 2 : 0) + (c.StartsWith(\"\"u8) ? 4 : 0) " +
                "+ (c.Is(\"a-name-too-long-for-comm\"u8) ? 8 : 0) + c[0] * 16L + c[1] * 4096L + c[15] * 1048576L; Out.Update(0, r); return c[2];"),
            Probe("h_comm_built", "TaskComm c = default; c[0] = (byte)'s'; c[1] = (byte)'h'; c[2] = a0; long r = (c.Is(\"sh\"u8) ? 1 : 0) + (c.StartsWith(\"sh\"u8) ? 2 : 0) " +
                "+ (c.Is(\"sh\\u007f\"u8) ? 4 : 0); Out.Update(0, r); return 0;"),
            // Static fields: readonly ones in .rodata, mutable ones in .bss/.data.
            Probe("h_globals", "Counter = l; Counter += a1 * Scale; Seeded = a0 + Bias; Seeded++; Interlocked.Add(ref Counter, Seeded); Out.Update(0, Counter ^ Seeded); return unchecked((int)(Scale + Bias));"),
            // Nested structs, inline arrays, explicit layouts and enums.
            Probe("h_structs", "Outer o = default; o.Tag = a0; o.Inner.A = l; o.Inner.B = a1; o.Values[0] = l; o.Values[1] = a1; o.Values[3] = o.Values[0] + o.Values[1]; " +
                "o.Tail = s; Outer copy = o; copy.Values[2] = copy.Tail; Out.Update(0, copy.Values[3] ^ copy.Values[2] ^ copy.Inner.A ^ copy.Tag ^ SumPair(copy.Inner)); return copy.Tag;"),
            Probe("h_overlay", "Overlay v = default; v.Whole = a2; uint high = v.High; v.Low = (ushort)a1; Out.Update(0, unchecked((long)(v.Whole + high + v.Low))); return (int)high;"),
            Probe("h_enum", "Kind k = a0 > 128 ? Kind.Write : a0 > 5 ? Kind.Read : Kind.None; Kind j = (Kind)a0; Out.Update(0, (long)k * 1000 + (j == Kind.Read ? 1 : 0) + (long)(k | j)); return (int)k;"),
            Probe("h_negate_min", "int i = a0 > 128 ? int.MinValue : a1; long m = a0 > 100 ? long.MinValue : l; Out.Update(0, unchecked(-m + (-i))); return unchecked(-i);"),
            // BPF-to-BPF calls: scalars in R1-R5, pointers for ref/out/struct arguments, nesting, maps and globals in callees.
            Probe("h_sub_scalar", "Out.Update(0, SubMix(l, a1, a0) + SubFive(l, a1, s, a0, (long)v0)); return SubIsSmall(a1) ? 1 : 0;"),
            Probe("h_sub_ref", "long t = a0; SubBump(ref t, l); SubBump(ref t, a1); Pair p; p.A = l; p.B = a1; long r = SubPair(p, out int b); Out.Update(0, unchecked(r + t + p.A + b)); return b;"),
            Probe("h_sub_nested", "Out.Update(0, SubNested(l) ^ SubLog2(a2)); return unchecked((int)SubContext(ref ctx, a0 & 1));"),
            Probe("h_sub_map", "SubStore(unchecked(l * 7 + a1)); return SubGlobal(a1 & 0xff);"),
            Probe("h_sub_loop", "long x = l; for (int i = 0; i < 6; i++) { x = SubMix(x, i, a0); if (SubIsSmall((int)(x & 31))) x ^= a1; } Out.Update(0, x); return 0;"),
            // Pointers in unsafe code, fixed buffers, ref returns.
            Probe("h_ptr_local", "unsafe { long x = l; long* p = &x; *p += a1; int y = a1; int* q = &y; q[0] = unchecked(q[0] * 3); Out.Update(0, unchecked(x + y + *p)); return *q; }"),
            Probe("h_ptr_struct", "unsafe { Pair pr = default; Pair* p = &pr; p->A = l; p->B = a1; (*p).A += 3; long* f = &p->A; *f ^= a0; Pair* same = p + 1 - 1; Out.Update(0, unchecked(pr.A + pr.B + same->A)); return p->B; }"),
            Probe("h_fixed_buffer", "unsafe { Buf b = default; for (int i = 0; i < 16; i++) b.Bytes[i] = unchecked((byte)(a2 >> (i * 4))); byte* p = b.Bytes; long acc = 0; " +
                "for (int i = 0; i < 16; i++) acc = unchecked(acc * 7 + p[i] + *(p + (i & 7))); Out.Update(0, acc + b.Bytes[a0 & 15]); return b.Bytes[3]; }"),
            Probe("h_ref_return", "long x = l; long y = a1; Larger(ref x, ref y) += 100; ref long r = ref Larger(ref x, ref y); r ^= a0; Out.Update(0, unchecked(x * 3 + y)); return (int)(Larger(ref x, ref y) & 0xffff);"),
            // Span<T> over stackalloc, indexed by constants and loop counters.
            Probe("h_span_bytes", "Span<byte> b = stackalloc byte[16]; for (int i = 0; i < 16; i++) b[i] = unchecked((byte)(a2 >> (i * 4))); long acc = b.Length; " +
                "for (int i = 0; i < 16; i++) acc = unchecked(acc * 5 + b[i]); b[3] += a0; Out.Update(0, acc + b[3]); return b[15];"),
            Probe("h_span_longs", "Span<long> w = stackalloc long[4]; w[0] = l; w[1] = a1; w[2] = w[0] ^ w[1]; for (int i = 0; i < 3; i++) w[3] += unchecked(w[i] * (i + 1)); Out.Update(0, w[3]); return (int)(w[2] & 0xff);"),
            Probe("h_span_views", "ref Quad q = ref Quads.GetValueRefOrNullRef(1); if (Unsafe.IsNullRef(ref q)) return 1; Span<long> v = q; for (int i = 0; i < 4; i++) v[i] = unchecked(l * (i + 3) + a1); " +
                "Four f = default; Span<long> w = f; w[2] = v[1] ^ v[3]; Out.Update(0, unchecked(v[0] + q[3] + f[2] + w.Length)); return (int)(v[2] & 0xff);"),
            Probe("h_span_compare", "Span<byte> b = stackalloc byte[8]; for (int i = 0; i < 8; i++) b[i] = (byte)(0x61 + ((a2 >> (i * 3)) & 1)); Buf raw = default; " +
                "unsafe { raw.Bytes[0] = (byte)(0x61 + (a0 & 1)); raw.Bytes[1] = 0x62; } int r = 0; if (b.StartsWith(\"aba\"u8)) r += 1; if (b.SequenceEqual(\"aaaaaaaa\"u8)) r += 2; " +
                "if (b.SequenceEqual(\"abc\"u8)) r += 4; if (b.StartsWith(\"aaaaaaaaa\"u8)) r += 8; Six six = default; six[0] = (byte)(0x61 + (a0 & 1)); six[1] = 0x62; Span<byte> view = six; " +
                "if (view.StartsWith(\"ab\"u8)) r += 16; if (view.SequenceEqual(\"ab\0\0\0\0\"u8)) r += 32; Out.Update(0, r); return r;"),
            Probe("h_span_arguments", "Span<byte> b = stackalloc byte[8]; FillSpan(b, a0); b[2] ^= unchecked((byte)a1); Out.Update(0, SumSpan(b) + (IsGet(b) ? 1000 : 0)); return b.Length;"),
            Probe("h_span_literal", "ReadOnlySpan<byte> key = \"GET /index\"u8; long acc = key.Length; for (int i = 0; i < 10; i++) acc = unchecked(acc * 31 + (key[i] ^ a0)); " +
                "Out.Update(0, acc); return IsGet(key) ? 1 + key[a0 & 7] : 0;"),
            Probe("h_large_callee", "Out.Update(0, Scramble(l, a1) ^ Scramble(unchecked((long)a2), s)); return (int)(Scramble(a0, a1) & 0xffff);"),
            // Division by variables: compiled only where a test rules out a zero divisor (and -1 where the dividend can be MinValue).
            Probe("h_vdiv_unsigned", "ulong d = a2 >> 61; ulong q = d != 0 ? unchecked((ulong)l) / d : 99; uint w = v0 & 3; if (w == 0) { Out.Update(0, unchecked((long)q)); return 1; } " +
                "Out.Update(0, unchecked((long)(q + v0 / w + v0 % w))); return (int)(v0 % w);"),
            Probe("h_vdiv_signed", "long d = (long)(a2 & 7) - 3; long m = a0 > 200 ? long.MinValue : l; long r = 0; if (d > 0) r = m / d + m % d; else if (d < -1) r = unchecked(m / d * 1000 + m % d); " +
                "Out.Update(0, r); int i = a0 > 128 ? int.MinValue : a1; int e = (int)(a2 >> 62) - 2; return e != 0 && e != -1 ? i / e + i % e : 7;"),
            Probe("h_vdiv_narrow", "short t = (short)(s >> 14); int q = 0; if (t != 0) q = s / t * 100000 + s % t; byte b = (byte)(a1 & 3); if (b == 0) return q; " +
                "Out.Update(0, q + a0 / b + a0 % b); return a0 % b;"),
            Probe("h_vdiv_patterns", "long d = unchecked((long)(a2 % 5)) - 2; if (d is 0 or -1) return 9; long q = l / d; for (int k = 3; k > 0; k--) q = unchecked(q + l / k); " +
                "Out.Update(0, q + (d is > 0 ? l % d : 0)); return (int)(l % d);"),
            Probe("h_vdiv_fields", "Pair p = default; p.B = (int)(a2 & 3) - 1; p.A = l; long x = unchecked((long)a2); if (p.B > 0) x /= p.B; int y = p.B != 0 && p.B != -1 ? a1 % p.B : -5; " +
                "Out.Update(0, x + y + SafeRatio(l, unchecked((long)(a2 >> 62)) - 1)); return y;"),
            Probe("h_vdiv_subprogram", "Out.Update(0, Ratio(l, (long)(a2 & 3) - 1) + Ratio(unchecked((long)a2), a1 >> 30)); return (int)Ratio(a1, s >> 14);"),
            // Spans passed to BPF-to-BPF subprograms: a pointer to the elements; the callee is compiled once per span length.
            Probe("h_span_subprogram", "Span<byte> b = stackalloc byte[8]; for (int i = 0; i < 8; i++) b[i] = unchecked((byte)(a2 >> (i * 8))); Span<long> v = stackalloc long[4]; " +
                "FillLongs(v, l); ReadOnlySpan<byte> key = \"ab\"u8; Out.Update(0, Digest8(b, a1) ^ v[3] ^ Digest2(key, s)); return (int)(Digest8(b, 7) & 0xffff) + (int)v[1];"),
            Probe("h_span_subprogram_map", "ref Quad q = ref Quads.GetValueRefOrNullRef(0); if (Unsafe.IsNullRef(ref q)) return 1; Span<long> v = q; FillLongs(v, unchecked(l + a1)); " +
                "Out.Update(0, v[0] + v[3]); return (int)(v[2] & 0xff);"),
            // span.Length bounds loops: over locals, and over span parameters of inlined methods and of subprograms (one per length).
            Probe("h_span_length_loops", "Span<int> w = stackalloc int[6]; for (int i = 0; i < w.Length; i++) w[i] = unchecked(a1 * (i + 1)); int j = 0; long acc = w[5]; " +
                "while (j < w.Length) { acc = unchecked(acc * 5 + j); j++; } Span<long> v = stackalloc long[3]; v[1] = l; ScaleAll(v, s); " +
                "Span<byte> b = stackalloc byte[5]; b[4] = a0; Out.Update(0, acc ^ v[1] ^ SumBytes(b) ^ SumBytes(\"abc\"u8)); return (int)(SumBytes(b) & 0xffff);"),
            Probe("h_span_length_map", "ref Quad q = ref Quads.GetValueRefOrNullRef(2); if (Unsafe.IsNullRef(ref q)) return 1; Span<long> v = q; ScaleAll(v, 3); v[0] = unchecked(v[0] + a1); " +
                "Out.Update(0, v[0] ^ v[3]); return (int)(v[1] & 0xfff);"),
            // Integer methods of Math and BitOperations, at every width, against .NET's own results.
            Probe("h_math_minmax", "long acc = Math.Min(l, a1); acc = unchecked(acc * 131 + (long)Math.Max(a2, (ulong)v0)); acc = unchecked(acc * 131 + Math.Min(s, (short)a0)); " +
                "acc = unchecked(acc * 131 + Math.Max(a0, (byte)77) + Math.Min(v0, 1000u) + Math.Max(a1, -5) + Math.Min(unchecked((sbyte)a1), (sbyte)-3)); " +
                "acc = unchecked(acc * 131 + Math.Clamp(a1, -100, 1000) + Math.Clamp(v0, 5u, 77u) + Math.Clamp(l, long.MinValue, 0) + Math.Sign(l) * 3 + Math.Sign(a1) + Math.Sign(s) * 7); " +
                "Out.Update(0, acc); return Math.Max(Math.Min(a1, 9), -9);"),
            Probe("h_math_abs", "long acc = Math.Abs((long)a1) + Math.Abs((int)s); if (s > short.MinValue) acc += Math.Abs(s); if (l != long.MinValue) acc = unchecked(acc * 31 + Math.Abs(l)); " +
                "int i = a1; acc = unchecked(acc * 31 + (i > int.MinValue ? Math.Abs(i) : -1)); Out.Update(0, acc); return Math.Abs((int)unchecked((sbyte)a0));"),
            Probe("h_bit_operations", "long acc = BitOperations.PopCount(a2) + BitOperations.PopCount(v0) * 100; acc = unchecked(acc * 131 + BitOperations.Log2(a2) + BitOperations.Log2(v0) * 64); " +
                "acc = unchecked(acc * 131 + BitOperations.LeadingZeroCount(a2) + BitOperations.LeadingZeroCount(v0) * 65); " +
                "acc = unchecked(acc * 131 + BitOperations.TrailingZeroCount(a2) + BitOperations.TrailingZeroCount(a1) * 65 + BitOperations.TrailingZeroCount(l) * 4000 + BitOperations.TrailingZeroCount(v0) * 9); " +
                "acc = unchecked(acc * 7 + (BitOperations.IsPow2(a1) ? 1 : 0) + (BitOperations.IsPow2(a2) ? 2 : 0) + (BitOperations.IsPow2(l) ? 4 : 0) + (BitOperations.IsPow2(v0) ? 8 : 0)); " +
                "acc = unchecked(acc * 131 + BitOperations.RotateLeft(v0, a1) + (long)BitOperations.RotateRight(a2, 13) + (long)BitOperations.RotateLeft(a2, a0) + BitOperations.RotateRight(v0, 0)); " +
                "Out.Update(0, acc); return BitOperations.Log2((uint)a0) + BitOperations.PopCount((ulong)l) * 8;"),
            // foreach over spans: locals (by value and by ref), a u8 literal local, a view of a map value, span parameters, break and continue.
            Probe("h_foreach_span", "Span<int> w = stackalloc int[5]; int k = 0; foreach (ref int x in w) { k++; x = unchecked(a1 * k + s); } long acc = 0; " +
                "foreach (int x in w) { if (x == 0) continue; acc = unchecked(acc * 7 + x); if (acc > 1000000 && a0 > 200) break; } ReadOnlySpan<byte> h = \"hello\"u8; " +
                "foreach (byte c in h) acc = unchecked(acc * 31 + (c ^ a0)); Span<byte> b = stackalloc byte[6]; b[5] = a0; b[0] = (byte)s; " +
                "Out.Update(0, unchecked(acc + SumEach(b) * 3 + SumEachCalled(b) + SumEachCalled(h))); return k;"),
            Probe("h_foreach_map", "ref Quad q = ref Quads.GetValueRefOrNullRef(3); if (Unsafe.IsNullRef(ref q)) return 1; Span<long> v = q; foreach (ref long e in v) e = unchecked(e * 3 + a1); " +
                "long acc = 0; foreach (long e in v) acc ^= e; Out.Update(0, acc); return (int)(acc & 0xfff);"),
            // Struct constructors: inlined with 'this' bound to the new value (fields left unassigned are zero, as in C#).
            Probe("h_struct_constructors", "Point3 p = new Point3(a1, l); Point3 q = new Point3(unchecked((long)a2)); long acc = unchecked(p.X + p.Y * 3 + p.Z + q.X + q.Y * 7 + q.Z); " +
                "p = new Point3(s, a0); acc = unchecked(acc * 31 + p.X + p.Y + p.Z); acc = unchecked(acc * 31 + Weigh(new Point3(a0, s))); Out.Update(0, acc); return p.Z;"),
            Probe("h_constructor_map_value", "Points.Update(0, new Point3(a1, l)); ref Point3 pt = ref Points.GetValueRefOrNullRef(0); if (Unsafe.IsNullRef(ref pt)) return 1; " +
                "pt.Y += 3; Out.Update(0, unchecked(pt.X + pt.Y * 5 + pt.Z)); return pt.Z;"),
            Probe("h_integer_statics", "long acc = int.Max(a1, -9) + long.Min(l, 77) + uint.Clamp(v0, 3u, 99u) + (s > short.MinValue ? short.Abs(s) : 0) + int.Sign(a1) + sbyte.Max(unchecked((sbyte)a0), (sbyte)-4); " +
                "acc = unchecked(acc * 131 + int.PopCount(a1) + (long)ulong.LeadingZeroCount(a2) + (long)ulong.TrailingZeroCount(a2) * 70 + int.LeadingZeroCount(a1) * 5000 + int.TrailingZeroCount(a1) * 3); " +
                "acc = unchecked(acc * 131 + int.RotateLeft(a1, a0) + (long)uint.RotateRight(v0, 7) + long.RotateLeft(l, 9) + (int.IsPow2(a1) ? 1 : 0) + (long)uint.Log2(v0) + (long)ulong.Log2(a2) * 64); " +
                "Out.Update(0, acc); return int.RotateRight(a1, 3);"),
            // Slices with constant bounds, index from end, Clear/Fill/CopyTo/TryCopyTo (overlapping too), IsEmpty.
            Probe("h_span_slices", "Span<byte> b = stackalloc byte[16]; for (int i = 0; i < 16; i++) b[i] = unchecked((byte)((a2 >> (i * 4)) ^ (ulong)i)); " +
                "Span<byte> mid = b.Slice(4, 8); Span<byte> tail = b[12..]; ReadOnlySpan<byte> head = b[..4]; " +
                "long acc = mid[0] + mid[7] * 256 + tail[^1] + head[^4] * 7 + tail.Length * 1000 + (b.IsEmpty ? 1 : 0) + b.Slice(10)[1] * 3; " +
                "mid.Slice(2, 2).Clear(); tail.Fill(a0); Span<byte> copy = stackalloc byte[16]; b.CopyTo(copy); b[1..9].CopyTo(b[0..8]); b[0..8].CopyTo(b[4..12]); " +
                "bool ok = b.TryCopyTo(copy[..8]); b[^2] = 9; foreach (byte x in b) acc = unchecked(acc * 31 + x); foreach (byte x in copy) acc = unchecked(acc * 7 + x); " +
                "Out.Update(0, acc); return (int)SumEach(b[3..7]) + (ok ? 1 : 0);"),
            Probe("h_span_slices_map", "ref Quad q = ref Quads.GetValueRefOrNullRef(4); if (Unsafe.IsNullRef(ref q)) return 1; Span<long> v = q; v[1..3].Fill(unchecked(l + v[0])); v[0] = a1; " +
                "v[..2].CopyTo(v[2..]); Span<long> w = stackalloc long[8]; w.Fill(-1); v.CopyTo(w[3..7]); long acc = 0; foreach (long x in w) acc = unchecked(acc * 131 + x); " +
                "Out.Update(0, acc); return (int)(v[^1] & 0xfff);"),
            // Span locals initialised with elements: stackalloc T[] { ... }, stackalloc[] { ... }, collection expressions.
            Probe("h_span_initializers", "ReadOnlySpan<byte> table = [3, 1, 4, 1, 5, 9, 2, 6]; Span<long> w = stackalloc long[] { l, a1, -3, s }; Span<int> u = stackalloc[] { a1, 7, a0 }; " +
                "Span<short> z = [s, (short)a0, -1]; long acc = table[a0 & 7]; foreach (long x in w) acc = unchecked(acc * 31 + x); foreach (int x in u) acc = unchecked(acc * 7 + x); " +
                "foreach (short x in z) acc = unchecked(acc * 5 + x); w[1] += table[3]; Out.Update(0, unchecked(acc + w[1])); return table[a1 & 7];"),
            // Deconstruction of tuple literals: all values read before any variable is written (a swap swaps).
            Probe("h_deconstruction", "var (x, y) = (l, a1 + 1L); (x, y) = (y, x); int p = s, q = a0; (p, q) = (q * 2, p - 1); var (m, _, n) = (a0, 5, (short)a1); " +
                "(x, p) = (a1 > 0 ? p : 7, unchecked((int)x)); Out.Update(0, unchecked(x * 31 + y * 7 + p * 3 + q + m + n)); return p;"),
            // Static local functions, inlined like methods (by value and ref parameters, nested ones).
            Probe("h_local_functions", "long acc = Mix(l, a1); acc = Mix(acc, Bucket(a2)); Bump(ref acc, s); Out.Update(0, acc); return Bucket((ulong)a0) + Nested(a1); " +
                "static long Mix(long v, int k) => unchecked(v * 31 + k); static int Bucket(ulong v) { int r = 0; if (v > 100) r = 1; if (v > 10000) r = 2; return r; } " +
                "static void Bump(ref long x, int by) { x = unchecked(x + by); } static int Nested(int v) { return Inner(v) + 1; static int Inner(int w) => w ^ 5; }"),
            Probe("h_local_functions_plain", "int Square(int v) { int r = unchecked(v * v); return r; } long Pick(long a, long b) => a > b ? a : b; Out.Update(0, Pick(l, Square(s))); return Square(a0);"),
            // Members of the user's structs: auto-properties (in a map value, where BTF names them after the property),
            // properties with accessor bodies, instance methods that read or change 'this'.
            Probe("h_struct_members", "Tally t = default; t.Add(a1); t.Add(s); t.Total -= 5; long acc = unchecked(t.Count * 1000 + t.Last + t.Total * 3 + t.Mean + (t.Above(100) ? 7 : 0)); " +
                "ref Tally m = ref Tallies.GetValueRefOrNullRef(1); if (Unsafe.IsNullRef(ref m)) return 1; m.Add(a0); m.Count += 2; " +
                "Out.Update(0, unchecked(acc * 31 + m.Count * 5 + m.Total + m.Last)); return m.Above(a1) ? 1 : 0;"),
            // Methods that return a struct by value (static and instance), into locals, fields reads and map values.
            Probe("h_struct_returns", "Point3 a = MakePoint(a1, l); long acc = unchecked(a.X + a.Y * 3 + a.Z); acc = unchecked(acc * 31 + MakePoint(s, 3).Y + a.Doubled().X + a.Doubled().Doubled().Z); " +
                "Points.Update(1, MakePoint(a0, l)); ref Point3 p = ref Points.GetValueRefOrNullRef(1); if (Unsafe.IsNullRef(ref p)) return 1; MakePoint(1, 2); " +
                "Out.Update(0, unchecked(acc * 7 + p.X + p.Y + p.Z)); return p.Z;"),
            // Enum.HasFlag (a mask test, no boxing) and char values.
            Probe("h_hasflag_char", "Perm p = (Perm)(a0 & 7); Perm q = (Perm)(a1 & 7); long acc = (p.HasFlag(Perm.W) ? 1 : 0) + (p.HasFlag(Perm.R | Perm.X) ? 10 : 0) + (p.HasFlag(Perm.None) ? 100 : 0) + (p.HasFlag(q) ? 1000 : 0); " +
                "char c = (char)(a1 & 0xffff); Span<char> cs = stackalloc char[3]; cs[0] = c; cs[1] = 'z'; cs[2] = (char)(c + 1); " +
                "acc = unchecked(acc * 31 + c + (c == 'a' ? 5 : 0) + (c > 'Z' ? 7 : 0) + cs[2] * 3 + cs[1]); Out.Update(0, acc); return c;"),
            // Property patterns on structs: fields, auto-properties, nested structs, in is, switch expressions and not.
            Probe("h_property_patterns", "Point3 pt = new Point3(a1, l); Tally t = default; t.Add(s); int r = pt is { X: > 0, Z: not 0 } ? 1 : 0; r += t is { Count: 1, Last: < 0 } ? 10 : 0; " +
                "Outer o = default; o.Inner.B = a1; o.Tag = a0; r += o is { Tag: > 100, Inner: { B: > 5 or < -5 } } ? 100 : 0; " +
                "r += pt switch { { X: 0 } => 1000, { Z: -1 } => 2000, _ => 3000 }; if (pt is not { Y: 0 }) r += 7; Out.Update(0, r); return r;"),
            // Positional record structs: the primary constructor, 'with', properties, and a map of them.
            Probe("h_record_struct", "var smp = new Sample(a1, l); var s2 = smp with { Size = 5 }; Samples.Update(1, new Sample(s, a0)); ref Sample m = ref Samples.GetValueRefOrNullRef(1); " +
                "if (Unsafe.IsNullRef(ref m)) return 1; m.Size += 3; var p3 = new Point3(a1, l); var p4 = p3 with { Z = 3 }; " +
                "Out.Update(0, unchecked(smp.Pid + smp.Size * 3 + s2.Size + s2.Pid * 7 + m.Size * 11 + m.Pid + p3.Z * 13 + p4.Z * 17)); return smp.Pid;"),
            // Enum arithmetic narrows to the underlying type, at every width (E + U and E - U give E, E - E gives U).
            Probe("h_enum_narrow", "Level lv = (Level)unchecked((sbyte)a1); Level n = lv + 1; Tiny t = (Tiny)a0; Tiny d = t - 2; Mode m = (Mode)unchecked((ushort)a1); Level q = (Level)unchecked((sbyte)s); " +
                "Wide w = (Wide)s; Wide w2 = w - 30000; Wide w3 = 5 + w; Tiny nt = ~t; Mode nm = ~m; Out.Update(0, unchecked((long)n * 3 + (long)d * 5 + (long)(m + 1) * 7 + (lv - q) * 11 + (long)w2 + (long)w3 * 13 + (t - Tiny.B) * 17 + (long)nt * 19 + (long)nm)); return (int)n;"),
            // A write through a ref to a scalar local reaches the local; a ref local re-pointed writes the new target.
            Probe("h_ref_scalar_local", "long a = l; ref long r = ref a; r += 5; long b = a1; Out.Update(0, a); r = ref b; r = 2; r += a0; int c = s; ref int rc = ref c; rc++; rc *= 3; " +
                "long t = a0; Bump(ref t, ByRefParameter(l)); return unchecked((int)(a * 7 + b * 3 + c + t));"),
            // A conditional ref takes the arm its condition selects.
            Probe("h_ref_conditional", "Two q = default; ref long r = ref (a0 > 100 ? ref q.A : ref q.B); r = 42; long x = 1, y = 2; ref long m = ref (a1 < 0 ? ref x : ref y); m += l; " +
                "Span<long> sp = stackalloc long[2]; (a0 > 7 ? ref sp[0] : ref sp[1]) = 9; (s > 0 ? ref x : ref q.A) ^= 3; Out.Update(0, unchecked(q.A * 3 + q.B * 5 + x * 7 + y * 11 + sp[0] * 13 + sp[1])); return unchecked((int)r);"),
            // The location an assignment writes (span, index, pointer, ref-returning call) is computed before its right side.
            Probe("h_target_first", "Span<long> sp = stackalloc long[4]; int i = a1; sp[i & 3] = i++; sp[i & 3] += ++i * 10; long x = a0, y = s; Larger(ref x, ref y) = (x += 1000); " +
                "long acc = 0; foreach (long e in sp) acc = unchecked(acc * 31 + e); Out.Update(0, unchecked(acc * 7 + x * 3 + y)); return i;"),
            // Stack bytes shared between slots never needed at once: map-key temporaries in a loop beside a struct that lives across it.
            Probe("h_frame_shared", "Pair keep = default; keep.A = l; long acc = 0; for (int i = 0; i < 4; i++) { Out.Update(0, acc + i); Out.TryGetValue(0, out long got); " +
                "acc = unchecked(acc + got * 3 + keep.A); keep.B = unchecked(keep.B + i + a0); Two t = new Two { A = acc, B = keep.B }; Out.Update(0, unchecked(acc ^ t.B)); } " +
                "Out.TryGetValue(0, out long last); Out.Update(0, unchecked(acc + keep.B + last)); return keep.B;"),
            // Pointer offsets bounded by the tests around them.
            Probe("h_guarded_pointer", "unsafe { long x = l; byte* p = (byte*)&x; int n = a1; long r = 0; if ((uint)n < 8) r = p[n]; if (n is >= 2 and < 6) r += *(p + n) * 3; " +
                "if (a0 < 8) r += p[a0] * 5; int k = a0 & 15; if (k > 7) return 1; Out.Update(0, unchecked(r + p[k])); return 0; }"),
            Probe("h_guarded_span", "Span<long> w = stackalloc long[8]; for (int i = 0; i < 8; i++) w[i] = i * 3; long r = 0; if ((uint)a1 < 8) w[a1] += l; if (a0 < 8) r += w[a0]; " +
                "int k = s; if (k < 0 || k >= 8) return 2; r += w[k]; Six six = default; if (a0 is > 0 and <= 5) six[a0] = 9; r = unchecked(r * 31 + six[5] + six[1] + w[7]); Out.Update(0, r); return 0;"),
            Probe("h_target_first_pointer", "unsafe { Buf b = default; byte* p = b.Bytes; int i = a0; p[i & 15] = (byte)i++; *(p + (i & 7)) = (byte)(i += 3); b.Bytes[i & 15] += (byte)(i++ * 5); long acc = 0; " +
                "for (int j = 0; j < 16; j++) acc = unchecked(acc * 31 + b.Bytes[j]); Out.Update(0, acc); return i; }"),
            // A compound assignment reads its target before its right side runs.
            Probe("h_compound_self", "int k = a1; k += k++; long m = l; m -= m = 3; int j = s; j *= j++ + ++j; uint u = v0; u ^= u = 7u; byte bt = a0; bt += (byte)(bt = 9); " +
                "Pair p = default; p.A = l; p.A += p.A++; Out.Update(0, unchecked(k * 31L + m + j * 7L + u * 3L + bt + p.A)); return k;"),
            // Division by long.MinValue: 1 for MinValue itself, else 0; the remainder is the dividend but for MinValue.
            Probe("h_div_min_value", "long q = l / long.MinValue + l % long.MinValue; long m = a0 > 200 ? long.MinValue : l; " +
                "Out.Update(0, unchecked(q * 3 + m / long.MinValue * 7 + m % long.MinValue)); return (int)(m / long.MinValue);"),
            // Bit operations of the 8- and 16-bit types count and rotate within their width; Log2 of a value widened from an unsigned type.
            Probe("h_narrow_bit_operations", "sbyte sb = unchecked((sbyte)a1); short sh = s; ushort us = (ushort)a1; " +
                "long acc = byte.PopCount(a0) + sbyte.PopCount(sb) * 10 + short.PopCount(sh) * 100 + ushort.PopCount(us) * 1000; " +
                "acc = unchecked(acc * 131 + byte.LeadingZeroCount(a0) + sbyte.LeadingZeroCount(sb) * 9 + short.LeadingZeroCount(sh) * 17 + ushort.LeadingZeroCount(us) * 33); " +
                "acc = unchecked(acc * 131 + byte.TrailingZeroCount(a0) + sbyte.TrailingZeroCount(sb) * 9 + short.TrailingZeroCount(sh) * 17 + ushort.TrailingZeroCount(us) * 33); " +
                "acc = unchecked(acc * 131 + byte.RotateLeft(a0, a1) + sbyte.RotateRight(sb, 3) * 7 + short.RotateLeft(sh, a1) * 3 + ushort.RotateRight(us, a0) + byte.RotateRight(a0, 8)); " +
                "acc = unchecked(acc * 131 + (short.IsPow2(sh) ? 1 : 0) + (sbyte.IsPow2(sb) ? 2 : 0) + (byte.IsPow2(a0) ? 4 : 0) + byte.Log2(a0) + ushort.Log2(us) * 16 + int.Log2(a0) * 256 + long.Log2(us)); " +
                "Out.Update(0, acc); return sbyte.RotateLeft(sb, a1);"),
            // Switch expressions whose arms cover every value need no '_' arm.
            Probe("h_switch_exhaustive", "int r = a0 switch { < 128 => 1, >= 128 => 2 }; bool odd = (a1 & 1) != 0; long b = odd switch { true => l, false => -l }; " +
                "int t = s switch { < 0 => -1, 0 => 0, > 0 => 1 }; Out.Update(0, unchecked(r * 1000 + b + t * 7)); return r;"),
            // goto case, goto default and goto label, jumping forward.
            Probe("h_goto", "long acc = 0; switch (a0 & 3) { case 0: acc += 1; goto case 2; case 1: acc += 10; goto default; case 2: acc += 100; break; default: acc += 1000; break; } " +
                "if (a1 > 0) goto positive; acc -= 7; positive: acc *= 3; Out.Update(0, acc); return (int)acc;"),
            // Indexes proven through a local assigned once, a constant minus a counter, and an inner loop bounded by the outer counter.
            Probe("h_index_ranges", "Span<long> w = stackalloc long[8]; int i = a1 & 7; w[i] = l; int j = unchecked((int)(a2 >> 61)); w[j] += 3; long acc = 0; " +
                "for (int k = 0; k < 4; k++) { w[7 - k] ^= k; w[2 * k + 1] += a0; for (int m = 0; m < k; m++) acc = unchecked(acc * 5 + w[k + m] + m); } " +
                "for (int k = 3; k >= 0; k--) for (int m = 7; m > k; m--) acc = unchecked(acc * 3 + w[m] - k); foreach (long x in w) acc = unchecked(acc * 31 + x); Out.Update(0, acc); return i;"),
            // Loops whose condition steps the counter.
            Probe("h_loop_condition_step", "int n = 10; long acc = 0; do { acc = unchecked(acc * 7 + a0 + n); } while (--n > 0); int k = 0; while (k++ < 5) acc += k; " +
                "byte b = 3; do { acc ^= b; } while (b-- > 0); Out.Update(0, acc); return n + k;"),
            // A map passed to an inlined method stands for the caller's map field.
            Probe("h_map_parameter", "StoreInto(Out, unchecked(l * 3 + a1)); AddInto(Ints, 2, a1); Ints.TryGetValue(2, out int got); return got;"),
            // Tuples: deconstructing a method's tuple and Math.DivRem's, tuple patterns; Math.BigMul; == on record structs.
            Probe("h_tuples", "var (q, r) = Split(l); (int dq, int dr) = Math.DivRem(a1, 7); var (uq, ur) = Math.DivRem(a2, 1000UL); long rq = Math.DivRem(l, -3L, out long rr); " +
                "int t = (a0 & 3, a1 > 0) switch { (0, true) => 1, (0, false) => 2, (> 1, _) => 3, _ => 4 }; bool both = (a0, s) is (> 100, < 0); " +
                "Out.Update(0, unchecked(q * 3 + r + dq * 5 + dr * 7 + (long)uq + (long)ur * 11 + rq * 13 + rr * 17 + t * 19 + (both ? 23 : 0))); return t;"),
            Probe("h_big_mul", "long hi = Math.BigMul(l, unchecked((long)a2), out long lo); ulong uhi = Math.BigMul(a2, unchecked((ulong)l), out ulong ulo); long small = Math.BigMul(a1, (int)s); ulong usmall = Math.BigMul(v0, (uint)a1); " +
                "Out.Update(0, unchecked(hi * 3 + lo * 5 + (long)uhi * 7 + (long)ulo * 11 + small * 13 + (long)usmall)); return (int)(hi & 0xffff);"),
            Probe("h_record_equality", "var x = new Sample(a1, l); var y = new Sample(a1 & 1, l); var z = x with { Size = 5 }; int r = (x == y ? 1 : 0) + (x != z ? 2 : 0) + (z == new Sample(a1, 5) ? 4 : 0) + (x == x ? 8 : 0); " +
                "Out.Update(0, r); return r;"),
            // Spans: stackalloc passed as an argument, and compared with another span.
            Probe("h_span_arguments_compare", "long total = SumBytes(stackalloc byte[6]); Span<byte> a = stackalloc byte[4]; Span<byte> b = stackalloc byte[4]; a[0] = a0; b[0] = (byte)(a1 & 3); " +
                "ReadOnlySpan<byte> head = a[..2]; int r = (a.SequenceEqual(b) ? 1 : 0) + (a.StartsWith(head) ? 2 : 0) + (b.StartsWith(a) ? 4 : 0) + (head.SequenceEqual(b) ? 8 : 0); " +
                "Out.Update(0, total * 100 + r); return r;"),
            // A target whose index has side effects is located once, then read and written there.
            Probe("h_target_once", "Span<long> w = stackalloc long[4]; int i = a1; w[i++ & 3] += 5; w[i++ & 3]++; w[(i += 2) & 3] -= l; Four f = default; int j = a0; " +
                "f[0] = l; f[1] = a1; (w[j & 3], j) = (j, 9); long acc = 0; foreach (long x in w) acc = unchecked(acc * 31 + x); Out.Update(0, unchecked(acc + j + f[1])); return i;"),
            // Tuple equality: every element of both sides evaluated left to right, then compared pair by pair.
            Probe("h_tuple_equality", "int k = a1 & 3; bool e1 = (a0 & 1, k) == (1, 2); bool e2 = (k, s) != (k++, (short)a1); bool e3 = (a0, l > 0) == (a0 > 100 ? a0 : 0, a2 > 7); " +
                "Out.Update(0, (e1 ? 1 : 0) + (e2 ? 2 : 0) + (e3 ? 4 : 0) + k * 8); return k;"),
            // The value of 'c ? x : y' is a value, even when an arm is a variable in memory (a ref argument put it there).
            Probe("h_conditional_value_of_memory", "long m = l; Bump(ref m, 1); long x = a1 > 0 ? m : a0; Out.Update(0, a1 > 0 ? a0 : m); Ints.Update(0, a0 > 9 ? a1 : (int)m); " +
                "Ints.TryGetValue(0, out int back); return unchecked((int)(x * 3 + back));"),
            // A compound assignment to a conditional ref reads the chosen variable before its right side writes it.
            Probe("h_conditional_ref_compound", "uint u = v0; uint w = (uint)a1; (a0 > 100 ? ref u : ref w) ^= (uint)((short)(u = 3u) ^ (s > 0 ? s : -7)); " +
                "(l < 0 ? ref u : ref u) += u++ + (a1 > 5 ? 1u : 2u); Out.Update(0, unchecked(u * 7L + w)); return (int)u;"),
            Helpers,
        };

        private const string Helpers = @"
    public struct Pair { public long A; public int B; }
    [System.Runtime.CompilerServices.InlineArray(4)] public struct Four { private long _element; }
    public struct Outer { public byte Tag; public Pair Inner; public Four Values; public short Tail; }
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 16)]
    public struct Overlay { [System.Runtime.InteropServices.FieldOffset(0)] public ulong Whole; [System.Runtime.InteropServices.FieldOffset(4)] public uint High; [System.Runtime.InteropServices.FieldOffset(8)] public ushort Low; }
    public unsafe struct Buf { public fixed byte Bytes[16]; }
    /// <summary>Large enough that calls to it stay BPF-to-BPF calls.</summary>
    public static long Scramble(long x, int y) { long h = x; h = unchecked(h * 31 + (y ^ 0) + (h >> 1)); if ((h & 1) != 0) h ^= 1; h = unchecked(h * 33 + (y ^ 7) + (h >> 2)); if ((h & 2) != 0) h ^= 2; h = unchecked(h * 35 + (y ^ 14) + (h >> 3)); if ((h & 4) != 0) h ^= 3; h = unchecked(h * 37 + (y ^ 21) + (h >> 4)); if ((h & 8) != 0) h ^= 4; h = unchecked(h * 39 + (y ^ 28) + (h >> 5)); if ((h & 16) != 0) h ^= 5; h = unchecked(h * 41 + (y ^ 35) + (h >> 6)); if ((h & 32) != 0) h ^= 6; h = unchecked(h * 43 + (y ^ 42) + (h >> 7)); if ((h & 64) != 0) h ^= 7; h = unchecked(h * 45 + (y ^ 49) + (h >> 8)); if ((h & 128) != 0) h ^= 8; h = unchecked(h * 47 + (y ^ 56) + (h >> 9)); if ((h & 1) != 0) h ^= 9; h = unchecked(h * 49 + (y ^ 63) + (h >> 10)); if ((h & 2) != 0) h ^= 10; h = unchecked(h * 51 + (y ^ 70) + (h >> 11)); if ((h & 4) != 0) h ^= 11; h = unchecked(h * 53 + (y ^ 77) + (h >> 12)); if ((h & 8) != 0) h ^= 12; h = unchecked(h * 55 + (y ^ 84) + (h >> 13)); if ((h & 16) != 0) h ^= 13; h = unchecked(h * 57 + (y ^ 91) + (h >> 1)); if ((h & 32) != 0) h ^= 14; return h; }
    private static long SafeRatio(long a, long b) => b > 0 ? a / b : 0;
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static long Ratio(long a, long b) { if (b == 0) return long.MaxValue; if (b == -1) return unchecked(-a); return a / b * 7 + a % b; }
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static long Digest8(ReadOnlySpan<byte> b, int seed) { long h = seed; for (int i = 0; i < 8; i++) h = unchecked(h * 31 + b[i]); return h + (b.StartsWith(""\x01""u8) ? 1000 : 0) + b.Length; }
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static long Digest2(ReadOnlySpan<byte> b, short seed) => unchecked(seed * 7 + b[0] * 3 + b[1] + (b.SequenceEqual(""ab""u8) ? 100 : 0));
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void FillLongs(Span<long> v, long x) { for (int i = 0; i < 4; i++) v[i] = unchecked(v[i] + x * (i + 1)); }
    private static void ScaleAll(Span<long> v, long k) { for (int i = 0; i < v.Length; i++) v[i] = unchecked(v[i] * k + i); }
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static long SumBytes(ReadOnlySpan<byte> b) { long t = b.Length; for (int i = 0; i < b.Length; i++) t = unchecked(t * 257 + b[i]); return t; }
    private static long SumEach(ReadOnlySpan<byte> b) { long t = 0; foreach (byte c in b) t = unchecked(t * 3 + c); return t; }
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static long SumEachCalled(ReadOnlySpan<byte> b) { long t = 1; foreach (byte c in b) t = unchecked(t * 5 + c); return t; }
    private static Point3 MakePoint(int x, long y) { if (x > 100) return new Point3(x, y); Point3 p = default; p.Z = 9; p.X = x; return p; }
    private static long Weigh(Point3 p) => unchecked(p.X * 5 + p.Y + p.Z);
    private static void FillSpan(Span<byte> b, byte v) { for (int i = 0; i < 8; i++) b[i] = unchecked((byte)(v + i * 37)); }
    private static long SumSpan(ReadOnlySpan<byte> b) { long s = 0; for (int i = 0; i < 8; i++) s = s * 3 + b[i]; return s; }
    private static bool IsGet(ReadOnlySpan<byte> b) => b.StartsWith(""GE""u8);
    [System.Runtime.CompilerServices.InlineArray(6)] public struct Six { private byte _element; }
    private static ref long Larger(ref long a, ref long b) { if (a >= b) return ref a; return ref b; }
    public enum Kind : byte { None, Read = 3, Write = 200 }
    public enum Level : sbyte { Low = -2, Mid = 0, High = 100 }
    public enum Tiny : byte { A, B }
    public enum Mode : ushort { M0 }
    public enum Wide : short { W0 }
    public struct Two { public long A; public long B; }
    private static long Mix(long x, int y) => unchecked(x * 31 + y);
    private static int Clamp(int v, int lo, int hi) { if (v < lo) return lo; if (v > hi) return hi; return v; }
    private static void Bump(ref long total, long by) { total += by; }
    private static (long Half, long Left) Split(long x) { if (x < 0) return (x / 2, 1); return (x >> 1, x & 1); }
    private static void StoreInto(BpfArrayMap<long> map, long v) { map.Update(0, v); }
    private static void AddInto(BpfArrayMap<int> map, uint key, int v) { ref int slot = ref map.GetValueRefOrNullRef(key); if (Unsafe.IsNullRef(ref slot)) return; slot = unchecked(slot + v); }
    private static long ByRefParameter(long v) { Bump(ref v, 3); ref long r = ref v; r *= 5; return v + r; }
    private static void Fill(out Pair p, long a) { p.A = a; p.B = unchecked((int)a); }
    private static long SumPair(Pair p) => p.A + p.B;
    private static int Log2(ulong v) { int log = 0; for (int i = 0; i < 64; i++) { if (v <= 1) break; v >>= 1; log++; } return log; }
    private static long Nested(long a) => Mix(a, Clamp(unchecked((int)a), -5, 5)) + Log2(unchecked((ulong)a));
    private static ulong First(ref RawTracepointArgs c) => c.Arg0;
    private static ulong Third(in RawTracepointArgs c) => c.Arg2;
    [MethodImpl(MethodImplOptions.NoInlining)] private static long SubMix(long x, int y, byte z) => unchecked(x * 31 + y - z);
    [MethodImpl(MethodImplOptions.NoInlining)] private static long SubFive(long a, long b, long c, long d, long e) => unchecked(a - b * 2 + c * 3 - d * 4 + e * 5);
    [MethodImpl(MethodImplOptions.NoInlining)] private static bool SubIsSmall(int v) => v is > -10 and < 10;
    [MethodImpl(MethodImplOptions.NoInlining)] private static void SubBump(ref long total, long by) { total = unchecked(total + by); }
    [MethodImpl(MethodImplOptions.NoInlining)] private static long SubPair(Pair p, out int b) { p.A = unchecked(p.A + 1); b = p.B; return unchecked(p.A * 3); }
    [MethodImpl(MethodImplOptions.NoInlining)] private static int SubLog2(ulong v) { int log = 0; for (int i = 0; i < 64; i++) { if (v <= 1) break; v >>= 1; log++; } return log; }
    [MethodImpl(MethodImplOptions.NoInlining)] private static long SubNested(long a) => unchecked(SubMix(a, SubLog2((ulong)a), 3) + Mix(a, 1));
    [MethodImpl(MethodImplOptions.NoInlining)] private static ulong SubContext(ref RawTracepointArgs c, int which) => which == 0 ? c.Arg0 : c.Arg2;
    [MethodImpl(MethodImplOptions.NoInlining)] private static void SubStore(long v) { Out.Update(0, v); }
    [MethodImpl(MethodImplOptions.NoInlining)] private static int SubGlobal(int x) { Counter += x; return unchecked((int)(Scale * x + Bias)); }
";
    }
}
