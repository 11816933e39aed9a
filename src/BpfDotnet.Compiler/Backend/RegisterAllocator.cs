using System;
using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Backend
{
    /// <summary>Where a virtual register lives after allocation.</summary>
    internal readonly struct ValueLocation
    {
        private ValueLocation(int register, int spillSlot)
        {
            Register = register;
            SpillSlot = spillSlot;
        }

        /// <summary>Physical register R1–R9, or -1 when spilled.</summary>
        public int Register { get; }

        /// <summary>Stack slot id of the spill, or -1.</summary>
        public int SpillSlot { get; }

        public bool IsSpilled => Register < 0;

        public static ValueLocation InRegister(int register) => new ValueLocation(register, -1);

        public static ValueLocation Spilled(int slot) => new ValueLocation(-1, slot);
    }

    /// <summary>
    /// Linear-scan register allocation over live intervals. R0 and R5 are kept as scratch registers for
    /// spill reloads and move sequencing; values live across a helper call get R6–R9 (callee-saved) or a
    /// spill slot; others prefer the caller-saved R1–R4, helper arguments the register they are passed in,
    /// and the destination of a copy its source's register.
    /// When registers run out, the interval that
    /// ends last is spilled to its own 8-byte stack slot.
    /// </summary>
    internal sealed class RegisterAllocator
    {
        public const int Scratch = 0, Scratch2 = 5;
        private static readonly int[] s_callerSaved = { 1, 2, 3, 4 };
        private static readonly int[] s_calleeSaved = { 6, 7, 8, 9 };

        private sealed class Interval
        {
            public int Reg;
            public int Start = int.MaxValue;
            public int End = -1;
            public bool CrossesCall;
            public int Assigned = -1;

            public void Cover(int position)
            {
                if (position < Start) Start = position;
                if (position > End) End = position;
            }
        }

        /// <summary>
        /// Allocates registers. First R0 is also offered to helper results that are used up before anything else
        /// touches R0 (no call, atomic or call argument in between), which saves the copy out of R0; that needs
        /// R0 free of scratch work, so if anything spills, allocation runs again without it.
        /// </summary>
        public static Dictionary<int, ValueLocation> Allocate(IrFunction function, Liveness liveness)
        {
            int slots = function.Slots.Count;
            var first = Allocate(function, liveness, allowR0: true);
            if (first.Values.All(l => !l.IsSpilled)) return first;
            function.Slots.RemoveRange(slots, function.Slots.Count - slots);
            return Allocate(function, liveness, allowR0: false);
        }

        private static Dictionary<int, ValueLocation> Allocate(IrFunction function, Liveness liveness, bool allowR0)
        {
            var positions = new Dictionary<IrInstruction, int>();
            var callResults = new Dictionary<int, int>();   // vreg -> position of the call defining it
            var r0Users = new List<int>();                  // positions of calls and fetching atomics, which always use R0
            var intervals = new Dictionary<int, Interval>();
            Interval Get(int r)
            {
                if (!intervals.TryGetValue(r, out var iv))
                {
                    iv = new Interval { Reg = r };
                    intervals[r] = iv;
                }
                return iv;
            }

            // Registers that would save a move: a helper argument prefers the register it is passed in.
            var hints = new Dictionary<int, int>();
            // Copies: the destination of a move prefers its source's register, so the move disappears.
            var copiedFrom = new Dictionary<int, int>();
            // ALU results prefer the register of an operand that dies there (the second one only for commutative
            // operations), so that no copy is needed first; returned values prefer R0.
            var aluOperands = new Dictionary<int, (int A, int B)>();
            var returned = new HashSet<int>();
            var calls = new List<int>();
            int pos = 0;
            foreach (var block in liveness.Order)
            {
                int blockStart = pos;
                foreach (var r in liveness.LiveIn[block]) Get(r).Cover(blockStart);
                foreach (var ins in block.Instructions)
                {
                    pos += 2;
                    positions[ins] = pos;
                    foreach (var r in ins.Uses()) if (r >= 0) Get(r).Cover(pos);
                    if (ins.Def >= 0) Get(ins.Def).Cover(pos);
                    if (ins.Op == IrOp.Mov && !copiedFrom.ContainsKey(ins.Dst)) copiedFrom[ins.Dst] = ins.A;
                    if (ins.Op == IrOp.Alu && !aluOperands.ContainsKey(ins.Dst))
                    {
                        bool commutative = !ins.Signed && ins.Alu is AluOp.Add or AluOp.Mul or AluOp.And or AluOp.Or or AluOp.Xor;
                        aluOperands[ins.Dst] = (ins.A, commutative ? ins.B : -1);
                    }
                    if (ins.Op == IrOp.Return && ins.A >= 0) returned.Add(ins.A);
                    if (ins.Op == IrOp.Atomic && (ins.Fetch || ins.Atomic != AtomicKind.ReadModifyWrite)) r0Users.Add(pos);
                    if (ins.Op == IrOp.Call)
                    {
                        calls.Add(pos);
                        r0Users.Add(pos);
                        if (ins.Dst >= 0) callResults[ins.Dst] = pos;

                        for (int i = 0; i < ins.Args!.Count && i < s_callerSaved.Length; i++)
                        {
                            if (!hints.ContainsKey(ins.Args[i])) hints[ins.Args[i]] = s_callerSaved[i];
                        }
                    }
                }
                pos += 2;
                foreach (var r in liveness.LiveOut[block]) Get(r).Cover(pos);
            }
            for (int i = 0; i < function.Parameters.Count; i++)
            {
                Get(function.Parameters[i]).Cover(0);
                if (i < s_callerSaved.Length && !hints.ContainsKey(function.Parameters[i])) hints[function.Parameters[i]] = s_callerSaved[i];
            }

            foreach (var iv in intervals.Values)
            {
                foreach (var c in calls)
                {
                    if (iv.Start < c && iv.End > c)
                    {
                        iv.CrossesCall = true;
                        break;
                    }
                }
            }

            var result = new Dictionary<int, ValueLocation>();
            var active = new List<Interval>();
            foreach (var current in intervals.Values.OrderBy(i => i.Start).ThenBy(i => i.Reg))
            {
                active.RemoveAll(a => a.End <= current.Start && !(a.End == current.Start && a.Start == current.Start));
                var candidates = current.CrossesCall ? s_calleeSaved : s_callerSaved.Concat(s_calleeSaved);
                int chosen = -1;
                if (allowR0 && callResults.TryGetValue(current.Reg, out int defined) && defined == current.Start
                    && !r0Users.Any(p => p > current.Start && p <= current.End) && !active.Any(a => a.Assigned == 0))
                {
                    chosen = 0;
                }
                if (chosen < 0 && allowR0 && returned.Contains(current.Reg) && !current.CrossesCall
                    && !r0Users.Any(p => p >= current.Start && p <= current.End) && !active.Any(a => a.Assigned == 0))
                {
                    chosen = 0;
                }
                if (chosen < 0 && hints.TryGetValue(current.Reg, out int hint) && !current.CrossesCall && !active.Any(a => a.Assigned == hint)) chosen = hint;
                if (chosen < 0 && aluOperands.TryGetValue(current.Reg, out var operands))
                {
                    foreach (int operand in new[] { operands.A, operands.B })
                    {
                        // An operand whose interval ends where this value starts frees its register here.
                        if (operand >= 0 && intervals.TryGetValue(operand, out var operandInterval) && operandInterval.End == current.Start && result.TryGetValue(operand, out var place)
                            && !place.IsSpilled && candidates.Contains(place.Register) && !active.Any(a => a.Assigned == place.Register))
                        {
                            chosen = place.Register;
                            break;
                        }
                    }
                }
                if (chosen < 0 && copiedFrom.TryGetValue(current.Reg, out int source) && result.TryGetValue(source, out var sourceLocation)
                    && !sourceLocation.IsSpilled && candidates.Contains(sourceLocation.Register) && !active.Any(a => a.Assigned == sourceLocation.Register))
                {
                    chosen = sourceLocation.Register;
                }
                if (chosen < 0) foreach (var r in candidates)
                {
                    if (!active.Any(a => a.Assigned == r))
                    {
                        chosen = r;
                        break;
                    }
                }
                if (chosen < 0)
                {
                    var allowed = new HashSet<int>(candidates);
                    var victim = active.Where(a => allowed.Contains(a.Assigned)).OrderByDescending(a => a.End).ThenBy(a => a.Reg).FirstOrDefault();
                    if (victim is not null && victim.End > current.End)
                    {
                        chosen = victim.Assigned;
                        victim.Assigned = -1;
                        active.Remove(victim);
                        result[victim.Reg] = ValueLocation.Spilled(function.NewSlot(8, 8, "spilled value").Id);
                    }
                }
                if (chosen < 0)
                {
                    result[current.Reg] = ValueLocation.Spilled(function.NewSlot(8, 8, "spilled value").Id);
                    continue;
                }
                current.Assigned = chosen;
                active.Add(current);
                result[current.Reg] = ValueLocation.InRegister(chosen);
            }
            return result;
        }
    }
}
