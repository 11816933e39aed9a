using System.Collections.Generic;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Facts
{
    /// <summary>
    /// Settles what lowering needs proven (<see cref="IrOp.Check"/>) from the facts: a value proven in range where the
    /// verifier sees that too becomes a plain copy; one proven only through a relation the verifier does not follow is
    /// clamped into the range, a clamp that changes nothing the program can do but lets the verifier see the bound; an
    /// access must stay inside its object; a divisor must be one C# divides by without throwing. What is not proven gets
    /// the obligation's diagnostic on its syntax.
    /// </summary>
    internal static class Obligations
    {
        public static void Settle(IrFunction function, List<DiagnosticInfo> diagnostics)
        {
            var checks = new List<IrInstruction>();
            foreach (var block in function.Blocks)
            {
                foreach (var ins in block.Instructions)
                {
                    if (ins.Op == IrOp.Check) checks.Add(ins);
                }
            }
            if (checks.Count == 0) return;

            var known = new Dictionary<IrInstruction, Fact>();
            var second = new Dictionary<IrInstruction, Fact>();
            var leaks = new SortedDictionary<int, IrInstruction>();
            // Loop counters hold only the values they run through (which widening alone would not keep).
            ValueFacts.Solve(function, LoopForest.Find(function).Counters()).Walk((_, _, ins, state) =>
            {
                if (ins.Op == IrOp.Return)
                {
                    // A return reached holding a reservation: the first such return is the one the diagnostic names.
                    foreach (var held in state.Held)
                    {
                        if (!leaks.ContainsKey(held)) leaks[held] = ins;
                    }
                }
                if (ins.Op != IrOp.Check) return;
                known[ins] = state[ins.A];
                if (ins.B >= 0) second[ins] = state[ins.B];
            });

            foreach (var check in checks)
            {
                if (check.Obligation is { Kind: ObligationKind.Origin, Reservation: true } reservation && leaks.TryGetValue(reservation.Object, out var exit))
                {
                    long line = exit.Position?.Line ?? 0;
                    diagnostics.Add(reservation.Refusal!(new KnownValue(line, line, true, 0, null)));
                }
            }
            foreach (var check in checks)
            {
                var obligation = check.Obligation!;
                check.Op = IrOp.Mov;
                check.Obligation = null;
                // A bounded packet reference stays marked, so that the null check after the passes knows it (it is null on the other path).
                check.NotNull = obligation is { Kind: ObligationKind.Origin, Packet: true };
                if (check.NotNull) check.PacketBound = obligation.High;
                int dividendRegister = check.B;
                check.B = -1;
                // A check on no path the program can take needs nothing.
                if (!known.TryGetValue(check, out var fact)) continue;
                switch (obligation.Kind)
                {
                    case ObligationKind.Range:
                        if (!fact.Within(obligation.Low, obligation.High))
                        {
                            bool bounded = fact.IsScalar && fact.IsBounded;
                            diagnostics.Add(obligation.Refusal!(new KnownValue(bounded ? fact.Low : long.MinValue, bounded ? fact.High : long.MaxValue, bounded, 0, null)));
                        }
                        else if (fact.Hidden && obligation.ForVerifier)
                        {
                            // Clamp to all that is proven, which is tighter than the obligation's range, so that the
                            // verifier sees what the compiler relied on (an access at the index, in bounds).
                            Clamp(function, check, fact.Low, fact.High);
                        }
                        break;
                    case ObligationKind.Divisor:
                        {
                            var (minValue, _) = ValueFacts.TypeRange(obligation.Size, signed: true);
                            var dividend = dividendRegister >= 0 && second.TryGetValue(check, out var d) ? d : Fact.AnyScalar;
                            bool minusOneHarmless = !obligation.Signed || fact.ExcludesMinusOne || (dividend.IsScalar && dividend.Low > minValue);
                            if (!fact.ExcludesZero || !minusOneHarmless)
                            {
                                diagnostics.Add(obligation.Refusal!(new KnownValue(fact.IsScalar ? fact.Low : long.MinValue, fact.IsScalar ? fact.High : long.MaxValue,
                                    fact.IsScalar && fact.IsBounded, 0, null, fact.ExcludesZero, minusOneHarmless)));
                            }
                            break;
                        }
                    case ObligationKind.Access when fact.HasOrigin && fact.IsBounded && fact.Low != long.MinValue && fact.High != long.MaxValue:
                        {
                            var (size, name) = function.Objects[fact.Origin];
                            long first = Saturate(fact.Low, obligation.Low), last = Saturate(fact.High, obligation.High);
                            if (first < 0 || last >= size) diagnostics.Add(obligation.Refusal!(new KnownValue(first, last, true, size, name)));
                            break;
                        }
                }
            }
        }

        /// <summary>Replaces the copy <paramref name="check"/> became by the value clamped into [low, high].</summary>
        private static void Clamp(IrFunction function, IrInstruction check, long low, long high)
        {
            var block = FindBlock(function, check);
            int at = block.Instructions.IndexOf(check);
            var join = function.NewBlock();
            var clamp = function.NewBlock();
            for (int i = at + 1; i < block.Instructions.Count; i++) join.Instructions.Add(block.Instructions[i]);
            block.Instructions.RemoveRange(at, block.Instructions.Count - at);

            var position = check.Position;
            int offsetReg = function.NewReg();
            if (low == 0) block.Instructions.Add(new IrInstruction { Op = IrOp.Mov, Dst = offsetReg, A = check.A, Position = position });
            else block.Instructions.AddRange(Arithmetic(function, AluOp.Sub, offsetReg, check.A, low, position));
            long span = high - low;
            var branch = new IrInstruction { Op = IrOp.Branch, Cond = Cond.Gt, A = offsetReg, Target = clamp, Else = join, Position = position };
            if (FitsImm(span)) branch.Imm = span;
            else
            {
                int limit = function.NewReg();
                block.Instructions.Add(new IrInstruction { Op = IrOp.Const, Dst = limit, Imm = span, Position = position });
                branch.B = limit;
            }
            block.Instructions.Add(branch);
            clamp.Instructions.Add(new IrInstruction { Op = IrOp.Const, Dst = offsetReg, Imm = span, Position = position });
            clamp.Instructions.Add(new IrInstruction { Op = IrOp.Jump, Target = join, Position = position });
            join.Instructions.InsertRange(0, low == 0
                ? new[] { new IrInstruction { Op = IrOp.Mov, Dst = check.Dst, A = offsetReg, Position = position } }
                : Arithmetic(function, AluOp.Add, check.Dst, offsetReg, low, position));
        }

        /// <summary>dst = a (op) value, with the constant in a register of its own when it does not fit an immediate.</summary>
        private static IrInstruction[] Arithmetic(IrFunction function, AluOp op, int dst, int a, long value, SourcePosition? position)
        {
            if (FitsImm(value)) return new[] { new IrInstruction { Op = IrOp.Alu, Alu = op, Dst = dst, A = a, Imm = value, Position = position } };
            int constant = function.NewReg();
            return new[]
            {
                new IrInstruction { Op = IrOp.Const, Dst = constant, Imm = value, Position = position },
                new IrInstruction { Op = IrOp.Alu, Alu = op, Dst = dst, A = a, B = constant, Position = position },
            };
        }

        private static long Saturate(long a, long b)
        {
            long sum = unchecked(a + b);
            if (((a ^ sum) & (b ^ sum)) < 0) return a < 0 ? long.MinValue : long.MaxValue;
            return sum;
        }

        private static bool FitsImm(long value) => value >= int.MinValue && value <= int.MaxValue;

        private static BasicBlock FindBlock(IrFunction function, IrInstruction ins)
        {
            foreach (var block in function.Blocks)
            {
                if (block.Instructions.Contains(ins)) return block;
            }
            throw new System.InvalidOperationException("An IR check outside every block.");
        }
    }
}
