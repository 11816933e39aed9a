using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Integer methods of <c>System.Math</c> and <c>System.Numerics.BitOperations</c>, compiled in line with C#'s
    /// results: <c>Min</c>, <c>Max</c>, <c>Clamp</c> (constant bounds), <c>Sign</c>, <c>Abs</c> (where the argument
    /// cannot be <c>MinValue</c>, for which C# throws), <c>PopCount</c>, <c>Log2</c>, <c>LeadingZeroCount</c>,
    /// <c>TrailingZeroCount</c>, <c>IsPow2</c>, <c>RotateLeft</c> and <c>RotateRight</c>. The bit counts are
    /// branch-free (shift-or smearing and a SWAR population count), so the verifier walks them once.
    /// </summary>
    internal sealed partial class Lowering
    {
        private const string MathType = "System.Math";
        private const string BitOperationsType = "System.Numerics.BitOperations";

        private static bool IsIntrinsic(IMethodSymbol method)
        {
            string? owner = method.ContainingType?.ToDisplayString();
            if (owner == MathType) return method.Name is "Min" or "Max" or "Clamp" or "Sign" or "Abs" or "DivRem" or "BigMul";
            if (owner == BitOperationsType) return method.Name is "PopCount" or "Log2" or "LeadingZeroCount" or "TrailingZeroCount" or "IsPow2" or "RotateLeft" or "RotateRight";
            if (method.ContainingType is { } type && IsScalar(type) && IsInteger(type) && method.IsStatic)
            {
                // The same operations as static methods of the integer types (int.Max, uint.PopCount, byte.RotateLeft, ...):
                // the bit operations of 8- and 16-bit types work within their width.
                return method.Name is "Min" or "Max" or "Clamp" or "Sign" or "Abs" or "DivRem"
                    or "PopCount" or "Log2" or "LeadingZeroCount" or "TrailingZeroCount" or "IsPow2" or "RotateLeft" or "RotateRight";
            }
            return false;
        }

        private Operand InvokeIntrinsic(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (method.Parameters.Length == 0 || !IsInteger(method.Parameters[0].Type))
            {
                Unsupported(invocation, method.ContainingType.Name + "." + method.Name + " on " + (method.Parameters.Length > 0 ? method.Parameters[0].Type.ToDisplayString() : "nothing") + " (floating point or other non-integer types)");
                return Operand.Const(0);
            }
            var (size, signed) = ScalarInfo(method.Parameters[0].Type);
            if (method.Name == "Log2" && signed && !CannotBeNegative(invocation))
            {
                string type = method.Parameters[0].Type.ToDisplayString();
                string unsigned = type switch { "sbyte" => "byte", "nint" => "nuint", _ => "u" + type };
                Report(Diagnostics.DiagnosticDescriptors.UnsupportedConstruct, invocation.Syntax,
                    type + ".Log2 of a value that may be negative (C# throws ArgumentOutOfRangeException for it; convert to the unsigned type first, '" + unsigned + ".Log2((" + unsigned + ")x)', or pass a value widened from an unsigned type)");
                return Operand.Const(0);
            }
            if (method.Name == "DivRem")
            {
                if (method.ReturnType is INamedTypeSymbol { IsTupleType: true })
                {
                    Unsupported(invocation, "The tuple of " + method.ContainingType.Name + ".DivRem used other than deconstructed ('var (q, r) = Math.DivRem(a, b);')");
                    return Operand.Const(0);
                }
                // DivRem(a, b, out r): the quotient, and the remainder stored through the out argument.
                var quotientAndRemainder = DivRem(invocation);
                if (quotientAndRemainder is { } both) StoreTo(invocation.Arguments[2].Value, both[1]);
                return quotientAndRemainder?[0] ?? Operand.Const(0);
            }
            if (method.Name == "BigMul") return BigMul(invocation);
            var args = new List<Operand>();
            foreach (var argument in invocation.Arguments) args.Add(Rvalue(argument.Value));
            if (size < 4 && method.Name is "PopCount" or "Log2" or "LeadingZeroCount" or "TrailingZeroCount" or "RotateLeft" or "RotateRight")
            {
                return NarrowBitOperation(method.Name, args, size, signed);
            }
            switch (method.Name)
            {
                case "Min":
                case "Max":
                    return MinMax(args[0], args[1], signed, method.Name == "Min");
                case "Clamp":
                    {
                        if (!args[1].IsConst || !args[2].IsConst || Less(args[2].Value, args[1].Value, signed))
                        {
                            Unsupported(invocation, "Math.Clamp with bounds that are not constants with min <= max (C# throws ArgumentException when min > max)");
                            return Operand.Const(0);
                        }
                        return MinMax(MinMax(args[0], args[1], signed, min: false), args[2], signed, min: true);
                    }
                case "Sign":
                    {
                        // (x > 0) - (x < 0)
                        if (args[0].IsConst) return Operand.Const(args[0].Value > 0 ? 1 : args[0].Value < 0 ? -1 : 0);
                        int positive = _b.SetCond(Cond.SGt, args[0].Reg, -1, 0);
                        int negative = _b.SetCond(Cond.SLt, args[0].Reg, -1, 0);
                        return Operand.InReg(_b.Alu(AluOp.Sub, positive, negative, false));
                    }
                case "Abs":
                    {
                        string minValue = method.ContainingType.Name + ".Abs of a value that may be " + method.Parameters[0].Type.Name + ".MinValue (C# throws OverflowException; test it first, for example 'if (x > "
                            + method.Parameters[0].Type.Name + ".MinValue)', or write 'x < 0 ? -x : x', which wraps)";
                        var (lowest, highest) = Facts.ValueFacts.TypeRange(size, signed: true);
                        if (args[0].IsConst)
                        {
                            if (args[0].Value != lowest) return Operand.Const(System.Math.Abs(args[0].Value));
                            Unsupported(invocation, minValue);
                            return Operand.Const(0);
                        }
                        var syntax = invocation.Syntax;
                        var value = Require(args[0], lowest + 1, highest,
                            _ => Diagnostics.DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.UnsupportedConstruct, syntax.GetLocation(), minValue), forVerifier: false);
                        // (x ^ s) - s with s = x >> 63: exact for every value but MinValue, which is ruled out.
                        int sign = _b.AluImm(AluOp.Arsh, value.Reg, 63, false);
                        return Operand.InReg(Magnitude(value.Reg, sign));
                    }
                case "PopCount":
                    return Operand.InReg(PopCount(Materialize(args[0]), size));
                case "Log2":
                    {
                        // Log2(x) = PopCount(smear(x) >> 1); Log2(0) = 0 as in C#.
                        int smeared = Smear(Materialize(args[0]), size);
                        return Operand.InReg(PopCount(_b.AluImm(AluOp.Rsh, smeared, 1, size < 8), size));
                    }
                case "LeadingZeroCount":
                    {
                        int bits = size < 8 ? 32 : 64;
                        int ones = PopCount(Smear(Materialize(args[0]), size), size);
                        int r = _b.Const(bits);
                        return Operand.InReg(_b.Alu(AluOp.Sub, r, ones, false));
                    }
                case "TrailingZeroCount":
                    {
                        // PopCount((x & -x) - 1): the bits below the lowest set bit; all of them for 0.
                        int x = Materialize(args[0]);
                        int negated = Function.NewReg();
                        _b.Emit(new IrInstruction { Op = IrOp.Neg, Dst = negated, A = x });
                        int lowest = _b.Alu(AluOp.And, x, negated, size < 8);
                        return Operand.InReg(PopCount(_b.AluImm(AluOp.Sub, lowest, 1, size < 8), size));
                    }
                case "IsPow2":
                    {
                        // x > 0 (or x != 0 unsigned) and (x & (x - 1)) == 0.
                        int x = Materialize(args[0]);
                        int below = _b.AluImm(AluOp.Sub, x, 1, false);
                        int overlap = _b.Alu(AluOp.And, x, below, false);
                        int single = _b.SetCond(Cond.Eq, overlap, -1, 0);
                        int nonZero = _b.SetCond(signed ? Cond.SGt : Cond.Ne, x, -1, 0);
                        return Operand.InReg(_b.Alu(AluOp.And, single, nonZero, false));
                    }
                case "RotateLeft":
                case "RotateRight":
                    {
                        int bits = size < 8 ? 32 : 64;
                        bool is32 = size < 8;
                        int x = Materialize(args[0]);
                        var offset = args[1];
                        int left, right;
                        if (offset.IsConst)
                        {
                            long n = offset.Value & (bits - 1);
                            if (n == 0) return Operand.InReg(x);
                            long l = method.Name == "RotateLeft" ? n : bits - n;
                            left = _b.AluImm(AluOp.Lsh, x, l, is32);
                            right = _b.AluImm(AluOp.Rsh, x, bits - l, is32);
                        }
                        else
                        {
                            int n = _b.AluImm(AluOp.And, offset.Reg, bits - 1, false);
                            int other = _b.AluImm(AluOp.And, _b.Alu(AluOp.Sub, _b.Const(bits), n, false), bits - 1, false);
                            bool toLeft = method.Name == "RotateLeft";
                            left = _b.Alu(AluOp.Lsh, x, toLeft ? n : other, is32);
                            right = _b.Alu(AluOp.Rsh, x, toLeft ? other : n, is32);
                        }
                        int rotated = _b.Alu(AluOp.Or, left, right, is32);
                        // int.RotateLeft returns an int: sign-extend the 32-bit result.
                        return Operand.InReg(signed && is32 ? Normalize(rotated, 4, true) : rotated);
                    }
            }
            Unsupported(invocation, method.ToDisplayString());
            return Operand.Const(0);
        }

        /// <summary>
        /// The bit operations of <c>byte</c>, <c>sbyte</c>, <c>short</c> and <c>ushort</c>, which count and rotate within the
        /// type's 8 or 16 bits (<c>sbyte.PopCount(-1)</c> is 8, <c>byte.TrailingZeroCount(0)</c> is 8,
        /// <c>byte.RotateLeft(0x81, 1)</c> is 3): the value's low bits are taken, the 32-bit form computed, and the result
        /// brought back to the width.
        /// </summary>
        private Operand NarrowBitOperation(string name, List<Operand> args, int size, bool signed)
        {
            int width = size * 8;
            long mask = (1L << width) - 1;
            int x = signed ? _b.AluImm(AluOp.And, Materialize(args[0]), mask, true) : Materialize(args[0]);
            switch (name)
            {
                case "PopCount":
                    return Operand.InReg(PopCount(x, 4));
                case "Log2":
                    return Operand.InReg(PopCount(_b.AluImm(AluOp.Rsh, Smear(x, 4), 1, true), 4));
                case "LeadingZeroCount":
                    return Operand.InReg(_b.Alu(AluOp.Sub, _b.Const(width), PopCount(Smear(x, 4), 4), false));
                case "TrailingZeroCount":
                    {
                        // The bit just above the width bounds the count at the width (for 0).
                        int bounded = _b.AluImm(AluOp.Or, x, 1L << width, true);
                        int negated = Function.NewReg();
                        _b.Emit(new IrInstruction { Op = IrOp.Neg, Dst = negated, A = bounded });
                        int lowest = _b.Alu(AluOp.And, bounded, negated, true);
                        return Operand.InReg(PopCount(_b.AluImm(AluOp.Sub, lowest, 1, true), 4));
                    }
                default:
                    {
                        // Rotate within the width: (x << n | x >> (width - n)) keeping the low bits, then back to the type.
                        bool toLeft = name == "RotateLeft";
                        int left, right;
                        if (args[1].IsConst)
                        {
                            long n = args[1].Value & (width - 1);
                            if (n == 0) return Operand.InReg(Materialize(args[0]));
                            long l = toLeft ? n : width - n;
                            left = _b.AluImm(AluOp.Lsh, x, l, true);
                            right = _b.AluImm(AluOp.Rsh, x, width - l, true);
                        }
                        else
                        {
                            int n = _b.AluImm(AluOp.And, args[1].Reg, width - 1, false);
                            int other = _b.Alu(AluOp.Sub, _b.Const(width), n, false);
                            left = _b.Alu(AluOp.Lsh, x, toLeft ? n : other, true);
                            right = _b.Alu(AluOp.Rsh, x, toLeft ? other : n, true);
                        }
                        int rotated = _b.AluImm(AluOp.And, _b.Alu(AluOp.Or, left, right, true), mask, true);
                        return Operand.InReg(signed ? _b.Extend(rotated, size, true) : rotated);
                    }
            }
        }

        /// <summary>True when the argument of a signed <c>Log2</c> cannot be negative: a constant that is not, or a value widened from an unsigned type.</summary>
        private bool CannotBeNegative(IInvocationOperation invocation)
        {
            var argument = invocation.Arguments[0].Value;
            if (argument.ConstantValue.HasValue) return ConstantToLong(argument.ConstantValue.Value) >= 0;
            var narrow = StripWidening(argument);
            return !ScalarInfo(narrow.Type).Signed && ScalarInfo(narrow.Type).Size < ScalarInfo(argument.Type).Size;
        }

        /// <summary>
        /// <c>DivRem(a, b)</c>: the quotient (by the same rules as <c>a / b</c>: a constant divisor, or a variable one a
        /// test has proven) and the remainder <c>a - q * b</c>, with one division. Null after a diagnostic.
        /// </summary>
        private List<Operand>? DivRem(IInvocationOperation invocation)
        {
            var type = invocation.TargetMethod.Parameters[0].Type;
            var a = Rvalue(invocation.Arguments[0].Value);
            var b = Rvalue(invocation.Arguments[1].Value);
            int errors = _diagnostics.Count;
            var quotient = Arithmetic(BinaryOperatorKind.Divide, a, b, type, invocation);
            if (_diagnostics.Count > errors) return null;
            var remainder = Arithmetic(BinaryOperatorKind.Subtract, a, Arithmetic(BinaryOperatorKind.Multiply, quotient, b, type, invocation), type, invocation);
            var (size, signed) = ScalarInfo(type);
            return new List<Operand> { NormalizeOperand(quotient, size, signed), NormalizeOperand(remainder, size, signed) };
        }

        /// <summary>
        /// <c>Math.BigMul</c>: the full product of two 32-bit values as a 64-bit one, or of two 64-bit values as its high
        /// half (returned) and low half (the out argument), from four 32-bit partial products.
        /// </summary>
        private Operand BigMul(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            var (size, signed) = ScalarInfo(method.Parameters[0].Type);
            if (method.Parameters.Length == 2 && size == 4)
            {
                // Both operands are canonical 64-bit values: their 64-bit product is exact.
                var x = Rvalue(invocation.Arguments[0].Value);
                var y = Rvalue(invocation.Arguments[1].Value);
                if (x.IsConst && y.IsConst) return Operand.Const(unchecked(x.Value * y.Value));
                return Operand.InReg(_b.Alu(AluOp.Mul, Materialize(x), Materialize(y), false));
            }
            if (method.Parameters.Length != 3 || size != 8)
            {
                Unsupported(invocation, "Math.BigMul with a 128-bit result (use BigMul(a, b, out low), which returns the high half)");
                return Operand.Const(0);
            }
            int a = Materialize(Rvalue(invocation.Arguments[0].Value));
            int b = Materialize(Rvalue(invocation.Arguments[1].Value));
            int Low(int v) => _b.Extend(v, 4, false);
            int High(int v) => _b.AluImm(AluOp.Rsh, v, 32, false);
            int aLow = Low(a), aHigh = High(a), bLow = Low(b), bHigh = High(b);
            int lowLow = _b.Alu(AluOp.Mul, aLow, bLow, false);
            int lowHigh = _b.Alu(AluOp.Mul, aLow, bHigh, false);
            int highLow = _b.Alu(AluOp.Mul, aHigh, bLow, false);
            int highHigh = _b.Alu(AluOp.Mul, aHigh, bHigh, false);
            // The carry out of the middle 32 bits: (lowLow >> 32) + low(lowHigh) + low(highLow) < 3 * 2^32.
            int middle = _b.Alu(AluOp.Add, _b.Alu(AluOp.Add, High(lowLow), Low(lowHigh), false), Low(highLow), false);
            int high = _b.Alu(AluOp.Add, _b.Alu(AluOp.Add, highHigh, High(lowHigh), false), _b.Alu(AluOp.Add, High(highLow), High(middle), false), false);
            if (signed)
            {
                // The signed high half: subtract b when a < 0 and a when b < 0 (two's complement correction).
                int aNegative = _b.AluImm(AluOp.Arsh, a, 63, false);
                int bNegative = _b.AluImm(AluOp.Arsh, b, 63, false);
                high = _b.Alu(AluOp.Sub, high, _b.Alu(AluOp.And, aNegative, b, false), false);
                high = _b.Alu(AluOp.Sub, high, _b.Alu(AluOp.And, bNegative, a, false), false);
            }
            StoreTo(invocation.Arguments[2].Value, Operand.InReg(_b.Alu(AluOp.Mul, a, b, false)));
            return Operand.InReg(high);
        }

        private static bool Less(long a, long b, bool signed) => signed ? a < b : (ulong)a < (ulong)b;

        /// <summary>The smaller (or larger) of two canonical values: the first unless the second beats it.</summary>
        private Operand MinMax(Operand a, Operand b, bool signed, bool min)
        {
            if (a.IsConst && b.IsConst) return Operand.Const(Less(b.Value, a.Value, signed) == min ? b.Value : a.Value);
            int r = Function.NewReg();
            _b.Mov(r, Materialize(a));
            var take = Function.NewBlock();
            var done = Function.NewBlock();
            // Min: take b when b < a; Max: when b > a.
            var cond = min ? (signed ? Cond.SLt : Cond.Lt) : (signed ? Cond.SGt : Cond.Gt);
            if (b.IsConst && FitsImm(b.Value))
            {
                // b cond a  <=>  a mirrored-cond b
                _b.Branch(Swap(cond), r, -1, b.Value, take, done);
            }
            else
            {
                _b.Branch(cond, Materialize(b), r, 0, take, done);
            }
            _b.Block = take;
            _b.Mov(r, Materialize(b));
            _b.Jump(done);
            _b.Block = done;
            return Operand.InReg(r);
        }

        /// <summary>x | x >> 1 | x >> 2 ...: every bit below the highest set bit of the value set.</summary>
        private int Smear(int x, int size)
        {
            bool is32 = size < 8;
            for (int shift = 1; shift < (is32 ? 32 : 64); shift <<= 1)
            {
                x = _b.Alu(AluOp.Or, x, _b.AluImm(AluOp.Rsh, x, shift, is32), is32);
            }
            return x;
        }

        /// <summary>The number of set bits (SWAR: pairs, nibbles, bytes, then a multiply sums the bytes).</summary>
        private int PopCount(int x, int size)
        {
            bool is32 = size < 8;
            long Pattern(long byteValue) => is32 ? byteValue * 0x01010101L : byteValue * 0x0101010101010101L;
            int Masked(int value, long mask) => is32 || FitsImm(mask) ? _b.AluImm(AluOp.And, value, mask, is32) : _b.Alu(AluOp.And, value, _b.Const(mask), false);
            int pairs = _b.Alu(AluOp.Sub, x, Masked(_b.AluImm(AluOp.Rsh, x, 1, is32), Pattern(0x55)), is32);
            int nibbles = _b.Alu(AluOp.Add, Masked(pairs, Pattern(0x33)), Masked(_b.AluImm(AluOp.Rsh, pairs, 2, is32), Pattern(0x33)), is32);
            int bytes = Masked(_b.Alu(AluOp.Add, nibbles, _b.AluImm(AluOp.Rsh, nibbles, 4, is32), is32), Pattern(0x0f));
            long ones = Pattern(0x01);
            int summed = is32 ? _b.AluImm(AluOp.Mul, bytes, ones, true) : _b.Alu(AluOp.Mul, bytes, _b.Const(ones), false);
            return _b.AluImm(AluOp.Rsh, summed, is32 ? 24 : 56, is32);
        }
    }
}
