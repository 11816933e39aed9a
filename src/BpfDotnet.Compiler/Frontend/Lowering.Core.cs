using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using BpfDotnet.KernelModel;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Reads through pointers to kernel types (structs with <c>[BtfName]</c>, as <c>KernelTypes.GenerateCSharp</c> declares
    /// them): <c>task-&gt;RealParent</c> copies the member with <c>bpf_probe_read_kernel</c> from the pointer plus the
    /// member's offset, and that offset is an instruction the loader rewrites for the running kernel's layout (CO-RE), so the
    /// program reads the right bytes on any kernel whose BTF has the member, and is refused at load, naming it, where none does.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>A member read through a kernel pointer: the pointer expression, the struct's and member's BTF names, where the declaration places it.</summary>
        private sealed record KernelMember(IOperation Pointer, EquatableArray<CoreStep> Steps, int Size, bool IsPointer)
        {
            public string Struct => Steps[0].Struct;
        }

        private static string? BtfNameOf(ISymbol symbol)
        {
            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == KnownTypes.BtfNameAttribute && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is string name)
                    return name;
            }
            return null;
        }

        /// <summary>
        /// <paramref name="field"/> as a member of a kernel struct read through a pointer (<c>p-&gt;Member</c>, or a member of
        /// a struct held in it by value, <c>sk-&gt;SkCommon.SkcDaddr</c>), or null.
        /// </summary>
        private KernelMember? KernelMemberOf(IFieldReferenceOperation field)
        {
            var steps = new List<CoreStep>();
            IOperation current = field;
            IOperation? pointer = null;
            while (current is IFieldReferenceOperation member)
            {
                if (member.Field.IsStatic || member.Instance is not { } instance) return null;
                if (BtfNameOf(member.Field.ContainingType) is not string structName || DeclaredOffset(member.Field) is not int offset) return null;
                steps.Insert(0, new CoreStep(structName, BtfNameOf(member.Field) ?? member.Field.Name, offset));
                if (IsPointerAccess(instance))
                {
                    pointer = instance.ChildOperations.First();
                    break;
                }
                current = Unwrap(instance);
            }
            if (pointer is null) return null;
            int size = field.Field.IsFixedSizeBuffer ? 0 : TypeLayout.TryGet(field.Field.Type, out _)?.Size ?? 0;
            return new KernelMember(pointer, steps.ToEquatableArray(), size, field.Field.Type is IPointerTypeSymbol);
        }

        /// <summary>A member's declared offset: its [FieldOffset] (kernel structs are large; only this member's layout is needed), or its place in the struct's layout.</summary>
        private static int? DeclaredOffset(IFieldSymbol field)
        {
            foreach (var attribute in field.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == KnownTypes.FieldOffsetAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int at)
                    return at;
            }
            string declared = TypeLayout.MemberName(field);
            return (TypeLayout.TryGet(field.ContainingType, out _) as StructType)?.Members.FirstOrDefault(m => m.Name == declared)?.Offset;
        }

        /// <summary><c>Core.FieldExists(p-&gt;Member)</c>: 1 or 0 as the loader finds the member in the running kernel's BTF; the member is not read.</summary>
        private Operand FieldExists(IInvocationOperation invocation)
        {
            var argument = Unwrap(invocation.Arguments[0].Value);
            if (argument is not IFieldReferenceOperation field || KernelMemberOf(field) is not { } member)
            {
                Unsupported(invocation.Arguments[0].Value, "Core.FieldExists of something other than a member read through a pointer to a kernel type (p->Member)");
                return Operand.Const(0);
            }
            int exists = Function.NewReg();
            _b.Emit(new IrInstruction
            {
                Op = IrOp.CoreOffset, Dst = exists,
                Core = new CoreAccess(0, member.Steps, member.Size, member.IsPointer, field.Field.ContainingType.Name + "." + field.Field.Name) { Exists = true },
            });
            return Operand.InReg(exists);
        }

        private Operand CoreRead(IFieldReferenceOperation field, KernelMember member)
        {
            var type = field.Field.Type;
            if (!IsScalar(type) && type is not IPointerTypeSymbol || member.Size is not (1 or 2 or 4 or 8))
            {
                Unsupported(field, "Reading '" + field.Syntax + "', a " + member.Size + "-byte member of the kernel's " + member.Struct
                    + " that is not an integer, an enum or a pointer, in one read (read its members one at a time)");
                return Operand.Const(0);
            }
            int pointer = Materialize(Rvalue(member.Pointer));
            int offset = Function.NewReg();
            string declared = field.Field.ContainingType.Name + "." + field.Field.Name;
            _b.Emit(new IrInstruction
            {
                Op = IrOp.CoreOffset, Dst = offset,
                Core = new CoreAccess(0, member.Steps, member.Size, member.IsPointer, declared),
            });
            int address = _b.Alu(AluOp.Add, pointer, offset, false);
            var slot = NewSlot(IntType.Long, "kernel read of " + declared);
            _b.StoreImm(Address.OfSlot(slot.Id), 8, 0);
            CallHelper(HelperId.ProbeReadKernel, field, new List<int> { _b.FrameAddr(slot.Id), _b.Const(member.Size), address });
            if (type is IPointerTypeSymbol) return Operand.InReg(_b.Load(Address.OfSlot(slot.Id), 8));
            return LoadScalar(Address.OfSlot(slot.Id), type);
        }
    }
}
