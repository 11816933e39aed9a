using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Backend;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Facts
{
    /// <summary>A natural loop of a function's IR: its header, its blocks, the loops inside it and how often it runs.</summary>
    internal sealed class Loop
    {
        public Loop(BasicBlock header, HashSet<BasicBlock> blocks, List<BasicBlock> latches)
        {
            Header = header;
            Blocks = blocks;
            Latches = latches;
        }

        /// <summary>The block every iteration starts at.</summary>
        public BasicBlock Header { get; }

        /// <summary>Every block of the loop, those of the loops inside it included.</summary>
        public HashSet<BasicBlock> Blocks { get; }

        /// <summary>The blocks that jump back to the header.</summary>
        public List<BasicBlock> Latches { get; }

        /// <summary>The loop around this one, or null for an outermost loop.</summary>
        public Loop? Parent { get; set; }

        /// <summary>The loops directly inside this one.</summary>
        public List<Loop> Children { get; } = new List<Loop>();

        /// <summary>
        /// The most times the header is entered each time the loop is entered, proven from the IR by running its counter
        /// (see <see cref="LoopForest"/>); null when no exit test is proven to end it.
        /// </summary>
        public long? Trips { get; set; }

        /// <summary>The branches of the loop whose outcome the counter decides in every iteration (the verifier knows it: they leave nothing pending).</summary>
        public HashSet<IrInstruction> DecidedTests { get; } = new HashSet<IrInstruction>();

        /// <summary>The exit tests of the loop (branches that leave it from a block run in every iteration), for its source position.</summary>
        public List<IrInstruction> ExitTests { get; } = new List<IrInstruction>();

        /// <summary>The values each counted counter holds at the top of the header, over every iteration (see <see cref="CounterRange"/>).</summary>
        public List<CounterRange> CounterRanges { get; } = new List<CounterRange>();

        /// <summary>
        /// A counter the loop's header sees as <c>Start + k × Step</c> in iteration k, one value at a time (constants only),
        /// for as many iterations as <see cref="Trips"/>: what <c>bpf_loop</c> can run, computing the counter from its index.
        /// </summary>
        public (int Register, long Start, long Step)? Linear { get; set; }

        /// <summary>The values a counted counter holds on each way out of its exit test: staying in the loop, and leaving it.</summary>
        public List<(BasicBlock From, BasicBlock To, CounterRange Range)> TestRanges { get; } = new List<(BasicBlock, BasicBlock, CounterRange)>();
    }

    /// <summary>What running the loop counters proved, for <see cref="ValueFacts"/>: the counters' values where headers begin and along exit tests' edges.</summary>
    internal sealed class CounterFacts
    {
        public Dictionary<BasicBlock, List<CounterRange>> Headers { get; } = new Dictionary<BasicBlock, List<CounterRange>>();
        public Dictionary<(BasicBlock From, BasicBlock To), List<CounterRange>> Edges { get; } = new Dictionary<(BasicBlock, BasicBlock), List<CounterRange>>();

        public bool SameAs(CounterFacts other) => Same(Headers, other.Headers) && Same(Edges, other.Edges);

        private static bool Same<TKey>(Dictionary<TKey, List<CounterRange>> a, Dictionary<TKey, List<CounterRange>> b) where TKey : notnull
        {
            if (a.Count != b.Count) return false;
            foreach (var pair in a)
            {
                if (!b.TryGetValue(pair.Key, out var other) || other.Count != pair.Value.Count) return false;
                for (int i = 0; i < other.Count; i++)
                {
                    if (!other[i].Equals(pair.Value[i])) return false;
                }
            }
            return true;
        }
    }

    /// <summary>
    /// The least and greatest value a loop's counter register holds each time the loop's header begins, found by running the
    /// counter. <see cref="Exact"/> when the counter's first value and everything its step and test read are constants: the
    /// verifier then follows the same values one iteration at a time and sees the range too; otherwise the range is proven
    /// over every value they may take, and the verifier must be shown it before relying on it.
    /// </summary>
    internal readonly struct CounterRange
    {
        public CounterRange(int register, long low, long high, bool exact)
        {
            Register = register;
            Low = low;
            High = high;
            Exact = exact;
        }

        public int Register { get; }
        public long Low { get; }
        public long High { get; }
        public bool Exact { get; }

        public bool Equals(CounterRange other) => Register == other.Register && Low == other.Low && High == other.High && Exact == other.Exact;
    }

    /// <summary>
    /// The loops of a function's IR, nested, each with its trip count where the facts prove one. A loop is counted when one
    /// of its exit tests, run once per iteration, compares a value computed from one counter (and constants) with a
    /// constant (or a value computed from registers the loop leaves alone), and the counter enters the loop with a value the
    /// facts know (a constant, or a small range, every value of which is run) and is changed once per iteration by
    /// operations the verifier follows exactly (add, subtract, multiply, shifts, bitwise operations, extensions, in 32 or 64
    /// bits). The counter is then run, as the verifier runs it, until the test ends the loop: any step that provably
    /// terminates within the bound is counted, whichever way it is written (<c>i++</c>, <c>i -= 3</c>, <c>i *= 2</c>,
    /// <c>i &gt;&gt;= 1</c>), and a step that never ends the loop, or not soon enough, leaves it uncounted.
    /// </summary>
    internal sealed class LoopForest
    {
        /// <summary>The most iterations run when counting a loop.</summary>
        public const long MaxCountedTrips = 1 << 16;

        /// <summary>The most combinations of first value and loop-invariant values run for one test.</summary>
        private const long MaxCombinations = 1024;

        /// <summary>The most steps run for one test over all its combinations.</summary>
        private const long MaxRunSteps = 1 << 18;

        /// <summary>
        /// Rounds of counting: the counter ranges of outer loops narrow the facts an inner loop's counter enters with (its
        /// first value or limit taken from an outer counter), which may count it or narrow its range in the next round.
        /// </summary>
        private const int MaxRounds = 3;

        private readonly Dictionary<BasicBlock, BasicBlock?> _idom;
        private readonly Dictionary<BasicBlock, int> _position;

        private LoopForest(List<Loop> loops, Dictionary<BasicBlock, BasicBlock?> idom, Dictionary<BasicBlock, int> position)
        {
            All = loops;
            _idom = idom;
            _position = position;
            Roots = loops.Where(l => l.Parent is null).ToList();
            foreach (var loop in loops.OrderByDescending(l => l.Blocks.Count))
            {
                foreach (var block in loop.Blocks) _innermost[block] = loop;
            }
        }

        private readonly Dictionary<BasicBlock, Loop> _innermost = new Dictionary<BasicBlock, Loop>();

        /// <summary>Every loop of the function.</summary>
        public IReadOnlyList<Loop> All { get; }

        /// <summary>The outermost loops.</summary>
        public IReadOnlyList<Loop> Roots { get; }

        /// <summary>The innermost loop holding <paramref name="block"/>, or null.</summary>
        public Loop? InnermostOf(BasicBlock block) => _innermost.TryGetValue(block, out var loop) ? loop : null;

        /// <summary>The counter ranges of every counted loop: what <see cref="ValueFacts.Solve(IrFunction, CounterFacts)"/> narrows registers to.</summary>
        public CounterFacts Counters()
        {
            var counters = new CounterFacts();
            foreach (var loop in All)
            {
                if (loop.CounterRanges.Count > 0) counters.Headers[loop.Header] = loop.CounterRanges;
                foreach (var (from, to, range) in loop.TestRanges)
                {
                    if (!counters.Edges.TryGetValue((from, to), out var list)) counters.Edges[(from, to)] = list = new List<CounterRange>();
                    list.Add(range);
                }
            }
            return counters;
        }

        /// <summary>Finds the loops of <paramref name="function"/> and counts their iterations.</summary>
        public static LoopForest Find(IrFunction function)
        {
            var forest = FindOnce(function, null);
            var counters = forest.Counters();
            for (int round = 1; round < MaxRounds && forest.All.Count > 1; round++)
            {
                var next = FindOnce(function, counters);
                var nextCounters = next.Counters();
                bool same = nextCounters.SameAs(counters) && next.All.Zip(forest.All, (a, b) => a.Trips == b.Trips).All(e => e);
                forest = next;
                counters = nextCounters;
                if (same) break;
            }
            return forest;
        }

        private static LoopForest FindOnce(IrFunction function, CounterFacts? counters)
        {
            var order = Liveness.ReversePostorder(function);
            var position = new Dictionary<BasicBlock, int>();
            for (int i = 0; i < order.Count; i++) position[order[i]] = i;
            var predecessors = order.ToDictionary(b => b, _ => new List<BasicBlock>());
            foreach (var block in order)
            {
                foreach (var successor in block.Successors())
                {
                    if (predecessors.TryGetValue(successor, out var list)) list.Add(block);
                }
            }
            var idom = Dominators(order, position, predecessors);

            // One loop per header, holding the natural loops of all its back edges (an edge to a block that dominates its source).
            var loops = new List<Loop>();
            foreach (var header in order)
            {
                var latches = predecessors[header].Where(p => Dominates(idom, header, p)).ToList();
                if (latches.Count == 0) continue;
                var blocks = new HashSet<BasicBlock> { header };
                var work = new Stack<BasicBlock>();
                foreach (var latch in latches)
                {
                    if (blocks.Add(latch)) work.Push(latch);
                }
                while (work.Count > 0)
                {
                    foreach (var p in predecessors[work.Pop()])
                    {
                        if (blocks.Add(p)) work.Push(p);
                    }
                }
                loops.Add(new Loop(header, blocks, latches));
            }
            foreach (var loop in loops)
            {
                loop.Parent = loops.Where(o => o != loop && o.Blocks.Contains(loop.Header) && o.Blocks.Count > loop.Blocks.Count)
                    .OrderBy(o => o.Blocks.Count).FirstOrDefault();
                loop.Parent?.Children.Add(loop);
            }
            var forest = new LoopForest(loops, idom, position);
            if (loops.Count > 0) forest.Count(function, predecessors, counters);
            return forest;
        }

        private static Dictionary<BasicBlock, BasicBlock?> Dominators(List<BasicBlock> order, Dictionary<BasicBlock, int> position, Dictionary<BasicBlock, List<BasicBlock>> predecessors)
        {
            // Cooper, Harvey and Kennedy's iteration over the reverse postorder.
            var idom = new Dictionary<BasicBlock, BasicBlock?>();
            if (order.Count == 0) return idom;
            idom[order[0]] = order[0];
            bool changed = true;
            while (changed)
            {
                changed = false;
                for (int i = 1; i < order.Count; i++)
                {
                    var block = order[i];
                    BasicBlock? chosen = null;
                    foreach (var p in predecessors[block])
                    {
                        if (!idom.ContainsKey(p)) continue;
                        chosen = chosen is null ? p : Intersect(p, chosen, idom, position);
                    }
                    if (chosen is null) continue;
                    if (!idom.TryGetValue(block, out var old) || old != chosen)
                    {
                        idom[block] = chosen;
                        changed = true;
                    }
                }
            }
            idom[order[0]] = null;
            return idom;
        }

        private static BasicBlock Intersect(BasicBlock a, BasicBlock b, Dictionary<BasicBlock, BasicBlock?> idom, Dictionary<BasicBlock, int> position)
        {
            while (a != b)
            {
                while (position[a] > position[b]) a = idom[a]!;
                while (position[b] > position[a]) b = idom[b]!;
            }
            return a;
        }

        private static bool Dominates(Dictionary<BasicBlock, BasicBlock?> idom, BasicBlock a, BasicBlock b)
        {
            for (BasicBlock? x = b; x is not null; x = idom.TryGetValue(x, out var up) ? up : null)
            {
                if (x == a) return true;
            }
            return false;
        }

        /// <summary>True when <paramref name="a"/> dominates <paramref name="b"/> (every path from the entry to b passes a).</summary>
        public bool Dominates(BasicBlock a, BasicBlock b) => Dominates(_idom, a, b);

        private void Count(IrFunction function, Dictionary<BasicBlock, List<BasicBlock>> predecessors, CounterFacts? counters)
        {
            var facts = ValueFacts.Solve(function, counters);
            var atEnd = new Dictionary<BasicBlock, FactState>();
            facts.Walk((block, index, ins, state) =>
            {
                if (ins.IsTerminator) atEnd[block] = state.Clone();
            });
            foreach (var loop in All)
            {
                var outside = predecessors[loop.Header].Where(p => !loop.Blocks.Contains(p)).ToList();
                Fact? Entering(int register)
                {
                    Fact? joined = null;
                    foreach (var p in outside)
                    {
                        if (!atEnd.TryGetValue(p, out var state)) continue;
                        var fact = state[register];
                        joined = joined is null ? fact : Fact.Join(joined.Value, fact);
                    }
                    return joined;
                }
                CountOne(loop, Entering);
            }
        }

        /// <summary>The blocks of <paramref name="loop"/> that run once in each of its iterations (not inside an inner loop, on every way round).</summary>
        public bool RunsEveryIteration(Loop loop, BasicBlock block)
            => InnermostOf(block) == loop && loop.Latches.All(latch => Dominates(block, latch));

        private void CountOne(Loop loop, System.Func<int, Fact?> entering)
        {
            // Registers the loop writes, and where.
            var writes = new Dictionary<int, List<(BasicBlock Block, int Index)>>();
            foreach (var block in loop.Blocks)
            {
                for (int i = 0; i < block.Instructions.Count; i++)
                {
                    int def = block.Instructions[i].Def;
                    if (def < 0) continue;
                    if (!writes.TryGetValue(def, out var list)) writes[def] = list = new List<(BasicBlock, int)>();
                    list.Add((block, i));
                }
            }
            long? best = null;
            var counted = new List<(CounterRun Run, bool StayWhenTrue)>();
            foreach (var block in loop.Blocks.OrderBy(b => _position[b]))
            {
                if (block.Terminator is not { Op: IrOp.Branch } test || !RunsEveryIteration(loop, block)) continue;
                bool targetInside = loop.Blocks.Contains(test.Target!), elseInside = loop.Blocks.Contains(test.Else!);
                if (targetInside == elseInside) continue;
                loop.ExitTests.Add(test);
                var run = CounterRun.For(this, loop, block, test, writes, entering);
                if (run is null) continue;
                long? trips = run.Trips(stayWhenTrue: targetInside);
                if (trips is null) continue;
                // The verifier knows the outcome only when it follows one value at a time.
                if (run.Exact) loop.DecidedTests.Add(test);
                counted.Add((run, targetInside));
                if (best is null || trips < best) best = trips;
            }
            loop.Trips = best;
            if (best is null) return;
            foreach (var (run, stayWhenTrue) in counted)
            {
                if (loop.Linear is null && run.Exact) loop.Linear = run.Linear(best.Value);
                var (header, stay, leave) = run.Ranges(stayWhenTrue, best.Value);
                if (header is { } range && !loop.CounterRanges.Any(r => r.Equals(range))) loop.CounterRanges.Add(range);
                var test = run.Test;
                if (stay is { } staying) loop.TestRanges.Add((run.TestBlock, stayWhenTrue ? test.Target! : test.Else!, staying));
                if (leave is { } leaving) loop.TestRanges.Add((run.TestBlock, stayWhenTrue ? test.Else! : test.Target!, leaving));
            }
            // Other tests in the loop that read only the counter and constants are decided too.
            foreach (var block in loop.Blocks)
            {
                if (block.Terminator is { Op: IrOp.Branch } branch && !loop.DecidedTests.Contains(branch) && InnermostOf(block) == loop
                    && CounterRun.For(this, loop, block, branch, writes, entering) is { } run && run.Decides())
                {
                    loop.DecidedTests.Add(branch);
                }
            }
        }

        /// <summary>
        /// One exit test of a loop as a function of the loop's counter: the values it compares, computed back through the
        /// instructions of its block from the counter's value there, the counter's step, and the counter's first value.
        /// </summary>
        private sealed class CounterRun
        {
            private const int MaxDepth = 16;

            private IrInstruction _test = null!;
            private BasicBlock _testBlock = null!;
            private int _counter = -1;
            private bool _steppedBeforeTest;
            private BasicBlock _stepBlock = null!;
            private int _stepIndex;
            /// <summary>The registers the loop leaves alone (and the counter, for its first value), with the values they may enter with.</summary>
            private readonly Dictionary<int, (long Low, long High)> _entering = new Dictionary<int, (long, long)>();
            /// <summary>The values of one combination being run.</summary>
            private readonly Dictionary<int, long> _invariants = new Dictionary<int, long>();

            /// <summary>True when the counter's first value and every invariant are constants: one run, which the verifier follows too.</summary>
            public bool Exact { get; private set; }

            public static CounterRun? For(LoopForest forest, Loop loop, BasicBlock block, IrInstruction test,
                Dictionary<int, List<(BasicBlock Block, int Index)>> writes, System.Func<int, Fact?> entering)
            {
                var run = new CounterRun { _test = test, _testBlock = block };
                bool Enters(int register)
                {
                    // Not written in the loop: a value the facts bound where it enters.
                    if (entering(register) is not { IsScalar: true } fact || !fact.IsBounded || fact.Low == long.MinValue || fact.High == long.MaxValue
                        || unchecked((ulong)(fact.High - fact.Low)) >= MaxCombinations) return false;
                    run._entering[register] = (fact.Low, fact.High);
                    return true;
                }
                // The registers the test's values come from at the top of its block.
                var leaves = new HashSet<int>();
                int index = block.Instructions.Count - 1;
                if (!Leaves(block, index, test.A, leaves, 0) || (test.B >= 0 && !Leaves(block, index, test.B, leaves, 0))) return null;
                foreach (int leaf in leaves)
                {
                    if (!writes.ContainsKey(leaf))
                    {
                        if (!Enters(leaf)) return null;
                        continue;
                    }
                    if (run._counter >= 0) return null;
                    run._counter = leaf;
                }
                if (run._counter < 0) return null;
                // The counter is written once per iteration, by a step computed from itself.
                if (writes[run._counter] is not { Count: 1 } steps || !forest.RunsEveryIteration(loop, steps[0].Block)) return null;
                run._stepBlock = steps[0].Block;
                run._stepIndex = steps[0].Index;
                var stepLeaves = new HashSet<int>();
                if (!Leaves(run._stepBlock, run._stepIndex, run._counter, stepLeaves, 0, including: true)) return null;
                foreach (int leaf in stepLeaves)
                {
                    if (leaf == run._counter || run._entering.ContainsKey(leaf)) continue;
                    if (writes.ContainsKey(leaf) || !Enters(leaf)) return null;
                }
                if (!Enters(run._counter)) return null;
                long combinations = 1;
                foreach (var range in run._entering.Values)
                {
                    combinations *= range.High - range.Low + 1;
                    if (combinations > MaxCombinations) return null;
                }
                run.Exact = combinations == 1;
                if (run._stepBlock == block) run._steppedBeforeTest = false; // the test's own block computes through the step
                else if (forest.Dominates(run._stepBlock, block)) run._steppedBeforeTest = true;
                else if (!forest.Dominates(block, run._stepBlock)) return null;
                return run;
            }

            /// <summary>Every combination of the values the registers may enter with, set in <see cref="_invariants"/> in turn.</summary>
            private IEnumerable<long> Combinations()
            {
                var registers = _entering.Keys.ToList();
                foreach (int register in registers) _invariants[register] = _entering[register].Low;
                while (true)
                {
                    yield return _invariants[_counter];
                    int i = 0;
                    for (; i < registers.Count; i++)
                    {
                        int register = registers[i];
                        if (_invariants[register] < _entering[register].High)
                        {
                            _invariants[register]++;
                            break;
                        }
                        _invariants[register] = _entering[register].Low;
                    }
                    if (i == registers.Count) yield break;
                }
            }

            /// <summary>The registers <paramref name="register"/> is computed from at the top of <paramref name="block"/>, before instruction <paramref name="before"/>.</summary>
            private static bool Leaves(BasicBlock block, int before, int register, HashSet<int> leaves, int depth, bool including = false)
            {
                if (depth > MaxDepth) return false;
                for (int i = (including ? before : before - 1); i >= 0; i--)
                {
                    var ins = block.Instructions[i];
                    if (ins.Def != register) continue;
                    switch (ins.Op)
                    {
                        case IrOp.Const: return true;
                        case IrOp.Mov or IrOp.Neg or IrOp.Extend: return Leaves(block, i, ins.A, leaves, depth + 1);
                        case IrOp.Alu when ins.Alu is not (AluOp.Div or AluOp.Mod):
                            return Leaves(block, i, ins.A, leaves, depth + 1) && (ins.B < 0 || Leaves(block, i, ins.B, leaves, depth + 1));
                        default: return false;
                    }
                }
                leaves.Add(register);
                return true;
            }

            /// <summary>The value of <paramref name="register"/> before instruction <paramref name="before"/> of <paramref name="block"/>, given the counter's value at the block's top.</summary>
            private long? Value(BasicBlock block, int before, int register, long counterAtTop, int depth, bool including = false)
            {
                if (depth > MaxDepth) return null;
                for (int i = (including ? before : before - 1); i >= 0; i--)
                {
                    var ins = block.Instructions[i];
                    if (ins.Def != register) continue;
                    switch (ins.Op)
                    {
                        case IrOp.Const: return ins.Imm;
                        case IrOp.Mov: return Value(block, i, ins.A, counterAtTop, depth + 1);
                        case IrOp.Neg:
                            return Value(block, i, ins.A, counterAtTop, depth + 1) is long n ? (ins.Is32 ? (long)(uint)unchecked(-(int)n) : unchecked(-n)) : null;
                        case IrOp.Extend:
                            return Value(block, i, ins.A, counterAtTop, depth + 1) is long e ? Extend(e, ins.Size, ins.Signed) : null;
                        case IrOp.Alu:
                            if (Value(block, i, ins.A, counterAtTop, depth + 1) is not long a) return null;
                            long? b = ins.B < 0 ? ins.Imm : Value(block, i, ins.B, counterAtTop, depth + 1);
                            return b is long bv ? Alu(ins.Alu, ins.Is32, a, bv) : null;
                        default: return null;
                    }
                }
                if (register == _counter) return counterAtTop;
                return _invariants.TryGetValue(register, out long constant) ? constant : null;
            }

            private long? Step(long counter) => Value(_stepBlock, _stepIndex, _counter, counter, 0, including: true);

            /// <summary>The test's outcome when the counter held <paramref name="counter"/> as the iteration began.</summary>
            private bool? Outcome(long counter)
            {
                long atTop = counter;
                if (_steppedBeforeTest)
                {
                    if (Step(counter) is not long stepped) return null;
                    atTop = stepped;
                }
                int last = _testBlock.Instructions.Count - 1;
                if (Value(_testBlock, last, _test.A, atTop, 0) is not long a) return null;
                long? b = _test.B < 0 ? _test.Imm : Value(_testBlock, last, _test.B, atTop, 0);
                return b is long bv ? Holds(_test.Cond, _test.Is32, a, bv) : null;
            }

            /// <summary>
            /// Iterations until the test leaves the loop (counting the one that leaves), the most over every combination of
            /// entering values, or null when some combination does not leave within the bound.
            /// </summary>
            public long? Trips(bool stayWhenTrue)
            {
                long most = 0, budget = MaxRunSteps;
                foreach (long start in Combinations())
                {
                    long counter = start;
                    long? found = null;
                    for (long trips = 1; trips <= MaxCountedTrips && budget-- > 0; trips++)
                    {
                        if (Outcome(counter) is not bool outcome) return null;
                        if (outcome != stayWhenTrue)
                        {
                            found = trips;
                            break;
                        }
                        if (Step(counter) is not long next) return null;
                        counter = next;
                    }
                    if (found is not long t) return null;
                    most = System.Math.Max(most, t);
                }
                return most;
            }

            public IrInstruction Test => _test;

            public BasicBlock TestBlock => _testBlock;

            /// <summary>
            /// Over the first <paramref name="trips"/> iterations (the loop runs no more, whichever test ends it) and every
            /// combination: the least and greatest value the counter holds at the top of the header, and in its register at
            /// the test on the way that stays in the loop and on the way that leaves it (null for a way never taken).
            /// </summary>
            public (CounterRange? Header, CounterRange? Stay, CounterRange? Leave) Ranges(bool stayWhenTrue, long trips)
            {
                var header = (Low: long.MaxValue, High: long.MinValue);
                var stay = header;
                var leave = header;
                static (long, long) Add((long Low, long High) range, long value) => (System.Math.Min(range.Low, value), System.Math.Max(range.High, value));
                // At the test, the register holds the stepped value once the step has run in this iteration.
                bool steppedAtTest = _steppedBeforeTest || _stepBlock == _testBlock;
                foreach (long start in Combinations())
                {
                    long counter = start;
                    for (long k = 0; k < trips; k++)
                    {
                        header = Add(header, counter);
                        if (Outcome(counter) is not bool outcome || Step(counter) is not long next) return (null, null, null);
                        long atTest = steppedAtTest ? next : counter;
                        if (outcome != stayWhenTrue)
                        {
                            leave = Add(leave, atTest);
                            break;
                        }
                        stay = Add(stay, atTest);
                        counter = next;
                    }
                }
                CounterRange? Of((long Low, long High) range) => range.Low <= range.High ? new CounterRange(_counter, range.Low, range.High, Exact) : null;
                return (Of(header), Of(stay), Of(leave));
            }

            /// <summary>
            /// For an exact run: the counter's first value and step when its values at the top of the first
            /// <paramref name="trips"/> iterations (at least two) step by one constant in 64 bits; null otherwise.
            /// </summary>
            public (int Register, long Start, long Step)? Linear(long trips)
            {
                if (!Exact || trips < 2) return null;
                long start = 0;
                foreach (long first in Combinations()) start = first;
                if (Step(start) is not long second) return null;
                long step = unchecked(second - start), counter = start;
                for (long k = 1; k < trips; k++)
                {
                    if (Step(counter) is not long next || unchecked(next - counter) != step) return null;
                    counter = next;
                }
                return step == 0 ? null : (_counter, start, step);
            }

            /// <summary>True when the test's outcome is known from the counter in every iteration (its one first value, at least).</summary>
            public bool Decides()
            {
                if (!Exact) return false;
                foreach (long start in Combinations()) return Outcome(start) is not null;
                return false;
            }
        }

        private static long Extend(long value, int size, bool signed) => size switch
        {
            1 => signed ? (sbyte)value : (byte)value,
            2 => signed ? (short)value : (ushort)value,
            4 => signed ? (int)value : (uint)value,
            _ => value,
        };

        /// <summary>An ALU operation as the machine does it (32-bit operations zero-extend); null where the verifier would not know the result.</summary>
        private static long? Alu(AluOp op, bool is32, long a, long b)
        {
            if (is32)
            {
                uint x = (uint)a, y = (uint)b;
                uint? r = op switch
                {
                    AluOp.Add => unchecked(x + y),
                    AluOp.Sub => unchecked(x - y),
                    AluOp.Mul => unchecked(x * y),
                    AluOp.Or => x | y,
                    AluOp.And => x & y,
                    AluOp.Xor => x ^ y,
                    AluOp.Lsh when y < 32 => x << (int)y,
                    AluOp.Rsh when y < 32 => x >> (int)y,
                    AluOp.Arsh when y < 32 => (uint)((int)x >> (int)y),
                    _ => null,
                };
                return r is uint v ? v : null;
            }
            return op switch
            {
                AluOp.Add => unchecked(a + b),
                AluOp.Sub => unchecked(a - b),
                AluOp.Mul => unchecked(a * b),
                AluOp.Or => a | b,
                AluOp.And => a & b,
                AluOp.Xor => a ^ b,
                AluOp.Lsh when (ulong)b < 64 => a << (int)b,
                AluOp.Rsh when (ulong)b < 64 => (long)((ulong)a >> (int)b),
                AluOp.Arsh when (ulong)b < 64 => a >> (int)b,
                _ => null,
            };
        }

        /// <summary>Whether a branch's condition holds for the values it compares (32-bit conditions compare the low halves).</summary>
        public static bool Holds(Cond cond, bool is32, long value, long other)
        {
            if (is32)
            {
                bool signed = cond is Cond.SGt or Cond.SGe or Cond.SLt or Cond.SLe;
                value = signed ? (int)value : (long)(uint)value;
                other = signed ? (int)other : (long)(uint)other;
            }
            return cond switch
            {
                Cond.Eq => value == other,
                Cond.Ne => value != other,
                Cond.Gt => (ulong)value > (ulong)other,
                Cond.Ge => (ulong)value >= (ulong)other,
                Cond.Lt => (ulong)value < (ulong)other,
                Cond.Le => (ulong)value <= (ulong)other,
                Cond.SGt => value > other,
                Cond.SGe => value >= other,
                Cond.SLt => value < other,
                Cond.SLe => value <= other,
                Cond.Set => (value & other) != 0,
                _ => false,
            };
        }
    }
}
