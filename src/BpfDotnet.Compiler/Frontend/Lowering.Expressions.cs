using System;
using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using IrBlock = BpfDotnet.Compiler.Ir.BasicBlock;

namespace BpfDotnet.Compiler.Frontend
{
    internal sealed partial class Lowering
    {
        // ---------------------------------------------------------------- statements

        private void LowerEffect(IOperation op)
        {
            switch (op)
            {
                case IExpressionStatementOperation statement:
                    LowerEffect(statement.Operation);
                    return;
                case IFlowCaptureOperation capture:
                    Capture(capture);
                    return;
                case ISimpleAssignmentOperation assignment:
                    Assign(assignment, needValue: false);
                    return;
                case ICompoundAssignmentOperation compound:
                    CompoundAssign(compound, needValue: false);
                    return;
                case IIncrementOrDecrementOperation increment:
                    IncrementOrDecrement(increment, needValue: false);
                    return;
                case IInvocationOperation invocation:
                    Invoke(invocation, needValue: false);
                    return;
                case IDeconstructionAssignmentOperation deconstruction:
                    Deconstruct(deconstruction);
                    return;
                case IFlowCaptureReferenceOperation:
                case ILiteralOperation:
                case ILocalReferenceOperation:
                case IEmptyOperation:
                    return;
                case IConversionOperation conversion:
                    LowerEffect(conversion.Operand);
                    return;
                case IParenthesizedOperation paren:
                    LowerEffect(paren.Operand);
                    return;
                default:
                    if (op.Type is not null && IsScalar(op.Type))
                    {
                        Rvalue(op);
                        return;
                    }
                    Unsupported(op, "This statement (" + op.Kind + ")");
                    return;
            }
        }

        private void Capture(IFlowCaptureOperation capture)
        {
            var value = capture.Value;
            if (!_captures.TryGetValue(capture.Id, out var captured))
            {
                captured = new Captured();
                _captures[capture.Id] = captured;
            }
            if (IsSpanGetEnumerator(value))
            {
                captured.Enumerator = StartSpanEnumerator((IInvocationOperation)value);
                return;
            }
            if (Unwrap(value) is ILocalReferenceOperation { Local.IsRef: true } refLocal && IsRefAssignmentTarget(value))
            {
                // The target of 'r = ref (c ? ref a : ref b)', captured before the arms: the ref local itself, not what it refers to.
                captured.RefLocal = GetLocal(refLocal.Local, value.Syntax);
                return;
            }
            if (Unconverted(Unwrap(value)) is ITupleOperation tuple && tuple.Elements.All(e => IsScalar(e.Type)))
            {
                // A tuple literal matched by patterns ('(a, b) switch { (0, _) => ... }'): its elements, read now.
                captured.Elements = tuple.Elements.Select(e => (Rvalue(e) is var v && !v.IsConst ? Operand.InReg(CopyOf(v.Reg)) : v, e.Type)).ToList();
                return;
            }
            if (IsRefArm(value))
            {
                // Each arm of 'c ? ref a : ref b' is captured on its own path: the capture is the address it chose, and,
                // when something reads the value (a compound assignment to it, an operand), the value there, now, as C# reads it.
                int address = PointerOf(AddressOf(value));
                if (captured.Pointer < 0) captured.Pointer = Function.NewReg();
                _b.Mov(captured.Pointer, address);
                if (IsScalar(value.Type) && IsCaptureValueRead(capture.Id))
                {
                    if (captured.Reg < 0) captured.Reg = Function.NewReg();
                    MoveTo(captured.Reg, LoadScalar(Address.OfReg(captured.Pointer), value.Type));
                }
                return;
            }
            if (value.Type is not null && !IsScalar(value.Type) && value.Type.TypeKind == TypeKind.Struct)
            {
                captured.Type = Layout(value.Type, value.Syntax);
                if (captured.Type is null) return;
                if (captured.Memory is null && IsStructValueCreation(value))
                {
                    var slot = NewSlot(captured.Type, "temporary " + value.Type.Name);
                    captured.Memory = Address.OfSlot(slot.Id);
                }
                if (captured.Memory is Address target && IsStructValueCreation(value))
                {
                    InitializeStruct(target, captured.Type, value);
                }
                else if (IsWithOperand(value))
                {
                    // 'x with { ... }' changes a copy of x, never x itself.
                    var copy = Address.OfSlot(NewSlot(captured.Type, "copy of " + value.Syntax).Id);
                    Copy(copy, AddressOf(value), captured.Type.Size);
                    captured.Memory = copy;
                }
                else
                {
                    captured.Memory = AddressOf(value);
                }
                return;
            }
            if (MapFieldOf(value) is { } mapField)
            {
                // A map used as a receiver: remembered by symbol, resolved where the method is called.
                captured.MapField = mapField;
                return;
            }
            if (captured.Reg < 0) captured.Reg = Function.NewReg();
            // Roslyn captures the target of an assignment whose right side branches; remember where it lives so
            // the assignment writes the variable, while reads see the value at capture time, as C# orders them.
            // A capture assigned on several paths (the value of 'c ? x : y') is a value only.
            var unwrapped = Unwrap(value);
            bool location = !IsMergedCapture(capture.Id);
            if (location && unwrapped is ILocalReferenceOperation local && IsScalar(local.Local.Type) && GetLocal(local.Local, value.Syntax) is { Kind: StorageKind.Register } localStorage)
            {
                captured.Variable = localStorage;
            }
            else if (location && unwrapped is IParameterReferenceOperation parameter && _parameters.TryGetValue(parameter.Parameter, out var bound) && bound.Kind == StorageKind.Register)
            {
                captured.Variable = bound;
            }
            else if (location && IsScalar(unwrapped.Type) && IsMemoryLocation(unwrapped))
            {
                // A location in memory (a field, a span or array element, a pointer's target, a ref-returning call):
                // its address is computed once, here, and read here only if something reads the capture.
                captured.Target = AddressOf(unwrapped);
                if (IsCaptureRead(capture.Id)) MoveTo(captured.Reg, LoadScalar(captured.Target.Value, unwrapped.Type));
                return;
            }
            var operand = Rvalue(value);
            MoveTo(captured.Reg, operand);
        }

        /// <summary>
        /// <c>var (a, b) = (x, y);</c> and <c>(a, b) = (b, a);</c>: every value on the right is read before any variable
        /// on the left is written, as C# orders them, so a swap swaps.
        /// </summary>
        private void Deconstruct(IDeconstructionAssignmentOperation deconstruction)
        {
            var target = deconstruction.Target is IDeclarationExpressionOperation declaration ? declaration.Expression : deconstruction.Target;
            var value = Unconverted(deconstruction.Value);
            int count = value switch
            {
                ITupleOperation literal => literal.Elements.Length,
                IInvocationOperation call when call.Type is INamedTypeSymbol { IsTupleType: true } tupleType => tupleType.TupleElements.Length,
                _ => -1,
            };
            if (target is not ITupleOperation targets || targets.Elements.Length != count
                || targets.Elements.Any(t => t is not IDiscardOperation && (!IsScalar(t.Type) || t is ITupleOperation)))
            {
                Unsupported(deconstruction, "A deconstruction other than of a tuple literal, or of a call to Math.DivRem or to your own method returning a tuple, into scalar variables");
                return;
            }
            // The targets' locations first, then the values, then the stores, as C# orders them.
            var locations = targets.Elements.Select(t => t is IDiscardOperation ? (Location?)null : LocationOf(t)).ToList();
            List<Operand>? read;
            if (value is ITupleOperation values)
            {
                read = new List<Operand>();
                foreach (var element in values.Elements)
                {
                    var operand = Rvalue(element);
                    if (!operand.IsConst)
                    {
                        // A copy: the register may be a variable that an earlier store of this deconstruction overwrites.
                        operand = Operand.InReg(CopyOf(operand.Reg));
                    }
                    read.Add(operand);
                }
            }
            else
            {
                var call = (IInvocationOperation)value;
                read = call.TargetMethod.Name == "DivRem" && IsIntrinsic(call.TargetMethod) ? DivRem(call) : InlineReturningTuple(call);
                if (read is null)
                {
                    Unsupported(deconstruction, "Deconstructing the result of this call (only Math.DivRem and your own methods that return a tuple literal are followed)");
                    return;
                }
            }
            for (int i = 0; i < read.Count; i++)
            {
                if (locations[i] is not Location location) continue;
                var (size, signed) = ScalarInfo(targets.Elements[i].Type);
                Store(location, NormalizeOperand(read[i], System.Math.Max(size, 1), signed));
            }
        }

        private static bool IsWithOperand(IOperation value)
        {
            var syntax = value.Syntax;
            while (syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ParenthesizedExpressionSyntax p) syntax = p;
            return syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.WithExpressionSyntax with && with.Expression == syntax;
        }

        private static bool IsStructValueCreation(IOperation value)
            => value is IObjectCreationOperation || value is IDefaultValueOperation || (value is ILiteralOperation && value.ConstantValue.HasValue && value.ConstantValue.Value is null);

        // ---------------------------------------------------------------- rvalues

        private Operand Rvalue(IOperation op)
        {
            if (op.ConstantValue.HasValue && IsScalar(op.Type))
            {
                var c = op.ConstantValue.Value;
                return Operand.Const(ConstantToLong(c));
            }
            switch (op)
            {
                case IParenthesizedOperation paren:
                    return Rvalue(paren.Operand);
                case IFlowCaptureReferenceOperation captureRef:
                    if (_captures.TryGetValue(captureRef.Id, out var captured))
                    {
                        if (captured.Pointer >= 0 && IsScalar(op.Type)) return captured.Reg >= 0 ? Operand.InReg(captured.Reg) : LoadScalar(Address.OfReg(captured.Pointer), op.Type);
                        if (captured.Reg >= 0) return Operand.InReg(captured.Reg);
                        if (captured.Memory is Address mem && IsScalar(op.Type)) return LoadScalar(mem, op.Type);
                    }
                    Unsupported(op, "This expression");
                    return Operand.Const(0);
                case ILocalReferenceOperation localRef:
                    {
                        var storage = GetLocal(localRef.Local, op.Syntax);
                        if (!IsScalar(localRef.Local.Type))
                        {
                            Report(DiagnosticDescriptors.UnsupportedType, op.Syntax, localRef.Local.Type.ToDisplayString());
                            return Operand.Const(0);
                        }
                        switch (storage.Kind)
                        {
                            case StorageKind.Register: return ReadVariable(storage.Reg, op, localRef.Local);
                            case StorageKind.Memory: return LoadScalar(Address.OfSlot(storage.Slot), localRef.Local.Type);
                            default: return LoadScalar(storage.Fixed ?? Address.OfReg(storage.Reg), localRef.Local.Type);
                        }
                    }
                case IFieldReferenceOperation { Field.IsFixedSizeBuffer: true } fixedBuffer:
                    // A fixed buffer reads as a pointer to its first element.
                    return PointerInto(AddressOf(fixedBuffer), fixedBuffer.Field.FixedSize * ElementSize(fixedBuffer.Type, fixedBuffer.Syntax), fixedBuffer.Field.Name);
                case IAddressOfOperation { Reference: var reference } when Unwrap(reference) is ILocalReferenceOperation pointed && Layout(pointed.Local.Type, reference.Syntax) is { } pointedLayout:
                    return PointerInto(AddressOf(reference), pointedLayout.Size, pointed.Local.Name);
                case IAddressOfOperation addressOf:
                    return Operand.InReg(PointerOf(AddressOf(addressOf.Reference)));
                case var pointerAccess when IsPointerAccess(pointerAccess) && IsScalar(pointerAccess.Type):
                    return LoadScalar(PointerAccessAddress(pointerAccess, read: true), pointerAccess.Type);
                case IPropertyReferenceOperation spanLength when IsSpanMember(spanLength, "Length") && SpanStorage(spanLength.Instance) is { } spanStorage:
                    return Operand.Const(spanStorage.SpanLength);
                case IPropertyReferenceOperation { Instance: { } sample } perfEvent when perfEvent.Property.ContainingType?.ToDisplayString() == KnownTypes.PerfEventData:
                    {
                        // struct bpf_perf_event_data: the architecture's pt_regs, then sample_period and addr.
                        int registersSize = PtRegsLayoutOf(perfEvent.Syntax).Size;
                        int? offset = perfEvent.Property.Name switch
                        {
                            "SamplePeriod" => registersSize,
                            "Address" => registersSize + 8,
                            _ => null,
                        };
                        if (offset is null)
                        {
                            Unsupported(perfEvent, "This member of PerfEventData");
                            return Operand.Const(0);
                        }
                        return LoadScalar(AddressOf(sample).Plus(offset.Value), perfEvent.Type);
                    }
                case IPropertyReferenceOperation { Instance: { } registers } register when register.Property.ContainingType?.ToDisplayString() == KnownTypes.PtRegs:
                    {
                        var layout = PtRegsLayoutOf(register.Syntax);
                        int? offset = register.Property.Name switch
                        {
                            "ReturnValue" => layout.ReturnValue,
                            "InstructionPointer" => layout.InstructionPointer,
                            "StackPointer" => layout.StackPointer,
                            "FramePointer" => layout.FramePointer,
                            _ => null,
                        };
                        if (offset is null)
                        {
                            Unsupported(register, "This member of PtRegs");
                            return Operand.Const(0);
                        }
                        return LoadScalar(AddressOf(registers).Plus(offset.Value), register.Type);
                    }
                case IPropertyReferenceOperation kernelBitfield when KernelBitfieldOf(kernelBitfield) is { } bitfield:
                    return CoreBitfieldRead(kernelBitfield, bitfield);
                case IPropertyReferenceOperation { Instance: not null } viewed when !IsUserAccessor(viewed.Property.GetMethod) && FieldViewOf(viewed.Property) is { } view:
                    return LoadFieldView(viewed, view);
                case IPropertyReferenceOperation { Instance: { } iterator } iteratorMember when IsIteratorContext(iteratorMember.Property.ContainingType):
                    return IteratorMember(iterator, iteratorMember);
                case IPropertyReferenceOperation { Instance: { } packetContext } packetLength when packetLength.Property.Name == "PacketLength" && IsPacketContext(packetLength.Property.ContainingType):
                    return PacketLength(packetContext, packetLength);
                case IPropertyReferenceOperation getter when IsUserAccessor(getter.Property.GetMethod) && TypeLayout.BackingField(getter.Property) is null:
                    return InlineAccessor(getter, getter.Property.GetMethod!, value: null);
                case IPropertyReferenceOperation isEmpty when IsSpanMember(isEmpty, "IsEmpty") && SpanStorage(isEmpty.Instance) is { } emptyStorage:
                    return Operand.Const(emptyStorage.SpanLength == 0 ? 1 : 0);
                case IImplicitIndexerReferenceOperation { Argument: not IRangeOperation } fromEnd when IsScalar(fromEnd.Type):
                    return LoadScalar(AddressOf(fromEnd), fromEnd.Type);
                case IFieldReferenceOperation kernelField when KernelMemberOf(kernelField) is { } kernelMember:
                    return CoreRead(kernelField, kernelMember);
                case IInlineArrayAccessOperation { Instance: { } array } inContext when !inContext.Argument.ConstantValue.HasValue && IsContextAccess(array):
                    {
                        // The verifier reads the context only at constant offsets: an element at a variable index is read
                        // from a stack copy of the array (as a fixed buffer of the context is).
                        int length = TypeLayout.InlineArrayLength(array.Type!);
                        var elementLayout = Layout(inContext.Type, inContext.Syntax);
                        var arrayLayout = Layout(array.Type, array.Syntax);
                        if (elementLayout is null || arrayLayout is null) return Operand.Const(0);
                        var copy = Address.OfSlot(NewSlot(arrayLayout, "copy of " + array.Syntax).Id);
                        Copy(copy, AddressOf(array), arrayLayout.Size);
                        var index = IndexWithin(Rvalue(inContext.Argument), 0, length - 1, inContext.Argument, "An inline array index not proven within 0.." + (length - 1)
                            + " (C# would throw IndexOutOfRangeException; use a constant, a loop counter, or test it first: 'if ((uint)i < " + length + ")')");
                        return LoadScalar(Address.OfReg(_b.Alu(AluOp.Add, PointerOf(copy), Scaled(index, elementLayout.Size), false)), inContext.Type);
                    }
                case IPropertyReferenceOperation spanIndexer when IsSpanMember(spanIndexer, "this[]"):
                case IPropertyReferenceOperation current when SpanEnumeratorOf(current) is not null:
                case IPropertyReferenceOperation { Instance: not null } auto when TypeLayout.BackingField(auto.Property) is not null:
                case IPropertyReferenceOperation indexer when IsCommIndexer(indexer):
                case IInlineArrayAccessOperation:
                case IFieldReferenceOperation fieldRef when !fieldRef.Field.IsStatic:
                case IInvocationOperation { TargetMethod.ReturnsByRef: true } or IInvocationOperation { TargetMethod.ReturnsByRefReadonly: true }:
                    return LoadScalar(AddressOf(op), op.Type);
                case IParameterReferenceOperation parameterRef when _parameters.TryGetValue(parameterRef.Parameter, out var bound):
                    if (!IsScalar(parameterRef.Type))
                    {
                        Report(DiagnosticDescriptors.UnsupportedType, op.Syntax, parameterRef.Type?.ToDisplayString() ?? "?");
                        return Operand.Const(0);
                    }
                    switch (bound.Kind)
                    {
                        case StorageKind.Register: return ReadVariable(bound.Reg, op, parameterRef.Parameter);
                        case StorageKind.Memory: return LoadScalar(Address.OfSlot(bound.Slot), parameterRef.Type);
                        default: return LoadScalar(bound.Fixed ?? Address.OfReg(bound.Reg), parameterRef.Type);
                    }
                case IParameterReferenceOperation:
                    Unsupported(op, "Using the context parameter as a value");
                    return Operand.Const(0);
                case IFieldReferenceOperation staticField when !IsMapField(staticField) && IsScalar(staticField.Type):
                    return LoadScalar(GlobalAddress(staticField), staticField.Type);
                case IFieldReferenceOperation staticField:
                    Unsupported(op, "Reading static field '" + staticField.Field.Name + "' as a value");
                    return Operand.Const(0);
                case IConversionOperation conversion:
                    return Convert(conversion);
                case IBinaryOperation binary:
                    return Binary(binary);
                case IUnaryOperation unary:
                    return Unary(unary);
                case ISimpleAssignmentOperation assignment:
                    return Assign(assignment, needValue: true);
                case ICompoundAssignmentOperation compound:
                    return CompoundAssign(compound, needValue: true);
                case IIncrementOrDecrementOperation increment:
                    return IncrementOrDecrement(increment, needValue: true);
                case IInvocationOperation invocation:
                    return Invoke(invocation, needValue: true);
                case IDefaultValueOperation:
                    return Operand.Const(0);
                case ISizeOfOperation sizeOf:
                    {
                        var layout = Layout(sizeOf.TypeOperand, op.Syntax);
                        return Operand.Const(layout?.Size ?? 0);
                    }
                case IIsPatternOperation:
                case ITupleBinaryOperation:
                    return ConditionValue(op);
                case IIsNullOperation isNull:
                    return Operand.InReg(_b.SetCond(Cond.Eq, Materialize(Rvalue(isNull.Operand)), -1, 0));
                case IPropertyReferenceOperation outside:
                    // A property of code that is not the probe's (Environment.ProcessorCount): its getter cannot run in the kernel.
                    Report(DiagnosticDescriptors.UnsupportedCall, op.Syntax, outside.Property.ContainingType.Name + "." + outside.Property.Name);
                    return Operand.Const(0);
                default:
                    Unsupported(op, "This expression (" + op.Kind + ")");
                    return Operand.Const(0);
            }
        }

        internal static long ConstantToLong(object? c) => c switch
        {
            null => 0,
            bool b => b ? 1 : 0,
            char ch => ch,
            sbyte v => v,
            byte v => v,
            short v => v,
            ushort v => v,
            int v => v,
            uint v => v,
            long v => v,
            ulong v => unchecked((long)v),
            _ => 0,
        };

        private Operand LoadScalar(Address address, ITypeSymbol? type)
        {
            var (size, signed) = ScalarInfo(type);
            int r = _b.Load(address, size);
            if (signed && size < 8) r = _b.Extend(r, size, true);
            return Operand.InReg(r);
        }

        private Operand Convert(IConversionOperation conversion)
        {
            var source = conversion.Operand;
            if (conversion.IsChecked && IsScalar(conversion.Type) && !conversion.Conversion.IsIdentity)
            {
                Unsupported(conversion, "A checked conversion");
            }
            if (conversion.Conversion.IsReference && conversion.OperatorMethod is null
                && (IsMapType(source.Type) || source.ConstantValue is { HasValue: true, Value: null }))
            {
                // A map, or null, seen as an object: a reference comparison (inner != null) compares the pointers.
                return source.ConstantValue.HasValue ? Operand.Const(0) : Rvalue(source);
            }
            if (conversion.OperatorMethod is not null || !IsScalar(conversion.Type) || !IsScalar(source.Type))
            {
                Unsupported(conversion, "This conversion");
                return Operand.Const(0);
            }
            var value = Rvalue(source);
            var (toSize, toSigned) = ScalarInfo(conversion.Type);
            var (fromSize, fromSigned) = ScalarInfo(source.Type);
            if (value.IsConst) return Operand.Const(TruncateConstant(value.Value, toSize, toSigned));
            if (toSize >= 8) return value;
            if (toSize > fromSize && (!fromSigned || toSigned)) return value;
            if (toSize == fromSize && toSigned == fromSigned) return value;
            return Operand.InReg(Normalize(value.Reg, toSize, toSigned));
        }

        private Operand Binary(IBinaryOperation binary)
        {
            if (PointerArithmetic(binary) is Operand pointer) return pointer;
            if (IsRecordEquality(binary)) return ConditionValue(binary);
            if (binary.OperatorMethod is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedCall, binary.Syntax, binary.OperatorMethod.ToDisplayString());
                return Operand.Const(0);
            }
            if (IsRelational(binary.OperatorKind))
            {
                var (cond, a, b) = Comparison(binary);
                return CompareValue(cond, Materialize(a), b);
            }
            if (binary.OperatorKind == BinaryOperatorKind.ConditionalAnd || binary.OperatorKind == BinaryOperatorKind.ConditionalOr)
            {
                Unsupported(binary, "This logical operator");
                return Operand.Const(0);
            }
            if (binary.IsChecked)
            {
                Unsupported(binary, "Checked arithmetic");
            }
            var left = Rvalue(binary.LeftOperand);
            var right = Rvalue(binary.RightOperand);
            return Arithmetic(binary.OperatorKind, left, right, binary.Type, binary);
        }

        private Operand Arithmetic(BinaryOperatorKind kind, Operand left, Operand right, ITypeSymbol? type, IOperation at)
        {
            var (size, signed) = ScalarInfo(type);
            if (type?.SpecialType == SpecialType.System_Boolean)
            {
                // bool & | ^ operate on 0/1 values directly.
                size = 8;
                signed = false;
            }
            AluOp op;
            switch (kind)
            {
                case BinaryOperatorKind.Add: op = AluOp.Add; break;
                case BinaryOperatorKind.Subtract: op = AluOp.Sub; break;
                case BinaryOperatorKind.Multiply: op = AluOp.Mul; break;
                case BinaryOperatorKind.And: op = AluOp.And; break;
                case BinaryOperatorKind.Or: op = AluOp.Or; break;
                case BinaryOperatorKind.ExclusiveOr: op = AluOp.Xor; break;
                case BinaryOperatorKind.LeftShift: op = AluOp.Lsh; break;
                case BinaryOperatorKind.RightShift: op = signed ? AluOp.Arsh : AluOp.Rsh; break;
                case BinaryOperatorKind.UnsignedRightShift: op = AluOp.Rsh; break;
                case BinaryOperatorKind.Divide:
                case BinaryOperatorKind.Remainder:
                    if (!right.IsConst) return DivideByRegister(kind, left, right.Reg, size, signed, at);
                    if (signed && size == 8 && right.Value == long.MinValue) return DivideByMinValue(kind, left);
                    if (right.Value == 0 || (signed && right.Value == -1))
                    {
                        Report(DiagnosticDescriptors.UnsupportedDivision, at.Syntax, at.Syntax.ToString(), "divide by a non-zero constant other than -1, or by a variable tested first");
                        return Operand.Const(0);
                    }
                    if (signed && !left.IsConst) return SignedDivision(kind, left.Reg, right.Value, size);
                    op = kind == BinaryOperatorKind.Divide ? AluOp.Div : AluOp.Mod;
                    break;
                default:
                    Unsupported(at, "Operator " + kind);
                    return Operand.Const(0);
            }

            bool isShift = op == AluOp.Lsh || op == AluOp.Rsh || op == AluOp.Arsh;
            int width = size >= 8 ? 64 : 32;
            if (left.IsConst && right.IsConst)
            {
                if (signed && (op == AluOp.Div || op == AluOp.Mod))
                {
                    return Operand.Const(TruncateConstant(op == AluOp.Div ? left.Value / right.Value : left.Value % right.Value, size, true));
                }
                return Operand.Const(TruncateConstant(Fold(op, left.Value, right.Value, width), size, signed));
            }

            // 32-bit C# types: unsigned results come out of the 32-bit ALU already zero-extended (canonical);
            // signed add/sub/mul/shift-left use the 32-bit ALU and are sign-extended after; signed bitwise
            // operations and arithmetic shift right work on the sign-extended 64-bit value directly.
            bool is32 = false, signExtendAfter = false;
            if (size < 8)
            {
                if (!signed) is32 = true;
                else if (op == AluOp.Add || op == AluOp.Sub || op == AluOp.Mul || op == AluOp.Lsh || (op == AluOp.Rsh && kind == BinaryOperatorKind.UnsignedRightShift))
                {
                    is32 = true;
                    signExtendAfter = true;
                }
            }
            int a = Materialize(left);
            int result;
            if (right.IsConst && (op == AluOp.Add || op == AluOp.Sub) && TryGetRange(a, at.Syntax, out var range) && FitsImm(right.Value))
            {
                // A loop counter plus or minus a constant: when no value of it can overflow the type, the 64-bit
                // sum is already canonical, with no extension.
                long delta = op == AluOp.Add ? right.Value : -right.Value;
                var sum = (Low: range.Low + delta, High: range.High + delta);
                if (TruncateConstant(sum.Low, size, signed) == sum.Low && TruncateConstant(sum.High, size, signed) == sum.High)
                {
                    result = _b.AluImm(op, a, right.Value, false);
                    _ranges[result] = sum;
                    return Operand.InReg(result);
                }
            }
            if (right.IsConst)
            {
                long imm = right.Value;
                if (isShift) imm &= width - 1;
                if (is32) imm = unchecked((int)imm);
                result = FitsImm(imm) ? _b.AluImm(op, a, imm, is32) : _b.Alu(op, a, _b.Const(imm), is32);
            }
            else
            {
                int b = right.Reg;
                // C# masks the count; a count known to be below the width (a loop counter) needs no mask.
                if (isShift && !(TryGetRange(b, at.Syntax, out var count) && count.Low >= 0 && count.High < width)) b = _b.AluImm(AluOp.And, b, width - 1, false);
                result = _b.Alu(op, a, b, is32);
            }
            // C# computes in int at least, but enum arithmetic (E + U, E - U, E - E) in the enum's underlying type,
            // which may be narrower: the result wraps at that width (bitwise results of canonical values are canonical).
            if (size < 4 && op is not (AluOp.And or AluOp.Or or AluOp.Xor)) result = Normalize(result, size, signed);
            else if (signExtendAfter) result = _b.Extend(result, 4, true);
            // x & mask, with a non-negative mask, lies in [0, mask]: an index the verifier and the bounds proofs can use.
            if (op == AluOp.And && right.IsConst && right.Value >= 0) _ranges[result] = (0, right.Value);
            // x >> c with a logical shift (an unsigned type, or >>>) lies in [0, all ones >> c].
            else if (op == AluOp.Rsh && right.IsConst && (right.Value & (width - 1)) > 0)
            {
                int count = (int)(right.Value & (width - 1));
                _ranges[result] = (0, (long)((width == 64 ? ulong.MaxValue : uint.MaxValue) >> count));
            }
            // Sums, differences, products and shifts of values with known ranges (7 - i, 2 * i + 1), where no value of
            // the operands can wrap the type: the register holds the exact result, inside the combined range.
            else if (RangeOf(left, at.Syntax) is { } leftRange && RangeOf(right, at.Syntax) is { } rightRange
                && Combine(op, leftRange, rightRange, width) is { } combined
                && TruncateConstant(combined.Low, size, signed) == combined.Low && TruncateConstant(combined.High, size, signed) == combined.High)
            {
                _ranges[result] = combined;
            }
            return Operand.InReg(result);
        }

        /// <summary>
        /// Signed division or remainder by a constant, truncating toward zero as C# does, with only the unsigned
        /// divide of cpu v2/v3: divide the magnitude, then restore the sign (of the quotient: the operands'
        /// signs; of the remainder: the dividend's). The value is canonical, so this works at 64 bits for every width.
        /// </summary>
        private Operand SignedDivision(BinaryOperatorKind kind, int dividend, long divisor, int size)
        {
            long magnitude = Math.Abs(divisor);
            int sign = _b.AluImm(AluOp.Arsh, dividend, 63, false);
            int absolute = Magnitude(dividend, sign);
            var op = kind == BinaryOperatorKind.Divide ? AluOp.Div : AluOp.Mod;
            int unsignedResult = FitsImm(magnitude) ? _b.AluImm(op, absolute, magnitude, false) : _b.Alu(op, absolute, _b.Const(magnitude), false);
            int result = Magnitude(unsignedResult, sign);
            if (kind == BinaryOperatorKind.Divide && divisor < 0)
            {
                int negated = Function.NewReg();
                _b.Emit(new IrInstruction { Op = IrOp.Neg, Dst = negated, A = result });
                result = negated;
            }
            return Operand.InReg(size < 8 ? Normalize(result, 4, true) : result);
        }

        /// <summary>The values an operand can hold where <paramref name="at"/> reads it, if known.</summary>
        private (long Low, long High)? RangeOf(Operand value, SyntaxNode at)
            => value.IsConst ? (value.Value, value.Value) : TryGetRange(value.Reg, at, out var range) ? range : null;

        /// <summary>The range of <c>a op b</c> over all values of the operands, or null when it is unknown or overflows 64 bits.</summary>
        private static (long Low, long High)? Combine(AluOp op, (long Low, long High) a, (long Low, long High) b, int width)
        {
            try
            {
                checked
                {
                    switch (op)
                    {
                        case AluOp.Add: return (a.Low + b.Low, a.High + b.High);
                        case AluOp.Sub: return (a.Low - b.High, a.High - b.Low);
                        case AluOp.Mul:
                            {
                                long[] corners = { a.Low * b.Low, a.Low * b.High, a.High * b.Low, a.High * b.High };
                                return (corners.Min(), corners.Max());
                            }
                        case AluOp.Lsh when b.Low >= 0 && b.High < width - 1:
                            return Combine(AluOp.Mul, a, (1L << (int)b.Low, 1L << (int)b.High), width);
                        default: return null;
                    }
                }
            }
            catch (OverflowException)
            {
                return null;
            }
        }

        /// <summary>
        /// <c>x / long.MinValue</c> is 1 for <c>MinValue</c> itself and 0 for every other value; <c>x % long.MinValue</c>
        /// is 0 for <c>MinValue</c> and <c>x</c> otherwise (no other magnitude reaches the divisor's).
        /// </summary>
        private Operand DivideByMinValue(BinaryOperatorKind kind, Operand left)
        {
            if (left.IsConst) return Operand.Const(kind == BinaryOperatorKind.Divide ? left.Value / long.MinValue : left.Value % long.MinValue);
            int isMin = _b.SetCond(Cond.Eq, left.Reg, _b.Const(long.MinValue), 0);
            if (kind == BinaryOperatorKind.Divide) return Operand.InReg(isMin);
            // x & (isMin - 1): 0 when x is MinValue, x otherwise.
            return Operand.InReg(_b.Alu(AluOp.And, left.Reg, _b.AluImm(AluOp.Sub, isMin, 1, false), false));
        }

        private static long Fold(AluOp op, long a, long b, int width)
        {
            unchecked
            {
                int shiftMask = width - 1;
                switch (op)
                {
                    case AluOp.Add: return a + b;
                    case AluOp.Sub: return a - b;
                    case AluOp.Mul: return a * b;
                    case AluOp.Div: return width == 64 ? (long)((ulong)a / (ulong)b) : (long)((uint)a / (uint)b);
                    case AluOp.Mod: return width == 64 ? (long)((ulong)a % (ulong)b) : (long)((uint)a % (uint)b);
                    case AluOp.And: return a & b;
                    case AluOp.Or: return a | b;
                    case AluOp.Xor: return a ^ b;
                    case AluOp.Lsh: return width == 64 ? a << (int)(b & shiftMask) : (int)a << (int)(b & shiftMask);
                    case AluOp.Rsh: return width == 64 ? (long)((ulong)a >> (int)(b & shiftMask)) : (long)((uint)a >> (int)(b & shiftMask));
                    case AluOp.Arsh: return width == 64 ? a >> (int)(b & shiftMask) : (int)a >> (int)(b & shiftMask);
                    default: return 0;
                }
            }
        }

        internal static bool FitsImm(long value) => value >= int.MinValue && value <= int.MaxValue;

        private Operand Unary(IUnaryOperation unary)
        {
            if (unary.OperatorMethod is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedCall, unary.Syntax, unary.OperatorMethod.ToDisplayString());
                return Operand.Const(0);
            }
            var (size, signed) = ScalarInfo(unary.Type);
            var value = Rvalue(unary.Operand);
            switch (unary.OperatorKind)
            {
                case UnaryOperatorKind.Plus:
                    return value;
                case UnaryOperatorKind.Minus:
                    {
                        if (unary.IsChecked) Unsupported(unary, "Checked negation");
                        if (value.IsConst) return Operand.Const(TruncateConstant(-value.Value, Math.Max(size, 4), signed));
                        int r = Function.NewReg();
                        _b.Emit(new IrInstruction { Op = IrOp.Neg, Dst = r, A = value.Reg });
                        return Operand.InReg(size < 8 ? Normalize(r, size, signed) : r);
                    }
                case UnaryOperatorKind.BitwiseNegation:
                    {
                        // The operand is promoted to int at least, except for an enum, which stays at its underlying width.
                        if (value.IsConst) return Operand.Const(TruncateConstant(~value.Value, size, signed));
                        int r = _b.AluImm(AluOp.Xor, value.Reg, -1, false);
                        return Operand.InReg(size < 8 && !signed ? Normalize(r, size, false) : r);
                    }
                case UnaryOperatorKind.Not:
                    {
                        if (value.IsConst) return Operand.Const(value.Value == 0 ? 1 : 0);
                        return Operand.InReg(_b.AluImm(AluOp.Xor, value.Reg, 1, false));
                    }
                default:
                    Unsupported(unary, "Operator " + unary.OperatorKind);
                    return Operand.Const(0);
            }
        }

        // ---------------------------------------------------------------- conditions

        private static bool IsRelational(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual
                or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual => true,
            _ => false,
        };

        private (Cond Cond, Operand A, Operand B) Comparison(IBinaryOperation binary)
        {
            var left = Rvalue(binary.LeftOperand);
            var right = Rvalue(binary.RightOperand);
            bool signed = ScalarInfo(binary.LeftOperand.Type).Signed;
            if (binary.LeftOperand.Type?.SpecialType == SpecialType.System_Boolean) signed = false;
            var cond = binary.OperatorKind switch
            {
                BinaryOperatorKind.Equals => Cond.Eq,
                BinaryOperatorKind.NotEquals => Cond.Ne,
                BinaryOperatorKind.LessThan => signed ? Cond.SLt : Cond.Lt,
                BinaryOperatorKind.LessThanOrEqual => signed ? Cond.SLe : Cond.Le,
                BinaryOperatorKind.GreaterThan => signed ? Cond.SGt : Cond.Gt,
                _ => signed ? Cond.SGe : Cond.Ge,
            };
            if (left.IsConst && !right.IsConst)
            {
                return (Swap(cond), right, left);
            }
            return (cond, left, right);
        }

        /// <summary>A 0/1 register: a compared with b (as an immediate when it fits).</summary>
        private Operand CompareValue(Cond cond, int a, Operand b)
            => Operand.InReg(b.IsConst && FitsImm(b.Value) ? _b.SetCond(cond, a, -1, b.Value) : _b.SetCond(cond, a, Materialize(b), 0));

        private static Cond Swap(Cond cond) => cond switch
        {
            Cond.Gt => Cond.Lt, Cond.Lt => Cond.Gt, Cond.Ge => Cond.Le, Cond.Le => Cond.Ge,
            Cond.SGt => Cond.SLt, Cond.SLt => Cond.SGt, Cond.SGe => Cond.SLe, Cond.SLe => Cond.SGe,
            _ => cond,
        };

        private static bool Evaluate(Cond cond, long a, long b) => cond switch
        {
            Cond.Eq => a == b,
            Cond.Ne => a != b,
            Cond.Gt => (ulong)a > (ulong)b,
            Cond.Ge => (ulong)a >= (ulong)b,
            Cond.Lt => (ulong)a < (ulong)b,
            Cond.Le => (ulong)a <= (ulong)b,
            Cond.SGt => a > b,
            Cond.SGe => a >= b,
            Cond.SLt => a < b,
            Cond.SLe => a <= b,
            _ => (a & b) != 0,
        };

        /// <summary>Lowers a branch condition straight to a compare-and-jump.</summary>
        private void LowerCondition(IOperation condition, IrBlock whenTrue, IrBlock whenFalse)
        {
            condition = condition is IParenthesizedOperation p ? p.Operand : condition;
            if (condition.ConstantValue.HasValue)
            {
                _b.Jump(ConstantToLong(condition.ConstantValue.Value) != 0 ? whenTrue : whenFalse);
                return;
            }
            if (condition is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, OperatorMethod: null } not)
            {
                LowerCondition(not.Operand, whenFalse, whenTrue);
                return;
            }
            if (condition is IBinaryOperation recordEquality && IsRecordEquality(recordEquality))
            {
                LowerRecordEquality(recordEquality, whenTrue, whenFalse);
                return;
            }
            if (condition is ITupleBinaryOperation tupleComparison)
            {
                LowerTupleComparison(tupleComparison, whenTrue, whenFalse);
                return;
            }
            if (condition is IIsPatternOperation { Value.Type.IsTupleType: true } tuplePattern && TupleElements(tuplePattern.Value) is { } elements)
            {
                LowerTuplePattern(elements, tuplePattern.Pattern, whenTrue, whenFalse);
                return;
            }
            if (condition is IBinaryOperation binary && binary.OperatorMethod is null && IsRelational(binary.OperatorKind))
            {
                var (cond, a, b) = Comparison(binary);
                EmitBranch(cond, a, b, whenTrue, whenFalse);
                return;
            }
            if (condition is IInvocationOperation tryGet && IsMapMethod(tryGet, "TryGetValue"))
            {
                if (MapTargetOf(tryGet.Instance, tryGet) is MapTarget target) TryGetValue(tryGet, target, whenTrue, whenFalse);
                else _b.Jump(whenFalse);
                return;
            }
            if (condition is IInvocationOperation nameCompare && IsNameCompare(nameCompare))
            {
                LowerNameCompare(nameCompare, whenTrue, whenFalse);
                return;
            }
            if (condition is IInvocationOperation moveNext && SpanEnumeratorOf(moveNext) is { } enumerator)
            {
                // foreach over a span: step the index, continue while it is inside the span.
                StepSpanEnumerator(enumerator);
                _b.Branch(Cond.SLt, enumerator.Index, -1, enumerator.Span.SpanLength, whenTrue, whenFalse);
                return;
            }
            if (condition is IInvocationOperation spanCompare && IsSpanCompare(spanCompare))
            {
                LowerSpanCompare(spanCompare, whenTrue, whenFalse);
                return;
            }
            if (condition is IIsPatternOperation structPattern && structPattern.Value.Type is { TypeKind: TypeKind.Struct } structType && !IsScalar(structType))
            {
                LowerStructPattern(AddressOf(structPattern.Value), structPattern.Pattern, whenTrue, whenFalse);
                return;
            }
            if (condition is IIsPatternOperation isPattern)
            {
                LowerPattern(Rvalue(isPattern.Value), isPattern.Value.Type, isPattern.Pattern, whenTrue, whenFalse);
                return;
            }
            if (condition is IInvocationOperation invocation && IsUnsafeIsNullRef(invocation))
            {
                var address = AddressOf(invocation.Arguments[0].Value);
                int pointer = PointerOf(address);
                _b.Branch(Cond.Eq, pointer, -1, 0, whenTrue, whenFalse);
                return;
            }
            var value = Rvalue(condition);
            EmitBranch(Cond.Ne, value, Operand.Const(0), whenTrue, whenFalse);
        }

        /// <summary>Branches on whether <paramref name="value"/> matches <paramref name="pattern"/>.</summary>
        private void LowerPattern(Operand value, ITypeSymbol? type, IPatternOperation pattern, IrBlock whenTrue, IrBlock whenFalse)
        {
            bool signed = ScalarInfo(type).Signed && type?.SpecialType != SpecialType.System_Boolean;
            LowerPatternShape(pattern, whenTrue, whenFalse, (test, matched, otherwise) =>
            {
                switch (test)
                {
                    case IConstantPatternOperation constant:
                        EmitBranch(Cond.Eq, value, Rvalue(constant.Value), matched, otherwise);
                        return;
                    case IRelationalPatternOperation relational:
                        {
                            var cond = relational.OperatorKind switch
                            {
                                BinaryOperatorKind.LessThan => signed ? Cond.SLt : Cond.Lt,
                                BinaryOperatorKind.LessThanOrEqual => signed ? Cond.SLe : Cond.Le,
                                BinaryOperatorKind.GreaterThan => signed ? Cond.SGt : Cond.Gt,
                                BinaryOperatorKind.GreaterThanOrEqual => signed ? Cond.SGe : Cond.Ge,
                                BinaryOperatorKind.NotEquals => Cond.Ne,
                                _ => Cond.Eq,
                            };
                            var bound = Rvalue(relational.Value);
                            if (value.IsConst && !bound.IsConst) EmitBranch(Swap(cond), bound, value, matched, otherwise);
                            else EmitBranch(cond, value, bound, matched, otherwise);
                            return;
                        }
                    default:
                        Unsupported(test, "This pattern");
                        _b.Jump(otherwise);
                        return;
                }
            });
        }

        /// <summary>
        /// Lowers what every pattern shares (<c>_</c>, <c>not</c>, <c>and</c>, <c>or</c>) and hands each other pattern to
        /// <paramref name="test"/>, which branches to the two blocks it is given.
        /// </summary>
        private void LowerPatternShape(IPatternOperation pattern, IrBlock whenTrue, IrBlock whenFalse, Action<IPatternOperation, IrBlock, IrBlock> test)
        {
            switch (pattern)
            {
                case IDiscardPatternOperation:
                    _b.Jump(whenTrue);
                    return;
                case INegatedPatternOperation negated:
                    LowerPatternShape(negated.Pattern, whenFalse, whenTrue, test);
                    return;
                case IBinaryPatternOperation binary:
                    {
                        var next = Function.NewBlock();
                        if (binary.OperatorKind == BinaryOperatorKind.And) LowerPatternShape(binary.LeftPattern, next, whenFalse, test);
                        else LowerPatternShape(binary.LeftPattern, whenTrue, next, test);
                        _b.Block = next;
                        LowerPatternShape(binary.RightPattern, whenTrue, whenFalse, test);
                        return;
                    }
                default:
                    test(pattern, whenTrue, whenFalse);
                    return;
            }
        }

        /// <summary>
        /// A pattern on a struct in memory: property patterns (<c>{ Count: > 0, Inner: { Kind: 2 } }</c>) test each
        /// member in order, loading it only when it is tested; <c>not</c>, <c>and</c>, <c>or</c> and <c>_</c> combine them.
        /// </summary>
        private void LowerStructPattern(Address input, IPatternOperation pattern, IrBlock whenTrue, IrBlock whenFalse)
            => LowerPatternShape(pattern, whenTrue, whenFalse, (test, matched, otherwise) =>
            {
                if (test is not IRecursivePatternOperation { DeclaredSymbol: null, DeconstructionSubpatterns.Length: 0 } recursive)
                {
                    Unsupported(test, "This pattern on a struct");
                    _b.Jump(otherwise);
                    return;
                }
                foreach (var sub in recursive.PropertySubpatterns)
                {
                    var member = sub.Member switch
                    {
                        IFieldReferenceOperation field => (Symbol: (ISymbol)field.Field, Field: field.Field, Type: field.Type),
                        IPropertyReferenceOperation property when TypeLayout.BackingField(property.Property) is { } backing => (property.Property, backing, property.Type),
                        _ => (null!, null!, null),
                    };
                    if (member.Field is null || member.Type is null)
                    {
                        Unsupported(sub, "A property pattern on something other than a field or auto-property");
                        _b.Jump(otherwise);
                        return;
                    }
                    var address = input.Plus(FieldOffset(member.Field, sub.Syntax));
                    var next = Function.NewBlock();
                    if (IsScalar(member.Type)) LowerPattern(LoadScalar(address, member.Type), member.Type, sub.Pattern, next, otherwise);
                    else LowerStructPattern(address, sub.Pattern, next, otherwise);
                    _b.Block = next;
                }
                _b.Jump(matched);
            });

        /// <summary>A 0/1 register holding a condition's value, computed with branches.</summary>
        private Operand ConditionValue(IOperation condition)
        {
            int result = Function.NewReg();
            var isTrue = Function.NewBlock();
            var isFalse = Function.NewBlock();
            var join = Function.NewBlock();
            LowerCondition(condition, isTrue, isFalse);
            _b.Block = isTrue;
            _b.MovConst(result, 1);
            _b.Jump(join);
            _b.Block = isFalse;
            _b.MovConst(result, 0);
            _b.Jump(join);
            _b.Block = join;
            return Operand.InReg(result);
        }

        private void EmitBranch(Cond cond, Operand a, Operand b, IrBlock whenTrue, IrBlock whenFalse)
        {
            if (a.IsConst && b.IsConst)
            {
                _b.Jump(Evaluate(cond, a.Value, b.Value) ? whenTrue : whenFalse);
                return;
            }
            int left = Materialize(a);
            if (b.IsConst && FitsImm(b.Value)) _b.Branch(cond, left, -1, b.Value, whenTrue, whenFalse);
            else _b.Branch(cond, left, Materialize(b), 0, whenTrue, whenFalse);
        }

        /// <summary>A register holding the address (materialising stack addresses).</summary>
        private int PointerOf(Address address)
        {
            int r;
            if (address.IsSlot) r = _b.FrameAddr(address.Slot);
            else r = address.BaseReg;
            if (address.Offset != 0) r = _b.AluImm(AluOp.Add, r, address.Offset, false);
            return r;
        }
    }
}
