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
