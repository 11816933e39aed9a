using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Backend;
using BpfDotnet.Compiler.Facts;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Unrolls small loops of a known trip count completely, as clang -O2 does. The verifier walks every iteration of a
    /// loop anyway (its counter differs in each), so unrolling costs it nothing more, while each copy drops the
    /// counter's increment and test and folds the counter into the addresses it indexes: a 16-element sum verifies in a
    /// third of the instructions. A loop qualifies when it is innermost, its header tests one counter against a
    /// constant, the counter enters it with a value the facts know, and it is changed once per iteration by a constant
    /// step at the end; the copies, all together, must stay small (<see cref="MaxUnrolledSize"/>).
    /// </summary>
    internal static class LoopUnrolling
    {
        /// <summary>The most iterations unrolled.</summary>
        private const int MaxTrips = 32;

        /// <summary>The most IR instructions the copies of one loop may add.</summary>
        private const int MaxUnrolledSize = 256;

        /// <summary>The most IR instructions unrolling may add to a function in all.</summary>
        private const int MaxGrowth = 1024;

        public static void Run(IrFunction function)
        {
            int growth = 0;
            // Each round unrolls one loop, so that the next round sees the function as it now is.
            for (int round = 0; round < 16; round++)
            {
                int added = UnrollOne(function, MaxGrowth - growth);
                if (added <= 0) return;
                growth += added;
            }
        }

        private sealed class Candidate
        {
            public BasicBlock Header = null!;
            public BasicBlock Latch = null!;
            public BasicBlock Preheader = null!;
            public HashSet<BasicBlock> Blocks = null!;
            public int Counter;
            public IrInstruction Step = null!;
            public long Start;
            public int Trips;
            public List<long> Values = null!;
        }

        private static int UnrollOne(IrFunction function, int budget)
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

            ValueFacts? facts = null;
            Dictionary<BasicBlock, FactState>? exits = null;
            foreach (var header in order)
            {
                var latches = predecessors[header].Where(p => position[p] >= position[header]).ToList();
                var outside = predecessors[header].Where(p => position[p] < position[header]).ToList();
                if (latches.Count != 1 || outside.Count != 1) continue;
                var latch = latches[0];
                var blocks = NaturalLoop(header, latch, predecessors);
                // Innermost loops only: no other back edge inside.
                if (blocks.Any(b => b != latch && b.Successors().Any(s => s != header && blocks.Contains(s) && position[s] <= position[b]))) continue;
                if (blocks.Any(b => b != latch && b.Successors().Contains(header))) continue;
                // One way in: only the header has predecessors outside the loop.
                if (blocks.Any(b => b != header && predecessors[b].Any(p => !blocks.Contains(p)))) continue;
                var candidate = Qualify(function, header, latch, outside[0], blocks);
                if (candidate is null) continue;

                facts ??= ValueFacts.Solve(function);
                exits ??= StatesBeforeTerminators(facts);
                if (!exits.TryGetValue(candidate.Preheader, out var atEntry)) continue;
                var start = atEntry[candidate.Counter];
                if (!start.IsScalar || start.Low != start.High) continue;
                candidate.Start = start.Low;
                if (!Simulate(candidate)) continue;
                int size = blocks.Sum(b => b.Instructions.Count);
                int added = size * candidate.Trips + header.Instructions.Count + 1;
                if (size * candidate.Trips > MaxUnrolledSize || added > budget) continue;
                Unroll(function, candidate);
                return added;
            }
            return 0;
        }

        /// <summary>The blocks of the loop whose back edge is <paramref name="latch"/> → <paramref name="header"/>.</summary>
        private static HashSet<BasicBlock> NaturalLoop(BasicBlock header, BasicBlock latch, Dictionary<BasicBlock, List<BasicBlock>> predecessors)
        {
            var blocks = new HashSet<BasicBlock> { header, latch };
            var work = new Stack<BasicBlock>();
            if (latch != header) work.Push(latch);
            while (work.Count > 0)
            {
                foreach (var p in predecessors[work.Pop()])
                {
                    if (blocks.Add(p)) work.Push(p);
                }
            }
            return blocks;
        }

        /// <summary>The loop's counter and its step, when the loop has the shape unrolling needs.</summary>
        private static Candidate? Qualify(IrFunction function, BasicBlock header, BasicBlock latch, BasicBlock preheader, HashSet<BasicBlock> blocks)
        {
            if (header == latch || header.Terminator is not { Op: IrOp.Branch, B: < 0 } test) return null;
            if (blocks.Contains(test.Target!) == blocks.Contains(test.Else!)) return null;
            if (latch.Terminator is not { Op: IrOp.Jump }) return null;
            int counter = test.A;
            if (function.Parameters.Contains(counter)) return null;
            // The counter is written once in the loop, in the latch: i = i ± c, or t = i ± c; i = t.
            IrInstruction? write = null;
            foreach (var block in blocks)
            {
                foreach (var ins in block.Instructions)
                {
                    if (ins.Def != counter) continue;
                    if (write is not null || block != latch) return null;
                    write = ins;
                }
            }
            if (write is null) return null;
            IrInstruction? step = null;
            if (write.Op == IrOp.Alu && write.A == counter && write.B < 0 && !write.Is32 && (write.Alu == AluOp.Add || write.Alu == AluOp.Sub)) step = write;
            else if (write.Op == IrOp.Mov)
            {
                int at = latch.Instructions.IndexOf(write);
                for (int i = at - 1; i >= 0 && step is null; i--)
                {
                    var ins = latch.Instructions[i];
                    if (ins.Def == write.A)
                    {
                        if (ins.Op == IrOp.Alu && ins.A == counter && ins.B < 0 && !ins.Is32 && (ins.Alu == AluOp.Add || ins.Alu == AluOp.Sub)) step = ins;
                        break;
                    }
                }
                // Nothing between the step and the copy may read the counter expecting either value.
                if (step is not null && latch.Instructions.Skip(latch.Instructions.IndexOf(step) + 1).TakeWhile(i => i != write).Any(i => i.Uses().Contains(counter))) step = null;
            }
            if (step is null) return null;
            // Nothing after the write in the latch reads the counter (its copies read the value of their own iteration).
            if (latch.Instructions.Skip(latch.Instructions.IndexOf(write) + 1).Any(i => i.Uses().Contains(counter))) return null;
            return new Candidate { Header = header, Latch = latch, Preheader = preheader, Blocks = blocks, Counter = counter, Step = step };
        }

        /// <summary>Runs the counter: the trip count and the counter's value in each iteration, or false when it does not end soon.</summary>
        private static bool Simulate(Candidate loop)
        {
            var test = loop.Header.Terminator!;
            bool stayInside = loop.Blocks.Contains(test.Target!);
            long step = loop.Step.Alu == AluOp.Add ? loop.Step.Imm : -loop.Step.Imm;
            var values = new List<long>();
            long value = loop.Start;
            while (LoopForest.Holds(test.Cond, test.Is32, value, test.Imm) == stayInside)
            {
                if (values.Count == MaxTrips) return false;
                values.Add(value);
                value = unchecked(value + step);
            }
            loop.Values = values;
            loop.Trips = values.Count;
            return values.Count > 0;
        }

        private static Dictionary<BasicBlock, FactState> StatesBeforeTerminators(ValueFacts facts)
        {
            var states = new Dictionary<BasicBlock, FactState>();
            facts.Walk((block, index, ins, state) =>
            {
                if (ins.IsTerminator) states[block] = state.Clone();
            });
            return states;
        }

        /// <summary>
        /// Replaces the loop by one copy of its blocks per iteration, each reading the counter as a constant and going
        /// straight into the body, then one copy of the header that goes straight out. The original blocks are emptied.
        /// </summary>
        private static void Unroll(IrFunction function, Candidate loop)
        {
            var liveness = Liveness.Compute(function);
            // Registers that keep their names: those live across iterations or after the loop, and the counter.
            var keep = new HashSet<int>(liveness.LiveIn[loop.Header]) { loop.Counter };
            foreach (var block in loop.Blocks)
            {
                foreach (var successor in block.Successors())
                {
                    if (!loop.Blocks.Contains(successor)) keep.UnionWith(liveness.LiveIn[successor]);
                }
            }

            var headers = new List<BasicBlock>();
            var copies = new List<Dictionary<BasicBlock, BasicBlock>>();
            for (int k = 0; k <= loop.Trips; k++)
            {
                var map = new Dictionary<BasicBlock, BasicBlock>();
                foreach (var block in k < loop.Trips ? loop.Blocks : new HashSet<BasicBlock> { loop.Header }) map[block] = function.NewBlock();
                copies.Add(map);
                headers.Add(map[loop.Header]);
            }
            var stepPosition = loop.Step.Position;
            for (int k = 0; k <= loop.Trips; k++)
            {
                var map = copies[k];
                var renamed = new Dictionary<int, int>();
                int constant = function.NewReg();
                long value = k < loop.Trips ? loop.Values[k] : unchecked(loop.Values[loop.Trips - 1] + (loop.Step.Alu == AluOp.Add ? loop.Step.Imm : -loop.Step.Imm));
                int Rename(int register, bool beforeWrite)
                {
                    if (register < 0) return register;
                    if (register == loop.Counter) return beforeWrite ? constant : register;
                    if (keep.Contains(register)) return register;
                    if (!renamed.TryGetValue(register, out int fresh)) renamed[register] = fresh = function.NewReg();
                    return fresh;
                }
                foreach (var entry in map)
                {
                    var original = entry.Key;
                    var copy = entry.Value;
                    if (original == loop.Header) copy.Instructions.Add(new IrInstruction { Op = IrOp.Const, Dst = constant, Imm = value, Position = loop.Header.Terminator!.Position });
                    bool beforeWrite = true;
                    foreach (var ins in original.Instructions)
                    {
                        var clone = Clone(ins);
                        if (clone.A >= 0) clone.A = Rename(clone.A, beforeWrite);
                        if (clone.B >= 0) clone.B = Rename(clone.B, beforeWrite);
                        if (clone.Addr.BaseReg >= 0) clone.Addr = new Address(Rename(clone.Addr.BaseReg, beforeWrite), clone.Addr.Slot, clone.Addr.Offset);
                        if (clone.Args is not null) for (int a = 0; a < clone.Args.Count; a++) clone.Args[a] = Rename(clone.Args[a], beforeWrite);
                        if (clone.Dst >= 0) clone.Dst = Rename(clone.Dst, beforeWrite: false);
                        if (ins.Def == loop.Counter) beforeWrite = false;
                        if (ins == loop.Header.Terminator)
                        {
                            // The test's outcome is known in every copy: the body in the first ones, the exit in the last.
                            var inside = loop.Blocks.Contains(ins.Target!) ? ins.Target! : ins.Else!;
                            var exit = inside == ins.Target ? ins.Else! : ins.Target!;
                            copy.Instructions.Add(new IrInstruction { Op = IrOp.Jump, Target = k < loop.Trips ? map[inside] : exit, Position = ins.Position });
                            continue;
                        }
                        // Edges back to the header go to the next copy; edges inside go inside this copy.
                        if (clone.Target is not null) clone.Target = Retarget(clone.Target, loop, map, headers, k);
                        if (clone.Else is not null) clone.Else = Retarget(clone.Else, loop, map, headers, k);
                        copy.Instructions.Add(clone);
                    }
                }
            }
            // The loop is entered at the first copy.
            var preheaderEnd = loop.Preheader.Terminator!;
            if (preheaderEnd.Target == loop.Header) preheaderEnd.Target = headers[0];
            if (preheaderEnd.Else == loop.Header) preheaderEnd.Else = headers[0];
            if (stepPosition?.Location is { } location) function.UnrolledLoops.Add(location);
            // The original blocks can no longer be reached; emptied, they hold no uses that would keep values alive.
            foreach (var block in loop.Blocks)
            {
                block.Instructions.Clear();
                block.Instructions.Add(new IrInstruction { Op = IrOp.Return, Imm = 0 });
            }
        }

        private static BasicBlock Retarget(BasicBlock target, Candidate loop, Dictionary<BasicBlock, BasicBlock> map, List<BasicBlock> headers, int k)
        {
            if (target == loop.Header) return headers[k + 1 < headers.Count ? k + 1 : k];
            return map.TryGetValue(target, out var inside) ? inside : target;
        }

        private static IrInstruction Clone(IrInstruction ins) => new IrInstruction
        {
            Op = ins.Op, Dst = ins.Dst, A = ins.A, B = ins.B, Imm = ins.Imm, Is32 = ins.Is32, Alu = ins.Alu, Cond = ins.Cond,
            Size = ins.Size, Signed = ins.Signed, Fetch = ins.Fetch, Atomic = ins.Atomic, Addr = ins.Addr, Slot = ins.Slot,
            Helper = ins.Helper, Callee = ins.Callee, MapName = ins.MapName, IsGlobalData = ins.IsGlobalData,
            Args = ins.Args is null ? null : new List<int>(ins.Args), Target = ins.Target, Else = ins.Else, Position = ins.Position,
        };
    }
}
