using System;
using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;
using Xunit.Abstractions;

namespace BpfDotnet.Compiler.Tests.Verifier
{
    /// <summary>
    /// The loader survives any object: mutants of BpfDotnet's and clang's objects either load or end in a
    /// <see cref="BpfException"/>, never another exception type, and no mutant makes it allocate more than a small
    /// multiple of its size. A longer run sets <c>BPFDOTNET_LOADER_FUZZ_CASES</c> and <c>BPFDOTNET_LOADER_FUZZ_SEED</c>.
    /// </summary>
    public class LoaderFuzzTests
    {
        private readonly ITestOutputHelper _output;

        public LoaderFuzzTests(ITestOutputHelper output) => _output = output;

        private const string Source = @"
public static partial class Fuzzed
{
    [BpfMap(MaxEntries = 64)] public static BpfHashMap<int, long> Counts = new();
    [BpfMap(MaxEntries = 4)] public static BpfArrayMap<long> Last = new(4);
    public static long Total;
    public static readonly int Scale = 3;

    [BpfProgram, Tracepoint(""syscalls"", ""sys_enter_openat"")]
    public static int Run(ref SysEnterArgs ctx)
    {
        ref long c = ref Counts.GetValueRefOrNullRef(ctx.SyscallNr);
        if (Unsafe.IsNullRef(ref c)) Counts.Update(ctx.SyscallNr, ctx.Arg0 * Scale); else c += Mix(ctx.Arg1, ctx.Arg2);
        Total += 1;
        Last.Update(0, Total);
        return 0;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static long Mix(long a, long b) => unchecked(a * 31 + b);
}";

        [KernelFact]
        public void MutatedObjectsLoadOrThrowBpfException()
        {
            Kernel.Require();
            int cases = int.TryParse(Environment.GetEnvironmentVariable("BPFDOTNET_LOADER_FUZZ_CASES"), out int n) ? n : 3000;
            int seed = int.TryParse(Environment.GetEnvironmentVariable("BPFDOTNET_LOADER_FUZZ_SEED"), out int s) ? s : 2026;
            var bases = new List<byte[]> { ProbeBuilder.BuildObject(Source), System.IO.File.ReadAllBytes(Kernel.CompileC("fuzz_counter", Programs.OpenatCounter)) };
            var random = new Random(seed);
            var failures = new List<string>();
            int loaded = 0, refused = 0;
            long worstRatio = 0;
            for (int i = 0; i < cases && failures.Count < 5; i++)
            {
                byte[] original = bases[i % bases.Count];
                byte[] mutant = Mutate(original, random);
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    using var obj = BpfObject.Load(mutant);
                    loaded++;
                }
                catch (BpfException)
                {
                    refused++;
                }
                catch (Exception e)
                {
                    failures.Add($"case {i} (seed {seed}, base {i % bases.Count}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                long ratio = allocated / Math.Max(1, mutant.Length);
                worstRatio = Math.Max(worstRatio, ratio);
                // The verifier log (a buffer of BpfLoadOptions.LogBufferSize per retry, and the log read from it as a string)
                // is a fixed cost whatever the input; the rest must follow the input's size.
                if (allocated > 64L * mutant.Length + 4L * new BpfLoadOptions().LogBufferSize) failures.Add($"case {i} (seed {seed}): allocated {allocated} bytes for a {mutant.Length}-byte object");
            }
            _output.WriteLine($"{cases} cases: {loaded} loaded, {refused} refused with BpfException; most allocated per input byte: {worstRatio}");
            Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        }

        /// <summary>
        /// Large hostile BTF: a real object whose .BTF section is replaced by 2 MiB built to make a parser allocate by what
        /// the data claims: a string table with no NUL, types claiming the most members a kind can have with none
        /// following, lengths claiming more than the section holds. Each ends in a BpfException, within a small multiple
        /// of its size in allocations (plus the fixed verifier-log buffers), and in seconds.
        /// </summary>
        [KernelTheory]
        [InlineData("strings without a NUL")]
        [InlineData("types claiming 65535 members")]
        [InlineData("lengths past the section")]
        public void LargeHostileBtf_IsRefusedWithinASmallMultipleOfItsSizeInMemory(string shape)
        {
            Kernel.Require();
            const int Size = 2 << 20;
            var btf = new byte[Size];
            void U16(int at, int v) { btf[at] = (byte)v; btf[at + 1] = (byte)(v >> 8); }
            void U32(int at, uint v) { for (int b = 0; b < 4; b++) btf[at + b] = (byte)(v >> (8 * b)); }
            const int Header = 24;
            int typeLen = (Size - Header) / 2, strLen = Size - Header - typeLen;
            U16(0, 0xEB9F); btf[2] = 1; btf[3] = 0; U32(4, Header);
            U32(8, 0); U32(12, (uint)typeLen); U32(16, (uint)typeLen); U32(20, (uint)strLen);
            for (int at = Header; at + 12 <= Header + typeLen; at += 12)
            {
                U32(at, 1);                                                     // name_off
                U32(at + 4, shape == "types claiming 65535 members" ? (4u << 24) | 0xffff : (1u << 24)); // STRUCT with vlen 65535, or INT
                U32(at + 8, shape == "types claiming 65535 members" ? 0x7fffffffu : 0x20u);
            }
            for (int at = Header + typeLen; at < Size; at++) btf[at] = (byte)'A'; // no NUL anywhere
            if (shape == "lengths past the section") { U32(12, uint.MaxValue - 64); U32(20, uint.MaxValue - 64); }
            byte[] hostile = WithSection(ProbeBuilder.BuildObject(Source), ".BTF", btf);

            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Throws<BpfException>(() => BpfObject.Load(hostile).Dispose());
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            _output.WriteLine($"{shape}: {hostile.Length} bytes, {allocated} allocated ({allocated / hostile.Length} per byte), {clock.ElapsedMilliseconds} ms");
            Assert.True(allocated < 32L * hostile.Length + 4L * new BpfLoadOptions().LogBufferSize, $"allocated {allocated} bytes for a {hostile.Length}-byte object");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        }

        /// <summary>The object with the named section's contents replaced: appended at the end, its header pointing there.</summary>
        private static byte[] WithSection(byte[] elf, string name, byte[] contents)
        {
            ulong U64(int at) => BitConverter.ToUInt64(elf, at);
            int shoff = (int)U64(0x28), shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C), shstrndx = BitConverter.ToUInt16(elf, 0x3E);
            int names = (int)U64(shoff + shstrndx * shentsize + 0x18);
            var result = elf.Concat(contents).ToArray();
            for (int i = 0; i < shnum; i++)
            {
                int header = shoff + i * shentsize;
                int nameAt = names + BitConverter.ToInt32(elf, header);
                int end = Array.IndexOf(elf, (byte)0, nameAt);
                if (System.Text.Encoding.ASCII.GetString(elf, nameAt, end - nameAt) != name) continue;
                BitConverter.GetBytes((ulong)elf.Length).CopyTo(result, header + 0x18);
                BitConverter.GetBytes((ulong)contents.Length).CopyTo(result, header + 0x20);
                return result;
            }
            throw new InvalidOperationException("no section " + name);
        }

        /// <summary>One to four mutations: flipped bits, random bytes, large values in aligned words, truncation, or a duplicated chunk.</summary>
        internal static byte[] Mutate(byte[] original, Random random)
        {
            var bytes = original.ToList();
            int count = random.Next(1, 5);
            for (int m = 0; m < count && bytes.Count > 0; m++)
            {
                int at = random.Next(bytes.Count);
                switch (random.Next(6))
                {
                    case 0:
                        bytes[at] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1:
                        bytes[at] = (byte)random.Next(256);
                        break;
                    case 2:
                        {
                            // A large or extreme value in an aligned 4- or 8-byte word (sizes, offsets, counts).
                            int width = random.Next(2) == 0 ? 4 : 8;
                            int start = at - at % width;
                            ulong value = random.Next(4) switch { 0 => 0xffffffffUL, 1 => 0x80000000UL, 2 => (ulong)random.Next(), _ => ulong.MaxValue };
                            for (int b = 0; b < width && start + b < bytes.Count; b++) bytes[start + b] = (byte)(value >> (8 * b));
                            break;
                        }
                    case 3:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                    case 4:
                        {
                            int length = Math.Min(random.Next(1, 64), bytes.Count - at);
                            bytes.InsertRange(at, bytes.GetRange(at, length));
                            break;
                        }
                    default:
                        {
                            // Header fields: section header offsets, counts and sizes live in the first 64 bytes.
                            int header = random.Next(Math.Min(64, bytes.Count));
                            bytes[header] = (byte)random.Next(256);
                            break;
                        }
                }
            }
            return bytes.ToArray();
        }
    }
}
