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

        /// <summary>
        /// <paramref name="property"/> as a bitfield of a kernel struct read through a pointer (<c>task-&gt;InExecve</c>, a
        /// property with <c>[BtfName]</c> and <c>[BtfBitfield]</c>, or one of a struct held in it by value), with its bit
        /// offset and size as declared; or null.
        /// </summary>
        private (KernelMember Member, int BitOffset, int BitSize)? KernelBitfieldOf(IPropertyReferenceOperation property)
        {
            if (property.Property.IsStatic || property.Instance is not { } instance || BtfNameOf(property.Property) is not string name) return null;
            AttributeData? bitfield = property.Property.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypes.BtfBitfieldAttribute);
            if (bitfield is null || bitfield.ConstructorArguments.Length != 2 || bitfield.ConstructorArguments[0].Value is not int bitOffset
                || bitfield.ConstructorArguments[1].Value is not int bitSize || BtfNameOf(property.Property.ContainingType) is not string structName) return null;
            int size = TypeLayout.TryGet(property.Property.Type, out _)?.Size ?? 0;
            var last = new CoreStep(structName, name, bitOffset / 8);
            KernelMember? member;
            if (IsPointerAccess(instance)) member = new KernelMember(instance.ChildOperations.First(), new[] { last }.ToEquatableArray(), size, false);
            else if (Unwrap(instance) is IFieldReferenceOperation holder && KernelMemberOf(holder) is { } outer)
                member = outer with { Steps = outer.Steps.Append(last).ToEquatableArray(), Size = size, IsPointer = false };
            else return null;
            return (member, bitOffset, bitSize);
        }

        /// <summary>
        /// Reads a bitfield of a kernel struct as libbpf's <c>BPF_CORE_READ_BITFIELD_PROBED</c> does: the bytes holding it
        /// (offset and size relocated) into a zeroed 64-bit slot, shifted left then right (both shifts relocated), so the
        /// bits come out right on any kernel's layout; arithmetic right shift for a signed member.
        /// </summary>
        private Operand CoreBitfieldRead(IPropertyReferenceOperation property, (KernelMember Member, int BitOffset, int BitSize) bitfield)
        {
            var (member, bitOffset, bitSize) = bitfield;
            var type = property.Property.Type;
            if (!IsScalar(type) || member.Size is not (1 or 2 or 4 or 8) || bitSize <= 0 || bitSize > 64)
            {
                Unsupported(property, "Reading '" + property.Syntax + "', a bitfield of the kernel's " + member.Struct + " that is not an integer or an enum");
                return Operand.Const(0);
            }
            // The local answers, computed from the declaration as libbpf computes them from the local BTF.
            int bits = member.Steps.Take(member.Steps.Count - 1).Sum(st => st.Offset) * 8 + bitOffset;
            int byteSize = member.Size, byteOffset = bits / 8 / byteSize * byteSize;
            while (bits + bitSize - byteOffset * 8 > byteSize * 8)
            {
                if (byteSize >= 8)
                {
                    Unsupported(property, "Reading '" + property.Syntax + "', a bitfield that no 8-byte read holds");
                    return Operand.Const(0);
                }
                byteSize *= 2;
                byteOffset = bits / 8 / byteSize * byteSize;
            }
            string declared = property.Property.ContainingType.Name + "." + property.Property.Name;
            bool signed = IsSignedInteger(type);
            CoreAccess Query(CoreQuery kind, long local) => new CoreAccess(0, member.Steps, member.Size, false, declared)
            {
                Kind = kind, LocalValue = local, Signed = signed, BitOffset = bitOffset, BitSize = bitSize,
            };
            int offset = Materialize(CoreValue(Query(CoreQuery.FieldByteOffset, byteOffset)));
            int size = Materialize(CoreValue(Query(CoreQuery.FieldByteSize, byteSize)));
            int left = Materialize(CoreValue(Query(CoreQuery.FieldLShiftU64, 64 - (bits + bitSize - byteOffset * 8))));
            int right = Materialize(CoreValue(Query(CoreQuery.FieldRShiftU64, 64 - bitSize)));
            int pointer = Materialize(Rvalue(member.Pointer));
            int address = _b.Alu(AluOp.Add, pointer, offset, false);
            var slot = NewSlot(IntType.Long, "kernel read of " + declared);
            _b.StoreImm(Address.OfSlot(slot.Id), 8, 0);
            CallHelper(HelperId.ProbeReadKernel, property, new List<int> { _b.FrameAddr(slot.Id), size, address });
            int value = _b.Load(Address.OfSlot(slot.Id), 8);
            value = _b.Alu(AluOp.Lsh, value, left, false);
            value = _b.Alu(signed ? AluOp.Arsh : AluOp.Rsh, value, right, false);
            return Operand.InReg(value);
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

        /// <summary>
        /// <c>Core.FieldExists(p-&gt;Member)</c>, <c>Core.FieldSize(...)</c>, <c>Core.FieldSigned(...)</c>: what the loader finds
        /// of the member in the running kernel's BTF (1 or 0; its size; 1 where it is a signed integer), the member not read.
        /// </summary>
        private Operand FieldQuery(IInvocationOperation invocation, CoreQuery kind)
        {
            var argument = Unwrap(invocation.Arguments[0].Value);
            if (argument is not IFieldReferenceOperation field || KernelMemberOf(field) is not { } member)
            {
                Unsupported(invocation.Arguments[0].Value, "Core." + invocation.TargetMethod.Name + " of something other than a member read through a pointer to a kernel type (p->Member)");
                return Operand.Const(0);
            }
            long local = kind switch
            {
                CoreQuery.FieldByteSize => member.Size,
                CoreQuery.FieldSigned => IsSignedInteger(field.Field.Type) ? 1 : 0,
                _ => 1,
            };
            return CoreValue(new CoreAccess(0, member.Steps, member.Size, member.IsPointer, field.Field.ContainingType.Name + "." + field.Field.Name)
            {
                Kind = kind, LocalValue = local, Signed = IsSignedInteger(field.Field.Type),
            });
        }

        /// <summary>
        /// <c>Core.TypeExists&lt;T&gt;()</c>, <c>TypeSize</c>, <c>TypeMatches</c>, <c>TypeIdLocal</c>, <c>TypeIdTarget</c> of a
        /// kernel struct, union or enum (a type with <c>[BtfName]</c>): the loader's answer for the running kernel.
        /// </summary>
        private Operand TypeQuery(IInvocationOperation invocation, CoreQuery kind)
        {
            var method = invocation.TargetMethod;
            if (method.TypeArguments.Length != 1 || KernelTypeOf(method.TypeArguments[0], null) is not { } type)
            {
                Unsupported(invocation, "Core." + method.Name + " of a type that is not a kernel struct, union or enum declared with [BtfName] (KernelTypes.GenerateCSharp writes them)");
                return Operand.Const(0);
            }
            long local = kind switch
            {
                CoreQuery.TypeSize => type.Size,
                CoreQuery.TypeIdLocal or CoreQuery.TypeIdTarget => 0,
                _ => 1,
            };
            return CoreValue(new CoreAccess(0, EquatableArray<CoreStep>.Empty, type.Size, false, method.TypeArguments[0].Name) { Kind = kind, LocalValue = local, Type = type });
        }

        /// <summary><c>Core.EnumValueExists(E.Value)</c> and <c>Core.EnumValue(E.Value)</c> of a kernel enum's value: whether the running kernel's enum has it, and its value there.</summary>
        private Operand EnumQuery(IInvocationOperation invocation, CoreQuery kind)
        {
            var argument = Unwrap(invocation.Arguments[0].Value);
            while (argument is IConversionOperation conversion) argument = Unwrap(conversion.Operand);
            if (argument is not IFieldReferenceOperation { Field: { IsConst: true, ContainingType: { TypeKind: TypeKind.Enum } enumType } value }
                || KernelTypeOf(enumType, BtfNameOf(value) ?? value.Name) is not { } type)
            {
                Unsupported(invocation.Arguments[0].Value, "Core." + invocation.TargetMethod.Name + " of something other than a value of a kernel enum declared with [BtfName] (E.Value)");
                return Operand.Const(0);
            }
            long declared = type.Enumerators.First(e => e.Name == type.Enumerator).Value;
            if (kind == CoreQuery.EnumValue && (declared < int.MinValue || declared > int.MaxValue))
            {
                Unsupported(invocation.Arguments[0].Value, "Core.EnumValue of a value that does not fit in 32 bits");
                return Operand.Const(0);
            }
            return CoreValue(new CoreAccess(0, EquatableArray<CoreStep>.Empty, type.Size, false, enumType.Name + "." + value.Name)
            {
                Kind = kind, LocalValue = kind == CoreQuery.EnumValue ? declared : 1, Type = type,
            });
        }

        /// <summary>An instruction whose immediate the loader sets to the answer of <paramref name="access"/>.</summary>
        private Operand CoreValue(CoreAccess access)
        {
            int value = Function.NewReg();
            _b.Emit(new IrInstruction { Op = IrOp.CoreOffset, Dst = value, Core = access });
            return Operand.InReg(value);
        }

        private static bool IsSignedInteger(ITypeSymbol type) => (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } ? underlying : type).SpecialType
            is SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32 or SpecialType.System_Int64;

        /// <summary>
        /// The kernel type <paramref name="symbol"/> declares (a struct, union or enum with <c>[BtfName]</c>): its BTF name,
        /// kind, declared size, members and values; for an enum, <paramref name="enumerator"/> is the value asked about.
        /// </summary>
        private static CoreType? KernelTypeOf(ITypeSymbol symbol, string? enumerator)
        {
            if (BtfNameOf(symbol) is not string name) return null;
            if (symbol is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
            {
                var values = new List<CoreEnumerator>();
                foreach (var member in symbol.GetMembers().OfType<IFieldSymbol>())
                {
                    if (!member.IsConst || member.ConstantValue is null) continue;
                    long value = underlying.SpecialType is SpecialType.System_UInt64 ? unchecked((long)System.Convert.ToUInt64(member.ConstantValue, System.Globalization.CultureInfo.InvariantCulture))
                        : System.Convert.ToInt64(member.ConstantValue, System.Globalization.CultureInfo.InvariantCulture);
                    values.Add(new CoreEnumerator(BtfNameOf(member) ?? member.Name, value));
                }
                if (enumerator is not null && !values.Any(v => v.Name == enumerator)) return null;
                int enumSize = TypeLayout.TryGet(underlying, out _)?.Size ?? 4;
                return new CoreType(name, CoreTypeKind.Enum, enumSize, EquatableArray<CoreMember>.Empty, values.ToEquatableArray(), enumerator);
            }
            if (symbol.TypeKind != TypeKind.Struct || enumerator is not null) return null;
            var members = new List<CoreMember>();
            bool union = false;
            foreach (var field in symbol.GetMembers().OfType<IFieldSymbol>())
            {
                if (field.IsStatic || field.IsConst || DeclaredOffset(field) is not int offset) continue;
                union |= offset == 0 && members.Any(m => m.Offset == 0);
                int size = field.IsFixedSizeBuffer ? 0 : TypeLayout.TryGet(field.Type, out _)?.Size ?? 0;
                members.Add(new CoreMember(BtfNameOf(field) ?? field.Name, offset, size, field.Type is IPointerTypeSymbol, IsSignedInteger(field.Type),
                    field.Type is IPointerTypeSymbol { PointedAtType: var pointee } ? BtfNameOf(pointee) : null));
            }
            int structSize = TypeLayout.TryGet(symbol, out _)?.Size ?? 0;
            return new CoreType(name, union ? CoreTypeKind.Union : CoreTypeKind.Struct, structSize, members.ToEquatableArray(), EquatableArray<CoreEnumerator>.Empty, null);
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
            string declared = field.Field.ContainingType.Name + "." + field.Field.Name;
            int offset = Materialize(CoreValue(new CoreAccess(0, member.Steps, member.Size, member.IsPointer, declared) { LocalValue = member.Steps.Sum(st => st.Offset), Signed = IsSignedInteger(type) }));
            int address = _b.Alu(AluOp.Add, pointer, offset, false);
            var slot = NewSlot(IntType.Long, "kernel read of " + declared);
            _b.StoreImm(Address.OfSlot(slot.Id), 8, 0);
            CallHelper(HelperId.ProbeReadKernel, field, new List<int> { _b.FrameAddr(slot.Id), _b.Const(member.Size), address });
            if (type is IPointerTypeSymbol) return Operand.InReg(_b.Load(Address.OfSlot(slot.Id), 8));
            return LoadScalar(Address.OfSlot(slot.Id), type);
        }
    }
}
