using System;
using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Backend;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;

namespace BpfDotnet.Compiler.Facts
{
    /// <summary>
    /// The compiler's one engine of facts: a forward analysis over a function's IR of what each register holds at each
    /// point (an interval of values, a kind of pointer, whether a map value may be null), narrowed by the outcome of every
    /// branch and by relations between registers (a copy, a zero-extended view), joined where paths meet and widened
    /// around loops. Lowering states what it needs as obligations (<see cref="IrOp.Check"/>), which
    /// <see cref="Obligations"/> settles from these facts; the null-check of map values reads them too.
    /// </summary>
    internal sealed class ValueFacts
    {
        /// <summary>Joins at one loop header before its moving bounds are widened.</summary>
        private const int JoinsBeforeWidening = 2;

        /// <summary>Joins at one loop header before widening stops at thresholds and goes to the extremes.</summary>
        private const int JoinsBeforeExtremes = 12;

        /// <summary>Rounds of narrowing after the fixed point.</summary>
        private const int NarrowingRounds = 2;

        private static readonly long[] NoThresholds = new long[0];

        /// <summary>The largest errno a helper returns negated (<c>MAX_ERRNO</c>).</summary>
        private const long MaxErrno = 4095;

        private readonly IrFunction _function;
        private readonly List<BasicBlock> _order;
        private readonly Dictionary<BasicBlock, FactState> _entry = new Dictionary<BasicBlock, FactState>();
        private readonly CounterFacts? _counters;
        private readonly bool _withContext;

        private ValueFacts(IrFunction function, CounterFacts? counters, bool withContext = false)
        {
            _function = function;
            _order = Liveness.ReversePostorder(function);
            _counters = counters;
            _withContext = withContext;
        }

        /// <summary>
        /// Computes the facts with the function's context parameters known as <see cref="ValueKind.Context"/> pointers, each
        /// copy and offset of them followed (for the check of how the context is used; the other analyses see them as unknown).
        /// </summary>
        public static ValueFacts SolveWithContext(IrFunction function)
        {
            var facts = new ValueFacts(function, null, withContext: true);
            facts.Run();
            return facts;
        }

        /// <summary>Computes the facts at the entry of every reachable block.</summary>
        public static ValueFacts Solve(IrFunction function) => Solve(function, null);

        /// <summary>
        /// Computes the facts at the entry of every reachable block, each loop counter in <paramref name="counters"/> held to
        /// the values it was run through where its loop's header begins and on each way out of its exit test (what
        /// intervals alone would lose: a counter stepped by 4 from 0 is at most 12 while it stays below 16).
        /// </summary>
        public static ValueFacts Solve(IrFunction function, CounterFacts? counters)
        {
            var facts = new ValueFacts(function, counters);
            facts.Run();
            return facts;
        }

        /// <summary>The facts on the edge from <paramref name="source"/> to <paramref name="target"/>: loop counters hold only the values they were run through there.</summary>
        private FactState Entering(BasicBlock source, BasicBlock target, FactState outgoing)
        {
            if (_counters is null) return outgoing;
            bool header = _counters.Headers.TryGetValue(target, out var atHeader), edge = _counters.Edges.TryGetValue((source, target), out var onEdge);
            if (!header && !edge) return outgoing;
            var state = outgoing.Clone();
            foreach (var range in (atHeader ?? new List<CounterRange>()).Concat(onEdge ?? new List<CounterRange>()))
            {
                var fact = state[range.Register];
                if (fact.IsScalar) state.Narrow(range.Register, Intersect(fact, Fact.Range(range.Low, range.High, hidden: !range.Exact)));
            }
            return state;
        }

        /// <summary>The state before each instruction of each reachable block, in block order.</summary>
        public void Walk(Action<BasicBlock, int, IrInstruction, FactState> visit)
        {
            foreach (var block in _order)
            {
                if (!_entry.TryGetValue(block, out var entry)) continue;
                var state = entry.Clone();
                for (int i = 0; i < block.Instructions.Count; i++)
                {
                    var ins = block.Instructions[i];
                    visit(block, i, ins, state);
                    if (!ins.IsTerminator) Apply(state, ins);
                }
            }
        }

        /// <summary>Where widening stops: each constant the function uses or compares against (and its neighbours), and the integer types' limits.</summary>
        private long[] Thresholds()
        {
            var values = new SortedSet<long> { 0 };
            foreach (int size in new[] { 1, 2, 4 })
            {
                foreach (bool signed in new[] { false, true })
                {
                    var (low, high) = TypeRange(size, signed);
                    values.Add(low);
                    values.Add(high);
                }
            }
            foreach (var block in _order)
            {
                foreach (var ins in block.Instructions)
                {
                    if ((ins.Op != IrOp.Branch && ins.Op != IrOp.Const && ins.Op != IrOp.Alu) || (ins.Op != IrOp.Const && ins.B >= 0)) continue;
                    long c = ins.Imm;
                    values.Add(c);
                    if (c != long.MinValue) values.Add(c - 1);
                    if (c != long.MaxValue) values.Add(c + 1);
                }
            }
            var sorted = new long[values.Count];
            values.CopyTo(sorted);
            return sorted;
        }

        private void Run()
        {
            if (_order.Count == 0) return;
            var position = new Dictionary<BasicBlock, int>();
            for (int i = 0; i < _order.Count; i++) position[_order[i]] = i;
            var headers = new HashSet<BasicBlock>();
            foreach (var block in _order)
            {
                foreach (var successor in block.Successors())
                {
                    if (position.TryGetValue(successor, out int at) && at <= position[block]) headers.Add(successor);
                }
            }

            var start = new FactState();
            foreach (var parameter in _function.Parameters)
            {
                start.Define(parameter, _withContext && _function.ContextParameters.Contains(parameter) ? Fact.Pointer(ValueKind.Context, -1, 0, 0) : Fact.Any);
            }
            _entry[_order[0]] = start;
            var joins = new Dictionary<BasicBlock, int>();
            var thresholds = Thresholds();
            var pending = new SortedSet<int> { 0 };
            while (pending.Count > 0)
            {
                int index = pending.Min;
                pending.Remove(index);
                var block = _order[index];
                var state = _entry[block].Clone();
                foreach (var ins in block.Instructions)
                {
                    if (ins.IsTerminator)
                    {
                        foreach (var (successor, leaving) in Edges(ins, state))
                        {
                            if (!position.TryGetValue(successor, out int target)) continue;
                            var outgoing = Entering(block, successor, leaving);
                            if (!_entry.TryGetValue(successor, out var existing))
                            {
                                _entry[successor] = outgoing.Clone();
                                pending.Add(target);
                                continue;
                            }
                            long[]? widen = null;
                            if (headers.Contains(successor))
                            {
                                joins[successor] = joins.TryGetValue(successor, out int n) ? n + 1 : 1;
                                // Widen to the next threshold at first; a loop still moving after that goes to the extremes.
                                if (joins[successor] > JoinsBeforeWidening) widen = joins[successor] > JoinsBeforeExtremes ? NoThresholds : thresholds;
                            }
                            if (existing.JoinWith(outgoing, widen)) pending.Add(target);
                        }
                        break;
                    }
                    Apply(state, ins);
                }
            }
            if (pending.Count > 0) throw new InvalidOperationException("The analysis of value facts did not settle.");
            for (int round = 0; round < NarrowingRounds; round++) Narrow();
        }

        /// <summary>
        /// One round of narrowing: each block's entry recomputed as the join of what its predecessors now hand it, which
        /// takes back bounds that widening pushed further than the program goes (it stays sound, starting from a fixed point).
        /// </summary>
        private void Narrow()
        {
            var next = new Dictionary<BasicBlock, FactState> { [_order[0]] = _entry[_order[0]] };
            foreach (var block in _order)
            {
                if (!_entry.TryGetValue(block, out var entry)) continue;
                var state = entry.Clone();
                foreach (var ins in block.Instructions)
                {
                    if (!ins.IsTerminator)
                    {
                        Apply(state, ins);
                        continue;
                    }
                    foreach (var (successor, leaving) in Edges(ins, state))
                    {
                        if (successor == _order[0] || !_entry.ContainsKey(successor)) continue;
                        var outgoing = Entering(block, successor, leaving);
                        if (next.TryGetValue(successor, out var joined)) joined.JoinWith(outgoing, null);
                        else next[successor] = outgoing.Clone();
                    }
                    break;
                }
            }
            _entry.Clear();
            foreach (var entry in next) _entry[entry.Key] = entry.Value;
        }

        // ------------------------------------------------------------------ transfer

        /// <summary>Updates <paramref name="state"/> past <paramref name="ins"/> (not a terminator).</summary>
        public static void Apply(FactState state, IrInstruction ins)
        {
            switch (ins.Op)
            {
                case IrOp.Const:
                    state.Define(ins.Dst, Fact.Constant(ins.Imm));
                    break;
                case IrOp.Load when ins.MaybeNull:
                    state.Define(ins.Dst, Fact.Of(ValueKind.MapValueOrNull));
                    break;
                case IrOp.Load when ins.PacketStart:
                    state.PacketProven = 0;
                    state.Define(ins.Dst, Fact.Any);
                    break;
                case IrOp.Check when ins.Obligation is { Kind: ObligationKind.Origin } origin:
                    {
                        var kind = origin.Packet ? ValueKind.Packet : state[ins.A].Kind;
                        state.Define(ins.Dst, Fact.Pointer(kind == ValueKind.Scalar ? ValueKind.Unknown : kind, origin.Object, 0, 0));
                        if (origin.Reservation) state.Hold(origin.Object);
                        break;
                    }
                case IrOp.Mov when ins.NotNull:
                    state.Define(ins.Dst, state[ins.A].Kind == ValueKind.StalePacket ? Fact.Of(ValueKind.StalePacket) : Fact.PacketReference(ValueKind.Packet, ins.PacketBound));
                    break;
                case IrOp.Mov:
                case IrOp.Check:
                    state.Define(ins.Dst, state[ins.A], ins.Dst != ins.A ? Relation.CopyOf(ins.A) : null);
                    break;
                case IrOp.Alu:
                    state.Define(ins.Dst, Arithmetic(ins, state));
                    break;
                case IrOp.Neg:
                    {
                        var a = state[ins.A];
                        state.Define(ins.Dst, a.IsScalar && a.Low != long.MinValue ? Fact.Range(-a.High, -a.Low, hidden: true) : Fact.AnyScalar);
                        break;
                    }
                case IrOp.Extend:
                    {
                        // A cell's bytes read zero-extended, then sign-extended: the cell read as signed.
                        if (ins.Signed && state.TryGetRelation(ins.A, out var read) && read.Kind == RelationKind.Cell && read.Size == ins.Size && !read.Signed)
                        {
                            state.Define(ins.Dst, ReadCell(state, read.Cell, ins.Size, signed: true), Relation.CellRead(read.Cell, ins.Size, signed: true));
                            break;
                        }
                        var a = state[ins.A];
                        var (low, high) = TypeRange(ins.Size, ins.Signed);
                        var fact = a.Within(low, high) ? a.WithRange(a.Low, a.High, a.Hidden || ins.Signed) : Fact.Range(low, high);
                        // The bytes of a value of this size, read the other way, are 0 only where the value is.
                        if (a.ExcludesZero && (a.Within(TypeRange(ins.Size, true).Low, TypeRange(ins.Size, true).High) || a.Within(0, TypeRange(ins.Size, false).High)))
                            fact = fact.Excluding(0);
                        state.Define(ins.Dst, fact, Relation.ExtensionOf(ins.A, ins.Size, ins.Signed));
                        break;
                    }
                case IrOp.Load:
                    {
                        if (ins.Addr.IsSlot)
                        {
                            long key = FactState.CellKey(ins.Addr.Slot, ins.Addr.Offset, ins.Size);
                            bool signed = ins.Signed && ins.Size < 8;
                            state.Define(ins.Dst, ReadCell(state, key, ins.Size, signed), Relation.CellRead(key, ins.Size, signed));
                        }
                        else if (ins.Size >= 8) state.Define(ins.Dst, Fact.Any);
                        else
                        {
                            var (low, high) = TypeRange(ins.Size, ins.Signed);
                            state.Define(ins.Dst, Fact.Range(low, high));
                        }
                        break;
                    }
                case IrOp.Store:
                    Written(state, ins, ins.A >= 0 ? state[ins.A] : Fact.Constant(ins.Imm));
                    break;
                case IrOp.ByteSwap:
                    {
                        var (low, high) = TypeRange(Math.Min(ins.Size, 8), signed: false);
                        state.Define(ins.Dst, ins.Size >= 8 ? Fact.AnyScalar : Fact.Range(low, high, hidden: true));
                        break;
                    }
                case IrOp.SetCond:
                    state.Define(ins.Dst, Fact.Range(0, 1));
                    break;
                case IrOp.FrameAddr:
                    state.Define(ins.Dst, Fact.Of(ValueKind.Stack));
                    break;
                case IrOp.LoadMap:
                    state.Define(ins.Dst, Fact.Of(ins.IsGlobalData ? ValueKind.MapValue : ValueKind.MapReference));
                    break;
                case IrOp.CoreOffset:
                    // Whatever the loader writes: 0 or 1 for a yes-or-no query, an enum value (any 32-bit one), else an offset, size or id below 2^31.
                    state.Define(ins.Dst, ins.Core?.Kind switch
                    {
                        CoreQuery.FieldExists or CoreQuery.FieldSigned or CoreQuery.TypeExists or CoreQuery.EnumValueExists or CoreQuery.TypeMatches => Fact.Range(0, 1),
                        CoreQuery.EnumValue => Fact.Range(int.MinValue, int.MaxValue),
                        CoreQuery.FieldLShiftU64 or CoreQuery.FieldRShiftU64 => Fact.Range(0, 63),
                        CoreQuery.FieldByteSize when ins.Core.BitSize > 0 => Fact.Range(1, 8),
                        _ => Fact.Range(0, int.MaxValue),
                    });
                    break;
                case IrOp.Call:
                    {
                        // A helper that takes a reservation releases it.
                        if (ins.Callee is null && ins.Helper is (int)KernelModel.HelperId.RingbufSubmit or (int)KernelModel.HelperId.RingbufDiscard
                            && ins.Args is { Count: > 0 } && state[ins.Args[0]] is { HasOrigin: true } record)
                        {
                            state.Release(record.Origin);
                        }
                        // A helper or subprogram may write any stack memory it was handed.
                        state.ForgetAllCells();
                        // A helper that changes the packet (its head, its tail, its bytes) ends every packet reference.
                        if (ins.Callee is null && KernelModel.Helpers.Of((KernelModel.HelperId)ins.Helper).ChangesPacket) state.MarkPacketReferencesStale();
                        if (ins.Dst >= 0)
                        {
                            bool maybeNull = ins.Callee is null && ins.Helper is (int)KernelModel.HelperId.MapLookupElem or (int)KernelModel.HelperId.RingbufReserve;
                            var result = maybeNull ? Fact.Of(ValueKind.MapValueOrNull) : ins.Callee is null ? Fact.AnyScalar : Fact.Any;
                            // A string read returns the bytes written (at most the size it was given) or a negative errno,
                            // which the verifier knows too.
                            if (ins.Callee is null && ins.Helper is (int)KernelModel.HelperId.ProbeReadUserStr or (int)KernelModel.HelperId.ProbeReadKernelStr
                                && ins.Args is { Count: 3 } && state[ins.Args[1]] is { IsScalar: true } size && size.Low == size.High)
                            {
                                result = Fact.Range(-MaxErrno, size.High);
                            }
                            state.Define(ins.Dst, result);
                        }
                        break;
                    }
                case IrOp.Atomic:
                    Written(state, ins, null);
                    if (ins.Fetch && ins.Dst >= 0) state.Define(ins.Dst, Fact.Any);
                    break;
                default:
                    if (ins.Def >= 0) state.Define(ins.Def, Fact.Any);
                    break;
            }
        }

        /// <summary>
        /// Memory written by <paramref name="ins"/>: a stack cell now holds <paramref name="value"/> (null: unknown); a
        /// write through a pointer that may point into the stack leaves no cell known.
        /// </summary>
        private static void Written(FactState state, IrInstruction ins, Fact? value)
        {
            if (ins.Addr.IsSlot)
            {
                state.WriteCell(FactState.CellKey(ins.Addr.Slot, ins.Addr.Offset, ins.Size), value is { } v ? CellOf(v, ins.Size) : null);
                return;
            }
            var pointer = state[ins.Addr.BaseReg];
            if (pointer.Kind == ValueKind.Stack || pointer.Kind == ValueKind.Unknown || pointer.Kind == ValueKind.Scalar) state.ForgetAllCells();
        }

        /// <summary>What a cell of <paramref name="size"/> bytes holds once <paramref name="value"/> is stored in it; null when its bytes cannot tell it.</summary>
        private static CellFact? CellOf(Fact value, int size)
        {
            if (size >= 8) return new CellFact(value, 8, false);
            if (!value.IsScalar) return null;
            var (low, high) = TypeRange(size, signed: false);
            if (value.Within(low, high)) return new CellFact(value, size, false);
            (low, high) = TypeRange(size, signed: true);
            if (value.Within(low, high)) return new CellFact(value, size, true);
            return null;
        }

        /// <summary>The value a read of a cell's <paramref name="size"/> bytes gives, sign- or zero-extended.</summary>
        private static Fact ReadCell(FactState state, long key, int size, bool signed)
        {
            var (low, high) = TypeRange(size, signed);
            var typeRange = size >= 8 ? Fact.Any : Fact.Range(low, high);
            if (!state.TryGetCell(key, out var cell) || cell.Size != size) return typeRange;
            if (size >= 8 || cell.Signed == signed) return cell.Value;
            var v = cell.Value;
            var (_, signedHigh) = TypeRange(size, signed: true);
            // A value that is not negative reads the same either way; a negative one read unsigned is 2^bits more.
            if (v.Within(0, signedHigh)) return v;
            long shift = 1L << (size * 8);
            if (!signed && v.Within(-(signedHigh + 1), -1)) return Fact.Range(v.Low + shift, v.High + shift, v.Hidden);
            if (signed && v.Within(signedHigh + 1, shift - 1)) return Fact.Range(v.Low - shift, v.High - shift, v.Hidden);
            return typeRange;
        }

        /// <summary>The values a <paramref name="size"/>-byte integer can hold, widened to 64 bits as the IR keeps it.</summary>
        public static (long Low, long High) TypeRange(int size, bool signed)
        {
            if (size >= 8) return (long.MinValue, long.MaxValue);
            int bits = size * 8;
            return signed ? (-(1L << (bits - 1)), (1L << (bits - 1)) - 1) : (0, (1L << bits) - 1);
        }

        private static Fact Arithmetic(IrInstruction ins, FactState state)
        {
            var a = state[ins.A];
            var b = ins.B >= 0 ? state[ins.B] : Fact.Constant(ins.Imm);
            // Only adding and subtracting keep a pointer one: any other operation on an unknown value works on an integer.
            if (ins.Alu != AluOp.Add && ins.Alu != AluOp.Sub)
            {
                if (a.Kind == ValueKind.Unknown) a = Fact.AnyScalar;
                if (b.Kind == ValueKind.Unknown) b = Fact.AnyScalar;
            }
            if (!a.IsScalar || !b.IsScalar)
            {
                if (ins.Alu == AluOp.Add && !ins.Is32 && a.IsScalar && !b.IsScalar) (a, b) = (b, a);
                // Pointer arithmetic keeps the pointer's kind (an offset map value is still one, and still maybe null),
                // and moves its offset in its object by the integer's range.
                if ((ins.Alu == AluOp.Add || ins.Alu == AluOp.Sub) && !ins.Is32 && !a.IsScalar && b.IsScalar && (a.Kind != ValueKind.Unknown || a.HasOrigin))
                {
                    bool ignored = false;
                    if ((a.HasOrigin || a.Kind == ValueKind.Context) && Combine(ins.Alu, Fact.Range(a.Low, a.High), b, false, ref ignored) is { } moved)
                        return Fact.Pointer(a.Kind, a.Origin, moved.Low, moved.High);
                    return Fact.Of(a.Kind);
                }
                return ins.Is32 ? Fact.Range(0, uint.MaxValue) : Fact.Any;
            }
            bool hidden = a.Hidden || b.Hidden;
            if (ins.Is32)
            {
                // A 32-bit operation works on the low halves, read as unsigned, and zero-extends its result.
                a = Low32(a);
                b = Low32(b);
                if (!a.Within(0, uint.MaxValue) || !b.Within(0, uint.MaxValue)) return Fact.Range(0, uint.MaxValue);
                var wide = Combine(ins.Alu, a, b, ins.Signed, ref hidden);
                return wide is { } w && w.Low >= 0 && w.High <= uint.MaxValue && ins.Alu != AluOp.Arsh ? Fact.Range(w.Low, w.High, hidden) : Fact.Range(0, uint.MaxValue);
            }
            var result = Combine(ins.Alu, a, b, ins.Signed, ref hidden);
            return result is { } r ? Fact.Range(r.Low, r.High, hidden) : Fact.AnyScalar;
        }

        /// <summary>The low 32 bits of a value, read as unsigned, when they form one interval; all 32-bit values otherwise.</summary>
        private static Fact Low32(Fact f)
        {
            if (f.Within(0, uint.MaxValue)) return f;
            if (f.Within(int.MinValue, -1)) return Fact.Range(f.Low + (1L << 32), f.High + (1L << 32), f.Hidden);
            return Fact.Range(0, uint.MaxValue);
        }

        /// <summary>The interval of <c>a op b</c> over all their values, or null when it is unknown or overflows.</summary>
        private static (long Low, long High)? Combine(AluOp op, Fact a, Fact b, bool signed, ref bool hidden)
        {
            try
            {
                checked
                {
                    switch (op)
                    {
                        case AluOp.Add:
                            return (a.Low + b.Low, a.High + b.High);
                        case AluOp.Sub:
                            return (a.Low - b.High, a.High - b.Low);
                        case AluOp.Mul:
                            {
                                long c1 = a.Low * b.Low, c2 = a.Low * b.High, c3 = a.High * b.Low, c4 = a.High * b.High;
                                return (Math.Min(Math.Min(c1, c2), Math.Min(c3, c4)), Math.Max(Math.Max(c1, c2), Math.Max(c3, c4)));
                            }
                        case AluOp.And:
                            if (a.Low >= 0 && b.Low >= 0) return (0, Math.Min(a.High, b.High));
                            if (a.Low >= 0) return (0, a.High);
                            if (b.Low >= 0) return (0, b.High);
                            return null;
                        case AluOp.Or:
                        case AluOp.Xor:
                            // With 0 (a sign mask of a non-negative value), the value itself; with -1 under xor, its
                            // complement. The verifier's bit-level view keeps only a covering power of two, so it must be shown.
                            if (b.Low == 0 && b.High == 0) return Exact(a, ref hidden);
                            if (a.Low == 0 && a.High == 0) return Exact(b, ref hidden);
                            if (op == AluOp.Xor && b.Low == -1 && b.High == -1)
                            {
                                hidden |= a.Low != a.High;
                                return (-a.High - 1, -a.Low - 1);
                            }
                            if (a.Low < 0 || b.Low < 0) return null;
                            hidden = true;
                            return (op == AluOp.Or ? Math.Max(a.Low, b.Low) : 0, AllOnesCovering(Math.Max(a.High, b.High)));
                        case AluOp.Lsh:
                            {
                                if (b.Low != b.High || b.Low < 0 || b.Low > 62) return null;
                                int k = (int)b.Low;
                                long low = a.Low << k, high = a.High << k;
                                if (low >> k != a.Low || high >> k != a.High) return null;
                                return (low, high);
                            }
                        case AluOp.Rsh:
                            {
                                if (b.Low != b.High || b.Low < 0 || b.Low > 63) return null;
                                int k = (int)b.Low;
                                if (a.Low >= 0) return (a.Low >> k, a.High >> k);
                                return k == 0 ? null : (0, (long)(ulong.MaxValue >> k));
                            }
                        case AluOp.Arsh:
                            {
                                if (b.Low != b.High || b.Low < 0 || b.Low > 63) return null;
                                int k = (int)b.Low;
                                return (a.Low >> k, a.High >> k);
                            }
                        case AluOp.Div:
                            if (signed || b.Low < 1) return null;
                            hidden = true;
                            // Read unsigned, a negative value is at most 2^64 - 1: the quotient by 2 or more is below 2^63.
                            if (a.Low < 0) return b.Low >= 2 ? (0, (long)(ulong.MaxValue / (ulong)b.Low)) : null;
                            return (a.Low / b.High, a.High / b.Low);
                        case AluOp.Mod:
                            if (signed || b.Low < 1) return null;
                            hidden = true;
                            // The unsigned remainder is below the divisor, whatever the dividend.
                            return (0, a.Low < 0 ? b.High - 1 : Math.Min(a.High, b.High - 1));
                        default:
                            return null;
                    }
                }
            }
            catch (OverflowException)
            {
                return null;
            }
        }

        /// <summary>The interval of <paramref name="f"/> itself, hidden from the verifier unless it is one value.</summary>
        private static (long Low, long High) Exact(Fact f, ref bool hidden)
        {
            hidden |= f.Low != f.High;
            return (f.Low, f.High);
        }

        private static long AllOnesCovering(long value)
        {
            long mask = 0;
            while (mask < value) mask = (mask << 1) | 1;
            return mask;
        }

        // ------------------------------------------------------------------ branches

        /// <summary>The successors of a terminator, each with the state the branch's outcome leaves; infeasible edges are left out.</summary>
        private static IEnumerable<(BasicBlock, FactState)> Edges(IrInstruction terminator, FactState state)
        {
            if (terminator.Op == IrOp.Branch && terminator.Target is { } target && terminator.Else is { } otherwise)
            {
                var taken = Refine(state.Clone(), terminator, true);
                var notTaken = Refine(state.Clone(), terminator, false);
                if (taken is not null) yield return (target, taken);
                if (notTaken is not null) yield return (otherwise, notTaken);
                yield break;
            }
            if (terminator.Target is not null) yield return (terminator.Target, state);
            if (terminator.Else is not null) yield return (terminator.Else, state);
        }

        /// <summary>The state where the branch's condition is <paramref name="outcome"/>, or null when that cannot happen.</summary>
        private static FactState? Refine(FactState state, IrInstruction branch, bool outcome)
        {
            // The packet's start plus the bound is not past its end: those bytes are there.
            if (branch.PacketBound > 0 && branch.Cond == Cond.Gt && !outcome && branch.PacketBound > state.PacketProven) state.PacketProven = branch.PacketBound;
            var cond = outcome ? branch.Cond : Negate(branch.Cond);
            var a = state[branch.A];
            var b = branch.B >= 0 ? state[branch.B] : Fact.Constant(branch.Imm);

            // A map value or a packet reference tested against null.
            if (a.Kind is ValueKind.MapValueOrNull or ValueKind.PacketOrNull && b.IsScalar && b.Low == 0 && b.High == 0 && (cond == Cond.Eq || cond == Cond.Ne))
            {
                var valid = a.Kind == ValueKind.PacketOrNull ? ValueKind.Packet : ValueKind.MapValue;
                var now = cond == Cond.Ne
                    ? (a.HasOrigin ? Fact.Pointer(valid, a.Origin, a.Low, a.High) : valid == ValueKind.Packet ? Fact.PacketReference(valid, Fact.ProvenBy(a)) : Fact.Of(valid))
                    : Fact.Constant(0);
                // A packet reference that is not null is one whose bounds check passed: the bytes it proved are there.
                if (cond == Cond.Ne && valid == ValueKind.Packet && Fact.ProvenBy(a) > state.PacketProven) state.PacketProven = Fact.ProvenBy(a);
                // A reservation found null was never taken.
                if (cond == Cond.Eq && a.HasOrigin) state.Release(a.Origin);
                Narrow(state, branch.A, now, visible: true);
                return state;
            }
            // A value of unknown kind compared with an integer is an integer (a parameter, a value read from memory).
            if (a.Kind == ValueKind.Unknown && b.IsScalar) a = Fact.AnyScalar;
            if (b.Kind == ValueKind.Unknown && a.IsScalar) b = Fact.AnyScalar;
            if (!a.IsScalar || !b.IsScalar) return state;
            if (branch.Is32 && !(InInt32(a) && InInt32(b) && (IsSigned(cond) || (a.Low >= 0 && b.Low >= 0)))) return state;

            var newA = Compare(a, b, cond);
            var newB = Compare(b, a, Mirror(cond));
            if (newA is null || newB is null) return null;
            Narrow(state, branch.A, newA.Value, visible: true);
            if (branch.B >= 0) Narrow(state, branch.B, newB.Value, visible: true);
            return state;
        }

        private static bool InInt32(Fact f) => f.Low >= int.MinValue && f.High <= int.MaxValue;

        /// <summary>
        /// Narrows a register after a test, and what it was made from: a copy of it is narrowed alike (the verifier
        /// follows copies), and the source of a zero- or sign-extended view is narrowed where the view shows all of it.
        /// </summary>
        private static void Narrow(FactState state, int register, Fact fact, bool visible)
        {
            var old = state[register];
            var narrowed = fact.IsScalar && !visible ? fact.WithRange(fact.Low, fact.High, true) : fact;
            state.Narrow(register, narrowed);
            foreach (var copy in new List<int>(state.CopiesOf(register)))
            {
                var theirs = state[copy];
                if (theirs.Kind == old.Kind || theirs.Kind == ValueKind.Unknown) state.Narrow(copy, Intersect(theirs, narrowed));
            }
            if (!state.TryGetRelation(register, out var relation)) return;
            if (relation.Kind == RelationKind.Cell)
            {
                // The register was read from a cell unchanged since: the cell holds what the test left of it.
                bool known = state.TryGetCell(relation.Cell, out var cell);
                var (_, cellSignedHigh) = TypeRange(relation.Size, signed: true);
                if (known && (cell.Size != relation.Size || (cell.Signed != relation.Signed && relation.Size < 8 && !cell.Value.Within(0, cellSignedHigh)))) return;
                var current = known ? cell.Value : relation.Size >= 8 ? Fact.Any : Fact.Range(TypeRange(relation.Size, relation.Signed).Low, TypeRange(relation.Size, relation.Signed).High);
                var held = narrowed.IsScalar ? narrowed.WithRange(narrowed.Low, narrowed.High, true) : narrowed;
                state.NarrowCell(relation.Cell, new CellFact(Intersect(current, held), relation.Size, relation.Signed));
                return;
            }
            var source = state[relation.Source];
            if (relation.IsCopy)
            {
                if (source.Kind == old.Kind) Narrow(state, relation.Source, Intersect(source, narrowed), visible);
                return;
            }
            if (!narrowed.IsScalar || !source.IsScalar) return;
            // The view equals its source when the source fits the view's type, or when the source is a value of that
            // size (read either way) and the view shows it non-negative.
            var (low, high) = TypeRange(relation.Size, relation.Signed);
            var (signedLow, signedHigh) = TypeRange(relation.Size, signed: true);
            var (_, unsignedHigh) = TypeRange(relation.Size, signed: false);
            // A source holding a value of the view's size, in either reading, is all in the view's bytes.
            bool canonical = source.Within(signedLow, signedHigh) || source.Within(0, unsignedHigh);
            bool same = source.Within(low, high) || (canonical && narrowed.Low >= 0 && narrowed.High <= signedHigh);
            if (same) Narrow(state, relation.Source, Intersect(source, narrowed.WithRange(narrowed.Low, narrowed.High, true)), visible: false);
            else if (narrowed.ExcludesZero && !source.ExcludesZero && canonical)
            {
                // The view is the source's low bytes, which hold all of it: a view that is not 0 has a source that is not 0.
                state.Narrow(relation.Source, source.Excluding(0));
            }
        }

        private static Fact Intersect(Fact a, Fact b)
        {
            if (!a.IsScalar || !b.IsScalar) return b.Kind == ValueKind.Unknown ? a : b;
            long low = Math.Max(a.Low, b.Low), high = Math.Min(a.High, b.High);
            if (low > high) return a; // contradictory: the path is dead; keep what was known
            bool lowHidden = a.Low > b.Low ? a.Hidden : b.Low > a.Low ? b.Hidden : a.Hidden && b.Hidden;
            bool highHidden = a.High < b.High ? a.Hidden : b.High < a.High ? b.Hidden : a.Hidden && b.Hidden;
            return new Fact(low, high, ValueKind.Scalar, (lowHidden && low != long.MinValue) || (highHidden && high != long.MaxValue),
                notZero: a.NotZeroTested || b.NotZeroTested, notMinusOne: a.NotMinusOneTested || b.NotMinusOneTested);
        }

        /// <summary>What <c>a cond b</c> holding leaves of <paramref name="a"/>; null when it cannot hold.</summary>
        private static Fact? Compare(Fact a, Fact b, Cond cond)
        {
            long low = a.Low, high = a.High;
            switch (cond)
            {
                case Cond.Eq:
                    low = Math.Max(low, b.Low);
                    high = Math.Min(high, b.High);
                    break;
                case Cond.Ne:
                    if (b.Low == b.High)
                    {
                        if (low == b.Low && low != long.MaxValue) low++;
                        if (high == b.Low && high != long.MinValue) high--;
                        if (b.Low == 0 || b.Low == -1) a = a.Excluding(b.Low);
                    }
                    break;
                case Cond.SLt:
                    if (b.High == long.MinValue) return null;
                    high = Math.Min(high, b.High - 1);
                    break;
                case Cond.SLe:
                    high = Math.Min(high, b.High);
                    break;
                case Cond.SGt:
                    if (b.Low == long.MaxValue) return null;
                    low = Math.Max(low, b.Low + 1);
                    break;
                case Cond.SGe:
                    low = Math.Max(low, b.Low);
                    break;
                case Cond.Lt:
                case Cond.Le:
                    // a <u b with b non-negative: a lies in [0, b).
                    if (b.High >= 0 && b.Low >= 0)
                    {
                        long limit = cond == Cond.Lt ? b.High - 1 : b.High;
                        if (limit < 0) return null;
                        if (low < 0 && high >= 0) low = 0;
                        else if (low < 0) return null;
                        high = Math.Min(high, limit);
                    }
                    break;
                case Cond.Gt:
                case Cond.Ge:
                    // a >u b with a known non-negative is the signed comparison.
                    if (low >= 0 && b.Low >= 0)
                    {
                        long floor = cond == Cond.Gt ? b.Low + 1 : b.Low;
                        low = Math.Max(low, floor);
                    }
                    // Whatever a's sign, a >u 0 (or >=u 1) rules out 0.
                    if (b.Low >= (cond == Cond.Gt ? 0 : 1)) a = a.Excluding(0);
                    break;
                default:
                    return a;
            }
            if (low > high) return null;
            // A bound the test set is one the verifier sees; one left from before keeps how it was known.
            bool hidden = a.Hidden && ((low == a.Low && low != long.MinValue) || (high == a.High && high != long.MaxValue));
            return new Fact(low, high, ValueKind.Scalar, hidden, notZero: a.NotZeroTested, notMinusOne: a.NotMinusOneTested);
        }

        private static bool IsSigned(Cond cond) => cond == Cond.SLt || cond == Cond.SLe || cond == Cond.SGt || cond == Cond.SGe;

        public static Cond Negate(Cond cond) => cond switch
        {
            Cond.Eq => Cond.Ne,
            Cond.Ne => Cond.Eq,
            Cond.Gt => Cond.Le,
            Cond.Ge => Cond.Lt,
            Cond.Lt => Cond.Ge,
            Cond.Le => Cond.Gt,
            Cond.SGt => Cond.SLe,
            Cond.SGe => Cond.SLt,
            Cond.SLt => Cond.SGe,
            Cond.SLe => Cond.SGt,
            _ => cond, // Set: no negation as a condition; treated as saying nothing
        };

        private static Cond Mirror(Cond cond) => cond switch
        {
            Cond.Gt => Cond.Lt,
            Cond.Ge => Cond.Le,
            Cond.Lt => Cond.Gt,
            Cond.Le => Cond.Ge,
            Cond.SGt => Cond.SLt,
            Cond.SGe => Cond.SLe,
            Cond.SLt => Cond.SGt,
            Cond.SLe => Cond.SGe,
            _ => cond,
        };
    }
}
