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
    /// Reading memory the program does not own: <c>Bpf.ProbeReadUser&lt;T&gt;(UserPointer, out T)</c> and
    /// <c>Bpf.ProbeReadKernel&lt;T&gt;(KernelPointer, out T)</c> copy a value into the program's memory;
    /// <c>ProbeReadUserString</c> and <c>ProbeReadKernelString</c> copy a NUL-terminated string into a span (a
    /// <c>stackalloc</c> span, or an <c>[InlineArray]</c> of bytes in a local, a map value or a ring buffer record), at most
    /// its length. The pointer structs carry an address the program may not dereference; the helpers fail cleanly on a bad one.
    /// </summary>
    internal sealed partial class Lowering
    {
        private const string UserPointerType = "BpfDotnet.UserPointer";
        private const string KernelPointerType = "BpfDotnet.KernelPointer";

        /// <summary>Lowers a memory helper of <c>Bpf</c>, or returns null when <paramref name="invocation"/> is not one.</summary>
        private Operand? InvokeMemoryHelper(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            HelperId id;
            bool isString;
            switch (method.Name)
            {
                case "ProbeReadUser": id = HelperId.ProbeReadUser; isString = false; break;
                case "ProbeReadKernel": id = HelperId.ProbeReadKernel; isString = false; break;
                case "ProbeReadUserString": id = HelperId.ProbeReadUserStr; isString = true; break;
                case "ProbeReadKernelString": id = HelperId.ProbeReadKernelStr; isString = true; break;
                case "GetNsCurrentPidTgid" when invocation.Arguments.Length == 3:
                    {
                        // (dev, ino, struct bpf_pidns_info *, size): the ids go to the out argument, zeroed first as the
                        // helper leaves them on failure and C# gives them a value either way.
                        int device = Materialize(Rvalue(invocation.Arguments[0].Value));
                        int inode = Materialize(Rvalue(invocation.Arguments[1].Value));
                        var target = invocation.Arguments[2].Value;
                        var layout = Layout(target.Type, target.Syntax);
                        if (layout is null) return Operand.Const(0);
                        var ids = AddressOf(target);
                        Zero(ids, layout.Size);
                        return Operand.InReg(CallHelper(HelperId.GetNsCurrentPidTgid, invocation, new List<int> { device, inode, PointerOf(ids), _b.Const(layout.Size) }));
                    }
                default: return null;
            }
            var args = invocation.Arguments;
            int source = AddressIn(args[0].Value);
            int destination, size;
            // The string helpers, and the plain reads into a byte span (the non-generic overloads), fill a span.
            if (isString || !method.IsGenericMethod)
            {
                if (ByteSpan(args[1].Value) is not { } span)
                {
                    Unsupported(args[1].Value, "A destination other than a local Span<byte> over stackalloc or an [InlineArray] of bytes");
                    return Operand.Const(0);
                }
                destination = PointerOf(span.Start);
                size = span.Bytes;
            }
            else
            {
                var layout = Layout(method.TypeArguments[0], invocation.Syntax);
                if (layout is null) return Operand.Const(0);
                destination = PointerOf(AddressOf(args[1].Value));
                size = layout.Size;
            }
            return Operand.InReg(CallHelper(id, invocation, new List<int> { destination, _b.Const(size), source }));
        }

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

        /// <summary>Where a byte span argument's bytes are and how many: a span local, or an inline array of bytes.</summary>
        private (Address Start, int Bytes)? ByteSpan(IOperation value)
        {
            var op = value;
            while (op is IConversionOperation conversion)
            {
                if (conversion.Operand.Type is ITypeSymbol from && TypeLayout.InlineArrayLength(from) is int length and > 0)
                {
                    var element = Layout(conversion.Type is INamedTypeSymbol { TypeArguments.Length: 1 } span ? span.TypeArguments[0] : null, value.Syntax);
                    if (element?.Size != 1) return null;
                    return (AddressOf(conversion.Operand), length);
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
