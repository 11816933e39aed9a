using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Facts;
using BpfDotnet.Compiler.Frontend;
using BpfDotnet.Compiler.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Compiler.Backend
{
    /// <summary>What the verifier does to walk a function once from its entry: instructions walked and branches left pending.</summary>
    internal readonly struct WalkCost
    {
        public WalkCost(long walked, long pending)
        {
            Walked = walked;
            Pending = pending;
        }

        public long Walked { get; }
        public long Pending { get; }
    }

    /// <summary>An outermost loop whose walk passes one of the verifier's limits.</summary>
    internal sealed class CostlyLoop
    {
        public CostlyLoop(StatementSyntax? statement, string cost, bool certain = true)
        {
            Statement = statement;
            Cost = cost;
            Certain = certain;
        }

        /// <summary>
        /// True when the count is a lower bound of the verifier's walk (the kernel refuses it too); false when the estimate of
        /// the states a splitting loop leaves apart passes the limit (which running it through bpf_loop would not change).
        /// </summary>
        public bool Certain { get; }

        /// <summary>The loop's statement in the source, when its position is known.</summary>
        public StatementSyntax? Statement { get; }

        /// <summary>What the verifier would pass, as the diagnostic says it.</summary>
        public string Cost { get; }
    }

    /// <summary>
    /// Estimates how many instructions the kernel verifier walks through a function, to refuse at build time (or run through
    /// <c>bpf_loop</c>) a program it would refuse as too large. The verifier follows every iteration of a bounded loop (the
    /// counter differs in each, so no state is pruned), so each instruction counts once per iteration of every loop around
    /// it, in the IR as optimised: loops unrolled completely count once, loops of inlined methods nest inside their
    /// callers' loops, a call to a function compiled on its own counts that function's walk at each call, and a
    /// <c>bpf_loop</c> callback counts one walk of its body. Trip counts come from the IR's loop forest
    /// (<see cref="LoopForest"/>). Paths that branches add are not counted, so the estimate is a lower bound: what it
    /// refuses, the kernel refuses too. A second estimate counts the states of loops whose iterations split the walk (see
    /// <see cref="SplittingLoops"/>), which <c>bpf_loop</c> does not save either (the verifier walks its callback again until
    /// the states merge): a loop it puts past the limit is refused with its estimate.
    /// </summary>
    internal static class VerifierCost
    {

        /// <summary>The verifier's limit of instructions walked (<c>BPF_COMPLEXITY_LIMIT_INSNS</c>).</summary>
        public const long Limit = 1_000_000;


        /// <summary>The verifier's limit of branches pending exploration (<c>BPF_COMPLEXITY_LIMIT_JMP_SEQ</c>).</summary>
        public const long PendingLimit = 8192;

        /// <summary>Where counts stop growing (far past every limit).</summary>
        private const long Saturated = 1L << 50;

        /// <summary>
        /// The cost of one walk of <paramref name="function"/>, given the cost of each function it calls or passes as a
        /// callback (<paramref name="callee"/>, null for one it does not know), adding its outermost loops that pass a limit to
        /// <paramref name="costly"/>.
        /// </summary>
        /// <param name="sizes">The machine instructions each block became, counted in place of its IR instructions.</param>
        public static WalkCost Of(IrFunction function, IReadOnlyDictionary<BasicBlock, int> sizes, Func<string, WalkCost?> callee, Compilation compilation,
            List<CostlyLoop> costly, CancellationToken cancellationToken)
        {
            var forest = LoopForest.Find(function);
            var trips = new Dictionary<Loop, long>();
            foreach (var loop in forest.All) trips[loop] = loop.Trips ?? SyntaxTrips(loop, compilation, cancellationToken) ?? 1;
            var splitting = SplittingLoops(function, forest);

            long walked = 0, pending = 0;
            var byRoot = forest.Roots.ToDictionary(r => r, _ => (Walked: 0L, Pending: 0L));
            var estimated = forest.Roots.ToDictionary(r => r, _ => (Walked: 0L, Pending: 0L));
            foreach (var block in function.Blocks)
            {
                long times = 1, paths = 1;
                Loop? root = null;
                var innermost = forest.InnermostOf(block);
                for (var loop = innermost; loop is not null; loop = loop.Parent)
                {
                    times = Multiply(times, trips[loop]);
                    // A loop whose ways round leave different values in a register the verifier must keep exact is walked
                    // once per state its iterations have split into, which the verifier merges only where one's range holds
                    // another's: about (k + 1)^2 states in iteration k (fitted to the kernel's counts of such walks).
                    paths = Multiply(paths, splitting.Contains(loop) ? SplitWalks(trips[loop]) : trips[loop]);
                    root = loop;
                }
                long blockWalked = sizes.TryGetValue(block, out int size) ? size : block.Instructions.Count, blockPending = 0;
                foreach (var ins in block.Instructions)
                {
                    if (ins.Op == IrOp.Branch && !Decided(ins, innermost)) blockPending++;
                    if (ins.Callee is { } name && (ins.Op == IrOp.Call || ins.Op == IrOp.LoadMap) && callee(name) is WalkCost called)
                    {
                        blockWalked = Add(blockWalked, called.Walked);
                        blockPending = Add(blockPending, called.Pending);
                    }
                }
                long pathWalked = Multiply(blockWalked, paths), pathPending = Multiply(blockPending, paths);
                blockWalked = Multiply(blockWalked, times);
                blockPending = Multiply(blockPending, times);
                walked = Add(walked, blockWalked);
                pending = Add(pending, blockPending);
                if (root is not null)
                {
                    var sum = byRoot[root];
                    byRoot[root] = (Add(sum.Walked, blockWalked), Add(sum.Pending, blockPending));
                    var guess = estimated[root];
                    estimated[root] = (Add(guess.Walked, pathWalked), Add(guess.Pending, pathPending));
                }
            }
            // The states a splitting loop leaves apart each go on through the code after it, until the program ends.
            foreach (var loop in splitting)
            {
                if (loop.Parent is not null) continue;
                long tail = 0;
                var seen = new HashSet<BasicBlock>(loop.Blocks);
                var work = new Stack<BasicBlock>(loop.Blocks.SelectMany(b => b.Successors()).Where(b => !loop.Blocks.Contains(b)));
                while (work.Count > 0)
                {
                    var block = work.Pop();
                    if (!seen.Add(block)) continue;
                    tail = Add(tail, sizes.TryGetValue(block, out int size) ? size : block.Instructions.Count);
                    foreach (var next in block.Successors()) work.Push(next);
                }
                var guess = estimated[loop];
                estimated[loop] = (Add(guess.Walked, Multiply(tail, SplitWalks(trips[loop]))), guess.Pending);
            }
            foreach (var pair in byRoot)
            {
                var (instructions, branches) = pair.Value;
                string? cost = instructions > Limit
                    ? "the verifier would walk at least " + Count(instructions) + " instructions through it, more than its limit of 1,000,000"
                    : branches > PendingLimit ? "the verifier would keep at least " + Count(branches) + " branches pending through it, more than its limit of 8,192" : null;
                if (cost is not null) costly.Add(new CostlyLoop(StatementOf(pair.Key, cancellationToken), cost));
                else if (estimated[pair.Key].Walked > Limit)
                {
                    costly.Add(new CostlyLoop(StatementOf(pair.Key, cancellationToken), "the verifier would walk about " + Count(estimated[pair.Key].Walked)
                        + " instructions through it, more than its limit of 1,000,000: its iterations leave different values in a register that reaches an"
                        + " address (an offset stepped by different amounts on different paths), which the verifier keeps apart", certain: false));
                }
            }
            return new WalkCost(walked, pending);
        }

        /// <summary>
        /// The walks of a splitting loop's body (and of the code after it) over <paramref name="trips"/> iterations: the sum of
        /// (k + 1)^2, the growth the kernel's counts show (a TCP options walk in a full parser: 10,286 instructions verified
        /// at 4 rounds, 88,184 at 8, 265,933 at 12, 589,750 at 16). The verifier also walks such a loop once for each
        /// different state it is entered with, which this does not count: the estimate stays below the kernel's.
        /// </summary>
        private static long SplitWalks(long trips)
        {
            if (trips > 100_000) return Saturated;
            return trips * (trips + 1) * (2 * trips + 1) / 6;
        }

        /// <summary>
        /// The loops whose iterations may split the verifier's walk: a register carried from one iteration to the next is
        /// written on some ways round and not others (or differently on each), and what it holds reaches an address or a
        /// helper's argument, which the verifier keeps exact, so it cannot merge the paths (<c>o += len</c> on one way,
        /// <c>o++</c> on another, then a packet read at <c>o</c>). A counter the loop steps on every way round does not split it.
        /// </summary>
        private static HashSet<Loop> SplittingLoops(IrFunction function, LoopForest forest)
        {
            var splitting = new HashSet<Loop>();
            if (forest.All.Count == 0) return splitting;
            var liveness = Liveness.Compute(function);
            foreach (var loop in forest.All)
            {
                if (!liveness.LiveIn.TryGetValue(loop.Header, out var live)) continue;
                var definitions = new Dictionary<int, List<BasicBlock>>();
                foreach (var block in loop.Blocks)
                {
                    foreach (var ins in block.Instructions)
                    {
                        if (ins.Def < 0) continue;
                        if (!definitions.TryGetValue(ins.Def, out var list)) definitions[ins.Def] = list = new List<BasicBlock>();
                        list.Add(block);
                    }
                }
                foreach (int carried in live)
                {
                    if (!definitions.TryGetValue(carried, out var where)) continue;
                    bool diverges = where.Count > 1 || !forest.RunsEveryIteration(loop, where[0]);
                    if (diverges && ReachesAnAddress(carried, loop))
                    {
                        splitting.Add(loop);
                        break;
                    }
                }
            }
            return splitting;
        }

        /// <summary>True when a value computed in the loop from <paramref name="register"/> is an address, or a helper's or method's argument.</summary>
        private static bool ReachesAnAddress(int register, Loop loop)
        {
            var derived = new HashSet<int> { register };
            bool grew = true;
            while (grew)
            {
                grew = false;
                foreach (var block in loop.Blocks)
                {
                    foreach (var ins in block.Instructions)
                    {
                        if ((ins.Op is IrOp.Load or IrOp.Store or IrOp.Atomic) && derived.Contains(ins.Addr.BaseReg)) return true;
                        if (ins.Op == IrOp.Call && ins.Args is { } args && args.Exists(derived.Contains)) return true;
                        if (ins.Op is IrOp.Alu or IrOp.Mov or IrOp.Extend or IrOp.Neg or IrOp.Check && ins.Def >= 0 && !derived.Contains(ins.Def)
                            && ins.Uses().Any(derived.Contains))
                        {
                            derived.Add(ins.Def);
                            grew = true;
                        }
                    }
                }
            }
            return false;
        }

        /// <summary>A branch the counter of a loop around it decides in every iteration (the verifier knows its outcome).</summary>
        private static bool Decided(IrInstruction branch, Loop? innermost)
        {
            for (var loop = innermost; loop is not null; loop = loop.Parent)
            {
                if (loop.DecidedTests.Contains(branch)) return true;
            }
            return false;
        }

        /// <summary>The loop statement an IR loop was lowered from, found from the source positions of its exit tests or header.</summary>
        public static StatementSyntax? StatementOf(Loop loop, CancellationToken cancellationToken)
        {
            var positioned = loop.ExitTests.Concat(loop.Header.Instructions).Concat(loop.Blocks.SelectMany(b => b.Instructions));
            foreach (var ins in positioned)
            {
                var location = ins.Position?.Location;
                if (location?.SourceTree is not { } tree) continue;
                var node = tree.GetRoot(cancellationToken).FindNode(location.SourceSpan, getInnermostNodeForTie: true);
                var statement = node.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault(s => s is ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax or CommonForEachStatementSyntax);
                if (statement is not null) return statement;
            }
            return null;
        }

        /// <summary>The trip count the loop's statement shows in the source, for a loop whose counter the IR does not follow (one kept in memory).</summary>
        private static long? SyntaxTrips(Loop loop, Compilation compilation, CancellationToken cancellationToken)
        {
            if (StatementOf(loop, cancellationToken) is not { } statement || statement is CommonForEachStatementSyntax
                || !compilation.SyntaxTrees.Contains(statement.SyntaxTree)) return null;
            return LoopBounds.TripCount(statement, compilation.GetSemanticModel(statement.SyntaxTree), cancellationToken, out _);
        }

        private static long Multiply(long a, long b) => a == 0 || b == 0 ? 0 : a > Saturated / b ? Saturated : a * b;

        private static long Add(long a, long b) => Math.Min(Saturated, a + b);

        private static string Count(long n) => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Why a costly loop in a method the program calls does not run through <c>bpf_loop</c>.</summary>
        public static string InCalledMethod(StatementSyntax loop)
        {
            string method = loop.Ancestors().Select(a => a switch
            {
                MethodDeclarationSyntax m => m.Identifier.ValueText,
                LocalFunctionStatementSyntax f => f.Identifier.ValueText,
                _ => null,
            }).FirstOrDefault(n => n is not null) ?? "another method";
            return "it is in " + method + ", which the program calls, and only the loops of a program's own body run through bpf_loop (move the loop into the program, or lower its cost)";
        }

        /// <summary>BPF0005 on a loop whose walk would pass a limit (<paramref name="cost"/>); <paramref name="why"/> says why it does not run through <c>bpf_loop</c>.</summary>
        public static DiagnosticInfo Refusal(StatementSyntax loop, string cost, string why)
            => Refusal(loop.GetFirstToken().GetLocation(), cost, why);

        /// <summary>BPF0005 at <paramref name="location"/> (a loop, or the program when the loop's position is unknown).</summary>
        public static DiagnosticInfo Refusal(Location location, string cost, string why)
            => DiagnosticInfo.Create(DiagnosticDescriptors.UnboundedLoop, location,
                cost + " (each iteration is walked again and nested loops multiply), and it cannot run through bpf_loop because "
                + why + "; lower the bound or move work out of the loop");
    }
}
