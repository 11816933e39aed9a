using System;
using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Backend
{
    /// <summary>
    /// Lays out a function's stack frame, giving slots whose contents are never needed at the same time the same
    /// bytes (the key temporaries of seventy map updates in a row take one slot, not seventy).
    /// <para>
    /// A slot is <em>touched</em> by an instruction that loads, stores or takes its address, and by any instruction
    /// that uses a register derived from its address (copies, pointer arithmetic, a subprogram's result when an
    /// argument pointed into it). A slot is <em>active</em> at an instruction when it has been touched on some path
    /// from the entry to there and will be touched on some path from there to an exit: whatever value it holds can
    /// only matter while it is active. Two slots share bytes only when they are never active at one instruction.
    /// A slot whose address is stored to memory or returned is never shared, nor is one the IR does not mention
    /// (register spills and the code generator's own slots).
    /// </para>
    /// </summary>
    internal static class FrameLayout
    {
        /// <summary>Sets every slot's <see cref="StackSlot.FrameOffset"/> and returns the frame's depth in bytes.</summary>
        public static int Layout(IrFunction function, List<BasicBlock> order)
        {
            int count = function.Slots.Count;
            var shareable = new bool[count];
            var interference = Interference(function, order, shareable);

            // Greedy: each slot joins the first group none of whose members it interferes with.
            var groups = new List<List<StackSlot>>();
            foreach (var slot in function.Slots)
            {
                List<StackSlot>? home = null;
                if (shareable[slot.Id])
                {
                    home = groups.FirstOrDefault(g => g.All(member => shareable[member.Id] && !interference[slot.Id].Get(member.Id)));
                }
                if (home is null) groups.Add(new List<StackSlot> { slot });
                else home.Add(slot);
            }

            int depth = 0;
            foreach (var group in groups)
            {
                int size = group.Max(s => s.Size), alignment = group.Max(s => s.Alignment);
                depth = (depth + size + alignment - 1) / alignment * alignment;
                foreach (var slot in group) slot.FrameOffset = -depth;
            }
            return depth;
        }

        private static Bits[] Interference(IrFunction function, List<BasicBlock> order, bool[] shareable)
        {
            int count = function.Slots.Count;
            var interference = new Bits[count];
            for (int i = 0; i < count; i++) interference[i] = new Bits(count);
            if (count == 0) return interference;

            var derived = DerivedRegisters(order, count, out var escaped);
            foreach (var block in order)
            {
                foreach (var ins in block.Instructions)
                {
                    if (ins.Op == IrOp.FrameAddr) shareable[ins.Slot] = true;
                    if ((ins.Op == IrOp.Load || ins.Op == IrOp.Store || ins.Op == IrOp.Atomic) && ins.Addr.IsSlot) shareable[ins.Addr.Slot] = true;
                }
            }
            for (int s = 0; s < count; s++) if (escaped.Get(s)) shareable[s] = false;

            // What each instruction touches, and per block.
            var touches = new Dictionary<IrInstruction, Bits>();
            var blockTouches = new Dictionary<BasicBlock, Bits>();
            foreach (var block in order)
            {
                var all = new Bits(count);
                foreach (var ins in block.Instructions)
                {
                    var t = Touches(ins, derived, count);
                    touches[ins] = t;
                    all.Or(t);
                }
                blockTouches[block] = all;
            }

            var predecessors = order.ToDictionary(b => b, _ => new List<BasicBlock>());
            foreach (var block in order)
            {
                foreach (var successor in block.Successors())
                {
                    if (predecessors.TryGetValue(successor, out var list)) list.Add(block);
                }
            }

            // Forward: touched on some path from the entry. Backward: touched on some path to an exit.
            var reachedOut = order.ToDictionary(b => b, _ => new Bits(count));
            var liveIn = order.ToDictionary(b => b, _ => new Bits(count));
            for (bool changed = true; changed;)
            {
                changed = false;
                foreach (var block in order)
                {
                    var reached = new Bits(count);
                    foreach (var p in predecessors[block]) reached.Or(reachedOut[p]);
                    reached.Or(blockTouches[block]);
                    changed |= reachedOut[block].Or(reached);
                }
                for (int i = order.Count - 1; i >= 0; i--)
                {
                    var block = order[i];
                    var live = new Bits(count);
                    foreach (var successor in block.Successors())
                    {
                        if (liveIn.TryGetValue(successor, out var succIn)) live.Or(succIn);
                    }
                    live.Or(blockTouches[block]);
                    changed |= liveIn[block].Or(live);
                }
            }

            foreach (var block in order)
            {
                int n = block.Instructions.Count;
                var liveBefore = new Bits[n];
                var live = new Bits(count);
                foreach (var successor in block.Successors())
                {
                    if (liveIn.TryGetValue(successor, out var succIn)) live.Or(succIn);
                }
                for (int i = n - 1; i >= 0; i--)
                {
                    live.Or(touches[block.Instructions[i]]);
                    liveBefore[i] = live.Copy();
                }
                var reached = new Bits(count);
                foreach (var p in predecessors[block]) reached.Or(reachedOut[p]);
                for (int i = 0; i < n; i++)
                {
                    reached.Or(touches[block.Instructions[i]]);
                    var active = reached.Copy();
                    active.And(liveBefore[i]);
                    foreach (int s in active.Members()) interference[s].Or(active);
                }
            }
            return interference;
        }

        /// <summary>
        /// For each register, the slots its value may point into (whichever of its definitions made it), and the
        /// slots whose address leaves the frame's view: stored to memory or returned.
        /// </summary>
        private static Dictionary<int, Bits> DerivedRegisters(List<BasicBlock> order, int count, out Bits escaped)
        {
            var derived = new Dictionary<int, Bits>();
            Bits Of(int reg)
            {
                if (!derived.TryGetValue(reg, out var bits)) derived[reg] = bits = new Bits(count);
                return bits;
            }
            for (bool changed = true; changed;)
            {
                changed = false;
                foreach (var block in order)
                {
                    foreach (var ins in block.Instructions)
                    {
                        switch (ins.Op)
                        {
                            case IrOp.FrameAddr:
                                changed |= Of(ins.Dst).Set(ins.Slot);
                                break;
                            case IrOp.Mov:
                            case IrOp.Neg:
                            case IrOp.Extend:
                            case IrOp.Alu:
                            case IrOp.Call when ins.Callee is not null:
                                if (ins.Def < 0) break;
                                foreach (int use in ins.Uses())
                                {
                                    if (derived.TryGetValue(use, out var source)) changed |= Of(ins.Def).Or(source);
                                }
                                break;
                        }
                    }
                }
            }

            escaped = new Bits(count);
            foreach (var block in order)
            {
                foreach (var ins in block.Instructions)
                {
                    bool leaves = (ins.Op == IrOp.Store || ins.Op == IrOp.Atomic || ins.Op == IrOp.Return) && ins.A >= 0;
                    if (leaves && derived.TryGetValue(ins.A, out var slots)) escaped.Or(slots);
                    if (ins.Op == IrOp.Atomic && ins.B >= 0 && derived.TryGetValue(ins.B, out var compared)) escaped.Or(compared);
                }
            }
            return derived;
        }

        private static Bits Touches(IrInstruction ins, Dictionary<int, Bits> derived, int count)
        {
            var t = new Bits(count);
            if (ins.Op == IrOp.FrameAddr) t.Set(ins.Slot);
            if ((ins.Op == IrOp.Load || ins.Op == IrOp.Store || ins.Op == IrOp.Atomic) && ins.Addr.IsSlot) t.Set(ins.Addr.Slot);
            foreach (int use in ins.Uses())
            {
                if (derived.TryGetValue(use, out var slots)) t.Or(slots);
            }
            if (ins.Def >= 0 && derived.TryGetValue(ins.Def, out var defined)) t.Or(defined);
            return t;
        }

        /// <summary>A fixed-size set of slot ids.</summary>
        private sealed class Bits
        {
            private readonly ulong[] _words;

            public Bits(int count) => _words = new ulong[(count + 63) / 64];

            private Bits(ulong[] words) => _words = words;

            public bool Get(int i) => (_words[i >> 6] & (1UL << (i & 63))) != 0;

            public bool Set(int i)
            {
                ulong before = _words[i >> 6];
                _words[i >> 6] = before | (1UL << (i & 63));
                return before != _words[i >> 6];
            }

            /// <summary>Adds <paramref name="other"/>; true when that added anything.</summary>
            public bool Or(Bits other)
            {
                bool changed = false;
                for (int w = 0; w < _words.Length; w++)
                {
                    ulong before = _words[w];
                    _words[w] = before | other._words[w];
                    changed |= before != _words[w];
                }
                return changed;
            }

            public void And(Bits other)
            {
                for (int w = 0; w < _words.Length; w++) _words[w] &= other._words[w];
            }

            public Bits Copy() => new Bits((ulong[])_words.Clone());

            public IEnumerable<int> Members()
            {
                for (int w = 0; w < _words.Length; w++)
                {
                    for (ulong bits = _words[w]; bits != 0; bits &= bits - 1)
                    {
                        yield return (w << 6) + TrailingZeros(bits);
                    }
                }
            }

            private static int TrailingZeros(ulong value)
            {
                int n = 0;
                while ((value & 1) == 0) { value >>= 1; n++; }
                return n;
            }
        }
    }
}
