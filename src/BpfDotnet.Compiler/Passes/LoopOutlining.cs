using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Backend;
using BpfDotnet.Compiler.Ir;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>A counted loop to run through <c>bpf_loop</c>, as lowering knows it.</summary>
    /// <param name="Condition">Where the loop's condition is: the loop's header is the first block that evaluates it.</param>
    /// <param name="Counter">The counter's register.</param>
    /// <param name="Start">The counter's first value.</param>
    /// <param name="Step">What each iteration adds to the counter.</param>
    /// <param name="Trips">How many times the body runs at most.</param>
    /// <param name="Name">The symbol of the callback subprogram made of the loop.</param>
    internal sealed record CountedLoop(Location Condition, int Counter, long Start, long Step, long Trips, string Name);

    /// <summary>
    /// Moves a counted loop into a callback subprogram that <c>bpf_loop</c> calls once per iteration (kernel 5.17+). The
    /// verifier then walks the loop's body once or twice, however many times it runs, instead of once per iteration.
    /// <para>
    /// The function keeps the loop's registers and stack in one environment slot whose address is the callback's
    /// context: each register the loop reads from before it or leaves to after it has an 8-byte cell there, and every
    /// stack slot the loop touches moves into it (the function reaches it there too). The callback computes the counter
    /// from the iteration index bpf_loop passes (start + index × step, so the verifier knows its range without following
    /// each value), loads the other cells, runs one iteration and stores back what it changed. A back edge returns 0 (go
    /// on); an exit out of the loop, or a <c>return</c> inside it, stores which one it was and returns 1 (stop). After
    /// the call the function reloads the cells and goes where the loop left.
    /// </para>
    /// </summary>
    internal static class LoopOutlining
    {
        private const int ExitCell = 0, ReturnCell = 8, FirstCell = 16;

        /// <summary>
        /// Outlines <paramref name="loop"/> from <paramref name="function"/>; returns the callback (to be compiled as a
        /// subprogram taking (u32 index, void *context) and returning long), or null with the reason it cannot.
        /// </summary>
        public static IrFunction? Run(IrFunction function, CountedLoop loop, out string why)
        {
            why = "";
            var liveness = Liveness.Compute(function);
            var order = liveness.Order;
            var header = order.FirstOrDefault(block => block.Instructions.Any(ins => Within(ins.Position, loop.Condition)));
            if (header is null) return Fail("its condition was folded away", out why);

            var predecessors = order.ToDictionary(b => b, _ => new List<BasicBlock>());
            foreach (var block in order)
            {
                foreach (var successor in block.Successors())
                {
                    if (predecessors.TryGetValue(successor, out var list)) list.Add(block);
                }
            }
            var fromHeader = Reachable(header);
            var blocks = new HashSet<BasicBlock> { header };
            var work = new Stack<BasicBlock>(predecessors[header].Where(fromHeader.Contains));
            if (work.Count == 0) return Fail("it does not loop", out why);
            while (work.Count > 0)
            {
                var block = work.Pop();
                if (!blocks.Add(block)) continue;
                foreach (var p in predecessors[block]) work.Push(p);
            }
            foreach (var block in blocks)
            {
                if (block != header && predecessors[block].Any(p => !blocks.Contains(p))) return Fail("it is entered other than through its condition", out why);
            }
            var loopOrder = order.Where(blocks.Contains).ToList();

            // Registers the loop shares with the rest of the function, and the stack slots it touches.
            var referenced = new HashSet<int>();
            var defined = new HashSet<int>();
            var slots = new SortedSet<int>();
            foreach (var ins in loopOrder.SelectMany(b => b.Instructions))
            {
                foreach (int use in ins.Uses()) if (use >= 0) referenced.Add(use);
                if (ins.Def >= 0)
                {
                    referenced.Add(ins.Def);
                    defined.Add(ins.Def);
                }
                if (ins.Op == IrOp.FrameAddr) slots.Add(ins.Slot);
                if ((ins.Op is IrOp.Load or IrOp.Store or IrOp.Atomic) && ins.Addr.IsSlot) slots.Add(ins.Addr.Slot);
            }
            if (!defined.Contains(loop.Counter) || function.Parameters.Contains(loop.Counter)) return Fail("its counter is not a register it steps", out why);
            var exits = new List<BasicBlock>();
            foreach (var block in loopOrder)
            {
                foreach (var successor in block.Successors())
                {
                    if (!blocks.Contains(successor) && !exits.Contains(successor)) exits.Add(successor);
                }
            }
            var shared = new SortedSet<int>(liveness.LiveIn[header]);
            foreach (var exit in exits) shared.UnionWith(liveness.LiveIn[exit]);
            shared.IntersectWith(referenced);
            var carried = shared.Where(defined.Contains).ToList();

            // The environment: the exit taken, a return value, the shared registers' cells, then the slots moved in.
            var cells = new Dictionary<int, int>();
            int size = FirstCell;
            foreach (int reg in shared)
            {
                cells[reg] = size;
                size += 8;
            }
            var moved = new Dictionary<int, int>();
            foreach (int slot in slots)
            {
                var s = function.Slots[slot];
                int alignment = System.Math.Max(1, System.Math.Min(8, s.Alignment));
                size = (size + alignment - 1) / alignment * alignment;
                moved[slot] = size;
                size += s.Size;
            }
            size = (size + 7) / 8 * 8;
            var environment = function.NewSlot(size, 8, "the state of the loop run by bpf_loop");
            var position = header.Instructions.First(ins => Within(ins.Position, loop.Condition)).Position;

            // The callback: bounds the index for the verifier, computes the counter, loads the cells, runs one iteration.
            var callback = new IrFunction();
            callback.ReserveRegisters(function.RegisterCount);
            int index = callback.NewReg(), context = callback.NewReg();
            callback.Parameters.Add(index);
            callback.Parameters.Add(context);
            var entry = callback.NewBlock();
            var stop = callback.NewBlock();
            var start = callback.NewBlock();
            entry.Instructions.Add(new IrInstruction { Op = IrOp.Branch, Cond = Cond.Gt, A = index, Imm = loop.Trips, Target = stop, Else = start, Position = position });
            stop.Instructions.Add(new IrInstruction { Op = IrOp.Return, Imm = 1, Position = position });
            // In 64 bits: the counter's register holds its value sign- or zero-extended, as its type has it.
            Add(start, new IrInstruction { Op = IrOp.Mov, Dst = loop.Counter, A = index }, position);
            if (loop.Step != 1) Add(start, new IrInstruction { Op = IrOp.Alu, Alu = AluOp.Mul, Dst = loop.Counter, A = loop.Counter, Imm = loop.Step }, position);
            if (loop.Start != 0) Add(start, new IrInstruction { Op = IrOp.Alu, Alu = AluOp.Add, Dst = loop.Counter, A = loop.Counter, Imm = loop.Start }, position);
            foreach (int reg in shared)
            {
                if (reg != loop.Counter) Add(start, new IrInstruction { Op = IrOp.Load, Dst = reg, Addr = Address.OfReg(context, cells[reg]), Size = 8 }, position);
            }

            var copies = loopOrder.ToDictionary(b => b, _ => callback.NewBlock());
            Add(start, new IrInstruction { Op = IrOp.Jump, Target = copies[header] }, position);
            var next = callback.NewBlock();
            foreach (int reg in carried)
            {
                if (reg != loop.Counter) Add(next, new IrInstruction { Op = IrOp.Store, Addr = Address.OfReg(context, cells[reg]), Size = 8, A = reg }, position);
            }
            Add(next, new IrInstruction { Op = IrOp.Return, Imm = 0 }, position);
            var leave = new Dictionary<BasicBlock, BasicBlock>();
            for (int k = 0; k < exits.Count; k++)
            {
                var block = callback.NewBlock();
                foreach (int reg in carried) Add(block, new IrInstruction { Op = IrOp.Store, Addr = Address.OfReg(context, cells[reg]), Size = 8, A = reg }, position);
                Add(block, new IrInstruction { Op = IrOp.Store, Addr = Address.OfReg(context, ExitCell), Size = 8, A = -1, Imm = k }, position);
                Add(block, new IrInstruction { Op = IrOp.Return, Imm = 1 }, position);
                leave[exits[k]] = block;
            }
            BasicBlock Retarget(BasicBlock target) => target == header ? next : copies.TryGetValue(target, out var copy) ? copy : leave[target];
            foreach (var block in loopOrder)
            {
                var copy = copies[block];
                foreach (var original in block.Instructions)
                {
                    var ins = original.Clone();
                    if (ins.Op == IrOp.FrameAddr && moved.TryGetValue(ins.Slot, out int at))
                    {
                        copy.Instructions.Add(new IrInstruction { Op = IrOp.Mov, Dst = ins.Dst, A = context, Position = ins.Position });
                        copy.Instructions.Add(new IrInstruction { Op = IrOp.Alu, Alu = AluOp.Add, Dst = ins.Dst, A = ins.Dst, Imm = at, Position = ins.Position });
                        continue;
                    }
                    if ((ins.Op is IrOp.Load or IrOp.Store or IrOp.Atomic) && ins.Addr.IsSlot) ins.Addr = Address.OfReg(context, moved[ins.Addr.Slot] + ins.Addr.Offset);
                    if (ins.Op == IrOp.Return)
                    {
                        // A return inside the loop: the function returns the value once the callback has stopped.
                        copy.Instructions.Add(new IrInstruction { Op = IrOp.Store, Addr = Address.OfReg(context, ReturnCell), Size = 8, A = ins.A, Imm = ins.Imm, Position = ins.Position });
                        copy.Instructions.Add(new IrInstruction { Op = IrOp.Store, Addr = Address.OfReg(context, ExitCell), Size = 8, A = -1, Imm = exits.Count, Position = ins.Position });
                        ins.A = -1;
                        ins.Imm = 1;
                    }
                    if (ins.Target is not null) ins.Target = Retarget(ins.Target);
                    if (ins.Else is not null) ins.Else = Retarget(ins.Else);
                    copy.Instructions.Add(ins);
                }
            }

            // The function: the moved slots are reached in the environment, and the loop is one call.
            foreach (var block in function.Blocks)
            {
                if (blocks.Contains(block)) continue;
                for (int i = 0; i < block.Instructions.Count; i++)
                {
                    var ins = block.Instructions[i];
                    if ((ins.Op is IrOp.Load or IrOp.Store or IrOp.Atomic) && ins.Addr.IsSlot && moved.TryGetValue(ins.Addr.Slot, out int at))
                    {
                        ins.Addr = Address.OfSlot(environment.Id, at + ins.Addr.Offset);
                    }
                    else if (ins.Op == IrOp.FrameAddr && moved.TryGetValue(ins.Slot, out at))
                    {
                        ins.Slot = environment.Id;
                        block.Instructions.Insert(i + 1, new IrInstruction { Op = IrOp.Alu, Alu = AluOp.Add, Dst = ins.Dst, A = ins.Dst, Imm = at, Position = ins.Position });
                        i++;
                    }
                }
            }
            var call = function.NewBlock();
            foreach (var block in function.Blocks)
            {
                if (blocks.Contains(block) || block == call) continue;
                var terminator = block.Terminator;
                if (terminator is null) continue;
                if (terminator.Target == header) terminator.Target = call;
                if (terminator.Else == header) terminator.Else = call;
            }
            foreach (int reg in shared) Add(call, new IrInstruction { Op = IrOp.Store, Addr = Address.OfSlot(environment.Id, cells[reg]), Size = 8, A = reg }, position);
            int headerExit = exits.IndexOf(header.Successors().FirstOrDefault(s => !blocks.Contains(s)) ?? exits[0]);
            Add(call, new IrInstruction { Op = IrOp.Store, Addr = Address.OfSlot(environment.Id, ExitCell), Size = 8, A = -1, Imm = System.Math.Max(0, headerExit) }, position);
            int iterations = Reg(function, call, new IrInstruction { Op = IrOp.Const, Imm = loop.Trips + 1 }, position);
            int callbackAddress = Reg(function, call, new IrInstruction { Op = IrOp.LoadMap, Callee = loop.Name }, position);
            int environmentAddress = Reg(function, call, new IrInstruction { Op = IrOp.FrameAddr, Slot = environment.Id }, position);
            int flags = Reg(function, call, new IrInstruction { Op = IrOp.Const, Imm = 0 }, position);
            Reg(function, call, new IrInstruction { Op = IrOp.Call, Helper = (int)KernelModel.HelperId.Loop, Args = new List<int> { iterations, callbackAddress, environmentAddress, flags } }, position);
            foreach (int reg in carried) Add(call, new IrInstruction { Op = IrOp.Load, Dst = reg, Addr = Address.OfSlot(environment.Id, cells[reg]), Size = 8 }, position);
            int exitTaken = Reg(function, call, new IrInstruction { Op = IrOp.Load, Addr = Address.OfSlot(environment.Id, ExitCell), Size = 8 }, position);
            var dispatch = call;
            var returns = function.NewBlock();
            int returned = Reg(function, returns, new IrInstruction { Op = IrOp.Load, Addr = Address.OfSlot(environment.Id, ReturnCell), Size = 8 }, position);
            Add(returns, new IrInstruction { Op = IrOp.Return, A = returned }, position);
            bool anyReturn = loopOrder.Any(b => b.Terminator?.Op == IrOp.Return);
            for (int k = 0; k < exits.Count; k++)
            {
                bool last = k == exits.Count - 1 && !anyReturn;
                if (last)
                {
                    Add(dispatch, new IrInstruction { Op = IrOp.Jump, Target = exits[k] }, position);
                    break;
                }
                var rest = function.NewBlock();
                Add(dispatch, new IrInstruction { Op = IrOp.Branch, Cond = Cond.Eq, A = exitTaken, Imm = k, Target = exits[k], Else = rest }, position);
                dispatch = rest;
            }
            if (anyReturn) Add(dispatch, new IrInstruction { Op = IrOp.Jump, Target = returns }, position);
            function.Blocks.RemoveAll(blocks.Contains);
            if (!anyReturn) function.Blocks.Remove(returns);
            return callback;
        }

        private static bool Within(SourcePosition? position, Location condition)
            => position?.Location is { } at && at.SourceTree == condition.SourceTree && condition.SourceSpan.Contains(at.SourceSpan);

        private static HashSet<BasicBlock> Reachable(BasicBlock from)
        {
            var seen = new HashSet<BasicBlock>();
            var work = new Stack<BasicBlock>();
            work.Push(from);
            while (work.Count > 0)
            {
                var block = work.Pop();
                foreach (var successor in block.Successors())
                {
                    if (seen.Add(successor)) work.Push(successor);
                }
            }
            return seen;
        }

        private static void Add(BasicBlock block, IrInstruction ins, SourcePosition? position)
        {
            ins.Position ??= position;
            block.Instructions.Add(ins);
        }

        private static int Reg(IrFunction function, BasicBlock block, IrInstruction ins, SourcePosition? position)
        {
            ins.Dst = function.NewReg();
            Add(block, ins, position);
            return ins.Dst;
        }

        private static IrFunction? Fail(string reason, out string why)
        {
            why = reason;
            return null;
        }
    }
}
