using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.KernelModel;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// The helpers the helpers table marshals (<see cref="InvokeTableHelper"/>), among them the reads of memory the program does not own: <c>Bpf.ProbeReadUser&lt;T&gt;(UserPointer, out T)</c> and
    /// <c>Bpf.ProbeReadKernel&lt;T&gt;(KernelPointer, out T)</c> copy a value into the program's memory;
    /// <c>ProbeReadUserString</c> and <c>ProbeReadKernelString</c> copy a NUL-terminated string into a span (a
    /// <c>stackalloc</c> span, or an <c>[InlineArray]</c> of bytes in a local, a map value or a ring buffer record), at most
    /// its length. The pointer structs carry an address the program may not dereference; the helpers fail cleanly on a bad one.
    /// </summary>
    internal sealed partial class Lowering
    {
        private const string UserPointerType = "BpfDotnet.UserPointer";
        private const string KernelPointerType = "BpfDotnet.KernelPointer";

        /// <summary>
        /// A helper the helpers table marshals: each of its arguments made from the C# call's as its entry says, in the
        /// helper's order (a size from the destination before it).
        /// </summary>
        private Operand InvokeTableHelper(HelperInfo helper, HelperArgument[] marshalled, IInvocationOperation invocation)
        {
            var args = invocation.Arguments;
            var values = new List<int>(marshalled.Length);
            int previousSize = 0;
            foreach (var argument in marshalled)
            {
                var value = argument.From >= 0 && argument.From < args.Length ? args[argument.From].Value : null;
                if (argument.Kind != HelperArgumentKind.SizeOfPrevious && value is null)
                {
                    Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, invocation.TargetMethod.ToDisplayString());
                    return Operand.Const(0);
                }
                switch (argument.Kind)
                {
                    case HelperArgumentKind.Scalar:
                        values.Add(Materialize(Rvalue(value!)));
                        break;
                    case HelperArgumentKind.Address:
                        values.Add(AddressIn(value!));
                        break;
                    case HelperArgumentKind.Context:
                        if (!IsContextAccess(value!))
                        {
                            Unsupported(value!, "Passing '" + value!.Syntax + "', which is not the program's context parameter, as the context of " + helper.Name);
                            return Operand.Const(0);
                        }
                        values.Add(PointerOf(AddressOf(value!)));
                        break;
                    case HelperArgumentKind.Into:
                    case HelperArgumentKind.OutZeroed:
                        {
                            // A byte span: its bytes; an out variable: its memory, of its type's size.
                            var destinationType = Unwrap(value!).Type;
                            if (IsSpan(destinationType) || destinationType is not null && TypeLayout.InlineArrayLength(destinationType) > 0 && !IsOutArgument(args[argument.From]))
                            {
                                if (ByteSpan(value!) is not { } span)
                                {
                                    Unsupported(value!, "A destination other than a local Span<byte> over stackalloc or an [InlineArray] of bytes");
                                    return Operand.Const(0);
                                }
                                values.Add(PointerOf(span.Start));
                                previousSize = span.Bytes;
                                break;
                            }
                            var layout = Layout(value!.Type, value.Syntax);
                            if (layout is null) return Operand.Const(0);
                            var target = AddressOf(value);
                            if (argument.Kind == HelperArgumentKind.OutZeroed) Zero(target, layout.Size);
                            values.Add(PointerOf(target));
                            previousSize = layout.Size;
                            break;
                        }
                    case HelperArgumentKind.ReadFrom:
                        {
                            // A byte span: its bytes; an in value: its memory, of its type's size.
                            if (IsSpan(Unwrap(value!).Type) && ByteSpan(value!) is { } source)
                            {
                                values.Add(PointerOf(source.Start));
                                previousSize = source.Bytes;
                                break;
                            }
                            var layout = Layout(value!.Type, value.Syntax);
                            if (layout is null) return Operand.Const(0);
                            values.Add(PointerOf(AddressOf(value)));
                            previousSize = layout.Size;
                            break;
                        }
                    case HelperArgumentKind.IteratorOutput:
                        if (IteratorOutput(value!, invocation) is not int seq) return Operand.Const(0);
                        values.Add(seq);
                        break;
                    case HelperArgumentKind.SizeOfPrevious:
                        values.Add(_b.Const(previousSize));
                        break;
                }
            }
            return Operand.InReg(CallHelper(helper, invocation, values));
        }

        private static bool IsOutArgument(IArgumentOperation argument) => argument.Parameter?.RefKind == RefKind.Out;

        /// <summary>The address a <c>UserPointer</c> or <c>KernelPointer</c> holds, as a scalar register.</summary>
        private int AddressIn(IOperation pointer)
        {
            var op = pointer;
            while (op is IConversionOperation { OperatorMethod: null } conversion) op = conversion.Operand;
            // new UserPointer(x): the address is x.
            if (op is IObjectCreationOperation { Arguments.Length: 1 } creation
                && creation.Type?.ToDisplayString() is UserPointerType or KernelPointerType)
            {
                var value = creation.Arguments[0].Value;
                return Materialize(Rvalue(value));
            }
            // A pointer struct in memory: its only field, the address, is its first 8 bytes.
            return _b.Load(AddressOf(pointer), 8);
        }

        /// <summary>Where a span argument's bytes are and how many: a span local, or an inline array.</summary>
        private (Address Start, int Bytes)? ByteSpan(IOperation value)
        {
            var op = value;
            while (op is IConversionOperation conversion)
            {
                if (conversion.Operand.Type is ITypeSymbol from && TypeLayout.InlineArrayLength(from) is int length and > 0)
                {
                    var element = Layout(conversion.Type is INamedTypeSymbol { TypeArguments.Length: 1 } span ? span.TypeArguments[0] : null, value.Syntax);
                    if (element is null) return null;
                    return (AddressOf(conversion.Operand), length * element.Size);
                }
                op = conversion.Operand;
            }
            if (SpanStorage(op) is { } storage)
            {
                var type = (op.Type as INamedTypeSymbol)?.TypeArguments.FirstOrDefault();
                var element = type is null ? null : Layout(type, value.Syntax);
                if (element is null) return null;
                return (SpanStart(storage), storage.SpanLength * element.Size);
            }
            return null;
        }
    }
}
