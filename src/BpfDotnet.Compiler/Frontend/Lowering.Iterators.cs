using System.Collections.Generic;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using BpfDotnet.KernelModel;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Iterator programs (<c>iter/&lt;target&gt;</c>): their context is a list of kernel pointers the verifier types from the
    /// target's BTF (<c>struct bpf_iter__&lt;target&gt;</c>), the first one <c>struct bpf_iter_meta *</c>. Each member is a
    /// load of the pointer at its constant offset, then of what it points to: the walk's sequence number from the meta, the
    /// output <c>seq_file</c> for <c>bpf_seq_write</c> and <c>bpf_seq_printf</c>; a map element's key and value are pointers
    /// the kernel gives as null on the walk's last call, which the fact engine makes the program test before use (BPF0015).
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>The offsets in <c>struct bpf_iter_meta</c> of the output and of the sequence number.</summary>
        private const int IteratorSeqFile = 0, IteratorSequenceNumber = 16;

        private static bool IsIteratorContext(ITypeSymbol? type)
        {
            var definition = type?.OriginalDefinition;
            if (definition is null) return false;
            string name = definition.ContainingNamespace?.ToDisplayString() + "." + definition.MetadataName;
            return name is KnownTypes.IteratorContext or KnownTypes.MapElementIterator;
        }

        /// <summary>The iterator context the program was called with (its address), or null (reported) for anything else or outside an iterator.</summary>
        private Address? IteratorContextAddress(IOperation context, IOperation at)
        {
            if (!IsIteratorContext(Unwrap(context).Type) || !IsContextAccess(context))
            {
                Unsupported(at, "Using '" + context.Syntax + "', which is not the program's iterator context parameter, as an iterator's context");
                return null;
            }
            if (Subprograms.AttachType != AttachType.TraceIter)
            {
                Unsupported(at, "An iterator context ('" + at.Syntax + "') in a program that is not an iterator (declare it in an iter/<target> section, such as [Section(\"iter/task\")])");
                return null;
            }
            var address = AddressOf(context);
            if (address.IsSlot || address.BaseReg < 0)
            {
                Unsupported(at, "Iterator access through a copy of the context (use the program's context parameter itself)");
                return null;
            }
            return address;
        }

        /// <summary>The <c>struct bpf_iter_meta *</c> at the start of the context, in a register.</summary>
        private int? IteratorMeta(IOperation context, IOperation at)
            => IteratorContextAddress(context, at) is Address address ? _b.Load(address, 8) : null;

        /// <summary>The iterator's output, <c>ctx-&gt;meta-&gt;seq</c>, for the seq helpers.</summary>
        private int? IteratorOutput(IOperation context, IOperation at)
            => IteratorMeta(context, at) is int meta ? _b.Load(Address.OfReg(meta, IteratorSeqFile), 8) : null;

        /// <summary><c>SequenceNumber</c> (<c>ctx-&gt;meta-&gt;seq_num</c>) and <c>IsEnd</c> (the context's first object pointer is null).</summary>
        private Operand IteratorMember(IOperation context, IPropertyReferenceOperation member)
        {
            switch (member.Property.Name)
            {
                case "SequenceNumber":
                    return IteratorMeta(context, member) is int meta ? Operand.InReg(_b.Load(Address.OfReg(meta, IteratorSequenceNumber), 8)) : Operand.Const(0);
                case "IsEnd" when IteratorContextAddress(context, member) is Address address:
                    return Operand.InReg(_b.SetCond(Cond.Eq, _b.Load(address.Plus(8), 8), -1, 0));
                case "IsEnd":
                    return Operand.Const(0);
            }
            Unsupported(member, "This member of " + member.Property.ContainingType.Name);
            return Operand.Const(0);
        }

        /// <summary>A map element iterator's key (read-only) or value: the pointer at its offset, which may be null.</summary>
        private Operand MapElement(IOperation context, bool key, IOperation at)
        {
            if (IteratorContextAddress(context, at) is not Address address) return Operand.Const(0);
            int pointer = Function.NewReg();
            _b.Emit(new IrInstruction { Op = IrOp.Load, Dst = pointer, Addr = address.Plus(key ? 16 : 24), Size = 8, MaybeNull = true });
            return Operand.InReg(pointer);
        }

        /// <summary>
        /// <c>Bpf.SeqPrintf(ref ctx, "...", a, b, ...)</c>: the literal format, checked as the kernel checks it, from the
        /// program's read-only strings with its size; the arguments from a stack array of 8-byte values.
        /// </summary>
        private Operand SeqPrintf(IInvocationOperation invocation)
        {
            var args = invocation.Arguments;
            if (CheckedFormat(args, 1) is not string text) return Operand.Const(0);
            int count = args.Length - 2;
            if (IteratorOutput(args[0].Value, invocation) is not int seq) return Operand.Const(0);
            int data = FormatArguments(args, 2, "SeqPrintf arguments");
            int formatAddress = _b.GlobalAddress(Subprograms.ConstantString(text));
            int formatSize = System.Text.Encoding.UTF8.GetByteCount(text) + 1;
            return Operand.InReg(CallHelper(HelperId.SeqPrintf, invocation, new List<int> { seq, formatAddress, _b.Const(formatSize), data, _b.Const(count * 8) }));
        }
    }
}
