using System;
using System.Linq;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    internal sealed partial class Lowering
    {
        // ---------------------------------------------------------------- addresses

        /// <summary>The memory an lvalue denotes. Reports a diagnostic (and returns a dummy) when it has none.</summary>
        private Address AddressOf(IOperation op)
        {
            op = Unwrap(op);
            switch (op)
            {
                case ILocalReferenceOperation localRef:
                    {
                        var storage = GetLocal(localRef.Local, op.Syntax);
                        switch (storage.Kind)
                        {
                            case StorageKind.Memory: return Address.OfSlot(storage.Slot);
                            case StorageKind.Reference: return storage.Fixed ?? Address.OfReg(storage.Reg);
                            default:
                                {
                                    // A scalar in a register: store its current value in the local's own stack copy.
                                    if (!_localCopies.TryGetValue(localRef.Local, out var copy))
                                    {
                                        copy = Address.OfSlot(NewSlot(new IntType("long", 8, true), localRef.Local.Name).Id);
                                        _localCopies[localRef.Local] = copy;
                                    }
                                    StoreOperand(copy, 8, Operand.InReg(storage.Reg));
                                    return copy;
                                    // (Computed values fill the whole slot: see SpillToTemporary.)
                                }
                        }
                    }
                case IParameterReferenceOperation bound when _parameters.TryGetValue(bound.Parameter, out var storage):
                    switch (storage.Kind)
                    {
                        case StorageKind.Memory: return Address.OfSlot(storage.Slot);
                        case StorageKind.Reference: return storage.Fixed ?? Address.OfReg(storage.Reg);
                        default: return SpillToTemporary(Operand.InReg(storage.Reg), bound.Type, bound.Parameter.Name);
                    }
                case IParameterReferenceOperation parameter when _contextParameter is not null && SymbolEqualityComparer.Default.Equals(parameter.Parameter, _contextParameter):
                    return Address.OfReg(Function.ContextRegister);
                case IFieldReferenceOperation staticField when staticField.Field.IsStatic && !IsMapField(staticField):
                    return GlobalAddress(staticField);
                case IFieldReferenceOperation fieldRef when !fieldRef.Field.IsStatic && fieldRef.Instance is not null:
                    {
                        var container = AddressOf(fieldRef.Instance);
                        int offset = FieldOffset(fieldRef.Field, op.Syntax);
                        if (fieldRef.Parent is not IFieldReferenceOperation && IsContextAccess(fieldRef) && ContextRoot(fieldRef)?.Type?.ToDisplayString() == KnownTypes.SockoptContext
                            && ContextOffset(fieldRef) is int sockoptAt && !KernelModel.ContextWrites.AllowsSockopt(Subprograms.AttachType, sockoptAt, 4, write: false))
                        {
                            Unsupported(fieldRef, "Reading '" + fieldRef.Syntax + "' in a " + Subprograms.AttachType + " program (only getsockopt programs have the return value)");
                        }
                        if (fieldRef.Parent is not IFieldReferenceOperation && IsContextAccess(fieldRef) && ContextRoot(fieldRef)?.Type?.ToDisplayString() == KnownTypes.SockAddrContext
                            && ContextOffset(fieldRef) is int sockAddrAt && fieldRef.Type is { } fieldType
                            && !KernelModel.ContextWrites.AllowsSockAddr(Subprograms.AttachType, sockAddrAt, TypeLayout.TryGet(fieldType, out _)?.Size ?? 4, write: false))
                        {
                            Unsupported(fieldRef, "Reading '" + fieldRef.Syntax + "' in a " + Subprograms.AttachType
                                + " program (the kernel lets an IPv4 hook read only the IPv4 address, an IPv6 hook only the IPv6 one, and the message source only sendmsg hooks)");
                        }
                        if (FirstReadableContextOffset > 0 && fieldRef.Parent is not IFieldReferenceOperation && IsContextAccess(fieldRef)
                            && ContextOffset(fieldRef) is int at && at < FirstReadableContextOffset)
                        {
                            Unsupported(fieldRef, "Reading '" + fieldRef.Syntax + "' (context offset " + at + "): a tracepoint program may read its context only from offset "
                                + FirstReadableContextOffset + " on, after the common fields (for the process id, use 'Bpf.GetCurrentPidTgid() >> 32')");
                        }
                        return container.Plus(offset);
                    }
                case IInlineArrayAccessOperation element when element.Instance is not null:
                    {
                        var index = element.Argument;
                        int length = TypeLayout.InlineArrayLength(element.Instance.Type!);
                        var elementLayout = Layout(element.Type, element.Syntax);
                        if (elementLayout is not null && index.ConstantValue.HasValue && ConstantToLong(index.ConstantValue.Value) is long constant && constant >= 0 && constant < length)
                        {
                            return AddressOf(element.Instance).Plus((int)constant * elementLayout.Size);
                        }
                        string notProven = "An inline array index not proven within 0.." + (length - 1)
                            + " (C# would throw IndexOutOfRangeException; use a constant, a loop counter, or test it first: 'if ((uint)i < " + length + ")')";
                        if (elementLayout is not null && !index.ConstantValue.HasValue && !IsContextAccess(element.Instance))
                        {
                            var array = AddressOf(element.Instance);
                            var proven = IndexWithin(Rvalue(index), 0, length - 1, index, notProven);
                            return Address.OfReg(_b.Alu(AluOp.Add, PointerOf(array), Scaled(proven, elementLayout.Size), false));
                        }
                        Unsupported(index, !index.ConstantValue.HasValue && IsContextAccess(element.Instance)
                            ? "Writing to, or referring to, an element of the program's context at a variable index (the verifier allows constant offsets only; read it, or copy the array into a local)"
                            : notProven);
                        return AddressOf(element.Instance);
                    }
                case IInstanceReferenceOperation when _thisAddress is Address self:
                    return self;
                case IPropertyReferenceOperation { Instance: { } flowContext } flowKeys when flowKeys.Property.Name == "FlowKeys" && flowKeys.Property.ContainingType?.ToDisplayString() == KnownTypes.FlowDissectorContext:
                    return FlowKeysAddress(flowContext, flowKeys);
                case IPropertyReferenceOperation { Instance: { } owner } auto when TypeLayout.BackingField(auto.Property) is { } backing:
                    // An auto-property of a struct is its hidden field.
                    return AddressOf(owner).Plus(FieldOffset(backing, auto.Syntax));
                case IImplicitIndexerReferenceOperation fromEnd when IndexFromEndAddress(fromEnd) is Address element:
                    return element;
                case IInvocationOperation or IImplicitIndexerReferenceOperation when SliceView(op) is { } slice:
                    // A span local declared as a slice points at the slice's first element.
                    return Address.OfReg(slice.Reg);
                case IPropertyReferenceOperation spanIndexer when IsSpanMember(spanIndexer, "this[]"):
                    return SpanElementAddress(spanIndexer);
                case IPropertyReferenceOperation current when SpanEnumeratorOf(current) is { } enumerator:
                    return CurrentElementAddress(enumerator);
                case IPropertyReferenceOperation indexer when IsCommIndexer(indexer):
                    {
                        var index = indexer.Arguments[0].Value;
                        if (!index.ConstantValue.HasValue || ConstantToLong(index.ConstantValue.Value) is < 0 or >= 16)
                        {
                            Unsupported(index, "A TaskComm index that is not a constant from 0 to 15");
                            return AddressOf(indexer.Instance!);
                        }
                        return AddressOf(indexer.Instance!).Plus((int)ConstantToLong(index.ConstantValue.Value));
                    }
                case IFlowCaptureReferenceOperation captureRef when _captures.TryGetValue(captureRef.Id, out var captured):
                    if (captured.Pointer >= 0) return Address.OfReg(captured.Pointer);
                    if (captured.Memory is Address memory) return memory;
                    if (captured.Target is Address target) return target;
                    if (captured.Reg >= 0) return SpillToTemporary(Operand.InReg(captured.Reg), op.Type, "temporary");
                    break;
                case var pointerAccess when IsPointerAccess(pointerAccess):
                    return PointerAccessAddress(pointerAccess);
                case IInvocationOperation structCall when ReturnsStruct(structCall.TargetMethod) && structCall.TargetMethod.DeclaringSyntaxReferences.Length > 0
                    && (IsUserMethod(structCall.TargetMethod) || (!structCall.TargetMethod.IsStatic && structCall.TargetMethod.ContainingType.TypeKind == TypeKind.Struct)):
                    return InlineReturningStruct(structCall);
                case IInvocationOperation invocation when (invocation.TargetMethod.ReturnsByRef || invocation.TargetMethod.ReturnsByRefReadonly):
                    {
                        var pointer = Invoke(invocation, needValue: true);
                        return Address.OfReg(Materialize(pointer));
                    }
            }
            if (IsScalar(op.Type))
            {
                return SpillToTemporary(Rvalue(op), op.Type, "temporary");
            }
            if (IsStructValueCreation(op) && op.Type is { TypeKind: TypeKind.Struct } && Layout(op.Type, op.Syntax) is { } layout)
            {
                // A struct built in place as an argument (a map value, say): a temporary on the stack.
                var slot = NewSlot(layout, "temporary " + op.Type.Name);
                var address = Address.OfSlot(slot.Id);
                InitializeStruct(address, layout, op);
                return address;
            }
            Unsupported(op, op.Type is INamedTypeSymbol { IsTupleType: true }
                ? "A tuple held as a value ('" + op.Syntax + "'; use a local per element, or deconstruct it where it is made: var (a, b) = (x, y))"
                : "Taking the address of this expression");
            return Address.OfSlot(NewSlot(IntType.Long, "temporary").Id);
        }

        /// <summary>
        /// Stores a scalar into a fresh stack slot (for <c>in</c> arguments such as map keys). A constant is stored at
        /// its own size: the verifier then knows a map key exactly, proves an array lookup in bounds and drops the miss
        /// path. A computed value fills the whole 8-byte slot (its canonical 64-bit form; the low bytes are the value):
        /// the verifier then sees the key as data rather than as a constant it must keep apart on every path, so the
        /// paths through the code that computed it (a log2 if-chain, say) merge instead of multiplying.
        /// </summary>
        private Address SpillToTemporary(Operand value, ITypeSymbol? type, string owner)
        {
            var slot = NewSlot(new IntType("long", 8, true), owner);
            var address = Address.OfSlot(slot.Id);
            StoreOperand(address, value.IsConst ? ScalarInfo(type).Size : 8, value);
            return address;
        }

        private void StoreOperand(Address address, int size, Operand value)
        {
            if (value.IsConst && FitsImm(value.Value)) _b.StoreImm(address, size, value.Value);
            else _b.Store(address, size, Materialize(value));
        }

        /// <summary>A store into the context: from a register, as the verifier requires there.</summary>
        private void StoreIntoContext(Address address, int size, Operand value)
            => _b.Emit(new IrInstruction { Op = IrOp.Store, Addr = address, Size = size, A = Materialize(value), IntoContext = true });

        /// <summary>
        /// True when the program's kind may write the context field <paramref name="target"/> (the context-writes table);
        /// otherwise reports which fields it may write.
        /// </summary>
        private bool ContextWritable(IOperation target, IOperation at)
        {
            var root = Unwrap(target);
            while (root is IFieldReferenceOperation { Instance: not null } or IInlineArrayAccessOperation { Instance: not null })
            {
                root = Unwrap(root is IFieldReferenceOperation f ? f.Instance! : ((IInlineArrayAccessOperation)root).Instance!);
            }
            var address = AddressOf(target);
            int size = ScalarInfo(target.Type).Size;
            if (root.Type?.ToDisplayString() == KnownTypes.SockAddrContext)
            {
                if (IsScalar(target.Type) && !address.IsSlot && address.BaseReg == Function.ContextRegister
                    && KernelModel.ContextWrites.AllowsSockAddr(Subprograms.AttachType, address.Offset, size, write: true)) return true;
                Unsupported(at, "Writing '" + target.Syntax + "' of the program's context (a " + Subprograms.AttachType
                    + " program may write the port, its own family's address" + (Subprograms.AttachType is KernelModel.AttachType.CgroupUdp4Sendmsg or KernelModel.AttachType.CgroupUdp6Sendmsg ? " and the message's source" : "") + ")");
                return false;
            }
            // A syscall program's context is a buffer of the caller's: the kernel lets it read and write every byte.
            if (Subprograms.ProgramType == KernelModel.ProgramType.Syscall && IsScalar(target.Type) && !address.IsSlot && address.BaseReg == Function.ContextRegister) return true;
            if (root.Type?.ToDisplayString() == KnownTypes.SockoptContext)
            {
                if (IsScalar(target.Type) && !address.IsSlot && address.BaseReg == Function.ContextRegister
                    && KernelModel.ContextWrites.AllowsSockopt(Subprograms.AttachType, address.Offset, size, write: true)) return true;
                Unsupported(at, "Writing '" + target.Syntax + "' of the program's context (a " + Subprograms.AttachType + " program may write "
                    + (Subprograms.AttachType == KernelModel.AttachType.CgroupSetsockopt ? "Level, OptionName and OptionLength" : "OptionLength and ReturnValue") + ")");
                return false;
            }
            if (root.Type?.ToDisplayString() == KnownTypes.SysctlContext)
            {
                if (IsScalar(target.Type) && !address.IsSlot && address.BaseReg == Function.ContextRegister && KernelModel.ContextWrites.AllowsSysctl(address.Offset, size)) return true;
                Unsupported(at, "Writing '" + target.Syntax + "' of the program's context (a sysctl program may write only FilePosition)");
                return false;
            }
            bool skBuff = root.Type?.ToDisplayString() == KnownTypes.SkBuff;
            if (skBuff && IsScalar(target.Type) && !address.IsSlot && address.BaseReg == Function.ContextRegister
                && KernelModel.ContextWrites.AllowsSkBuff(Subprograms.ProgramType, address.Offset, size)) return true;
            var fields = skBuff ? KernelModel.ContextWrites.SkBuffFields(Subprograms.ProgramType) : System.Array.Empty<KernelModel.ContextWrites.Field>();
            Unsupported(at, "Writing '" + target.Syntax + "' of the program's context (a " + Subprograms.ProgramType + " program may write "
                + (fields.Length == 0 ? "none of its context's fields" : "only " + string.Join(", ", fields.Select(f => f.Name)) + ", 32 bits at a time") + ")");
            return false;
        }

        private int FieldOffset(IFieldSymbol field, SyntaxNode syntax)
        {
            if (TypeLayout.TryGet(field.ContainingType, out _) is StructType layout)
            {
                foreach (var member in layout.Members)
                {
                    if (member.Name == TypeLayout.MemberName(field)) return member.Offset;
                }
            }
            Report(DiagnosticDescriptors.UnsupportedType, syntax, field.ContainingType.ToDisplayString());
            return 0;
        }

        /// <summary>The address of a static field of the probe class, which lives in a global-data section.</summary>
        private Address GlobalAddress(IFieldReferenceOperation reference)
        {
            var field = reference.Field;
            if (!SymbolEqualityComparer.Default.Equals(field.ContainingType, _probeClass) || !_globals.TryGetValue(field.Name, out var global))
            {
                Unsupported(reference, "Using static field '" + field.Name + "' (only static fields of integer, enum or struct type declared in the probe class itself are global variables)");
                return Address.OfSlot(NewSlot(Model.IntType.Long, "temporary").Id);
            }
            if (!global.ConstantInitializer)
            {
                Unsupported(reference, "Using static field '" + field.Name + "', whose initializer is not a constant and runs only in .NET,");
            }
            return Address.OfReg(_b.GlobalAddress(global.Name));
        }

        private static bool IsCommIndexer(IPropertyReferenceOperation property)
            => property.Property.IsIndexer && property.Instance is not null && property.Arguments.Length == 1
               && property.Property.ContainingType?.ToDisplayString() == KnownTypes.TaskComm;

        private int FirstReadableContextOffset => Subprograms.FirstReadableContextOffset;

        /// <summary>The offset of a field chain from the start of the context it reads.</summary>
        private int? ContextOffset(IOperation op)
        {
            int offset = 0;
            op = Unwrap(op);
            while (op is IFieldReferenceOperation { Instance: { } instance } field)
            {
                offset += FieldOffset(field.Field, field.Syntax);
                op = Unwrap(instance);
            }
            return op is IParameterReferenceOperation ? offset : null;
        }

        /// <summary>The context parameter a field chain starts from, or null.</summary>
        private static IOperation? ContextRoot(IOperation op)
        {
            op = Unwrap(op);
            while (op is IFieldReferenceOperation { Instance: not null } or IInlineArrayAccessOperation { Instance: not null })
            {
                op = Unwrap(op is IFieldReferenceOperation f ? f.Instance! : ((IInlineArrayAccessOperation)op).Instance!);
            }
            return op as IParameterReferenceOperation;
        }

        private bool IsContextAccess(IOperation op)
        {
            op = Unwrap(op);
            while (op is IFieldReferenceOperation { Instance: not null } or IInlineArrayAccessOperation { Instance: not null })
            {
                op = Unwrap(op is IFieldReferenceOperation f ? f.Instance! : ((IInlineArrayAccessOperation)op).Instance!);
            }
            if (op is not IParameterReferenceOperation p) return false;
            if (_parameters.TryGetValue(p.Parameter, out var bound)) return bound.AliasesContext;
            return _contextParameter is not null && SymbolEqualityComparer.Default.Equals(p.Parameter, _contextParameter);
        }

        // ---------------------------------------------------------------- assignments

        private Operand Assign(ISimpleAssignmentOperation assignment, bool needValue)
        {
            var target = Unwrap(assignment.Target);
            if (assignment.IsRef)
            {
                var storage = target switch
                {
                    ILocalReferenceOperation refLocal => GetLocal(refLocal.Local, target.Syntax),
                    IFlowCaptureReferenceOperation captureRef when _captures.TryGetValue(captureRef.Id, out var captured) => captured.RefLocal,
                    _ => null,
                };
                if (storage is { Kind: StorageKind.Reference } && target is ILocalReferenceOperation fixedLocal && !needValue
                    && IsContextAccess(assignment.Value) && AddressOf(assignment.Value) is { IsSlot: false, BaseReg: >= 0 } inContext && FixedInContext(fixedLocal.Local))
                {
                    // A ref local set once to a field of the context (and only read, but in a syscall program): it is that field, in place.
                    storage.Fixed = inContext;
                    return Operand.Const(0);
                }
                if (storage is { Kind: StorageKind.Reference })
                {
                    int pointer = PointerOf(AddressOf(assignment.Value));
                    _b.Mov(storage.Reg, pointer);
                    return Operand.InReg(storage.Reg);
                }
                Unsupported(assignment, "This ref assignment");
                return Operand.Const(0);
            }
            if (target is ILocalReferenceOperation spanLocal && IsSpan(spanLocal.Local.Type))
            {
                InitializeSpan(spanLocal, assignment.Value);
                return Operand.Const(0);
            }
            // A syscall program's context is a buffer of the caller's, written at will: a struct field is stored as any struct.
            bool wholeStructOfSyscallContext = Subprograms.ProgramType == KernelModel.ProgramType.Syscall && target.Type?.TypeKind == TypeKind.Struct && !IsScalar(target.Type);
            if (IsContextAccess(target) && !wholeStructOfSyscallContext)
            {
                if (!ContextWritable(target, assignment)) return Operand.Const(0);
                var written = Rvalue(assignment.Value);
                StoreIntoContext(AddressOf(target), ScalarInfo(target.Type).Size, written);
                return written;
            }
            if (IsScalar(target.Type))
            {
                var location = LocationOf(target);
                var value = Rvalue(assignment.Value);
                Store(location, value);
                // A local assigned in one place only holds values of that one expression: it keeps their range
                // ('int i = x & 7; s[i]' is as proven as 's[x & 7]').
                if (location.Reg >= 0 && target is ILocalReferenceOperation { Local: var local } && _singleAssigned.Contains(local))
                {
                    if (RangeOf(value, assignment.Syntax) is { } range) _ranges[location.Reg] = range;
                }
                return value;
            }
            if (target.Type?.TypeKind == TypeKind.Struct)
            {
                var layout = Layout(target.Type, target.Syntax);
                if (layout is null) return Operand.Const(0);
                InitializeStruct(AddressOf(target), layout, assignment.Value);
                if (needValue) Unsupported(assignment, "Using a struct assignment as a value");
                return Operand.Const(0);
            }
            Report(DiagnosticDescriptors.UnsupportedType, target.Syntax, target.Type?.ToDisplayString() ?? "?");
            return Operand.Const(0);
        }

        /// <summary>
        /// Where an assignment writes: a variable's register, memory, or a property's setter. C# evaluates the location
        /// (receiver, index, pointer, ref-returning call) before the value it stores, so the location is computed once,
        /// first, and a compound assignment reads and writes the same one.
        /// </summary>
        private readonly struct Location
        {
            public Location(int reg, Address? memory, IPropertyReferenceOperation? setter, ITypeSymbol? type, int captured = -1)
            {
                Reg = reg;
                Memory = memory;
                Setter = setter;
                Type = type;
                Captured = captured;
            }

            /// <summary>For a location Roslyn captured: the register holding its value when it was captured (where C# reads it).</summary>
            public int Captured { get; }

            /// <summary>The register of a variable that lives in one; -1 otherwise.</summary>
            public int Reg { get; }

            public Address? Memory { get; }

            /// <summary>A property whose accessors are inlined.</summary>
            public IPropertyReferenceOperation? Setter { get; }

            public ITypeSymbol? Type { get; }
        }

        private Location LocationOf(IOperation target)
        {
            target = Unwrap(target);
            switch (target)
            {
                case ILocalReferenceOperation localRef when GetLocal(localRef.Local, target.Syntax) is { Kind: StorageKind.Register } local:
                    return new Location(local.Reg, null, null, target.Type);
                case IParameterReferenceOperation parameterRef when _parameters.TryGetValue(parameterRef.Parameter, out var bound) && bound.Kind == StorageKind.Register:
                    return new Location(bound.Reg, null, null, target.Type);
                case IFlowCaptureReferenceOperation pointerRef when _captures.TryGetValue(pointerRef.Id, out var arms) && arms.Pointer >= 0:
                    // A conditional ref: stores go through the address the taken arm chose; its value was read there.
                    return new Location(-1, Address.OfReg(arms.Pointer), null, target.Type, arms.Reg);
                case IFlowCaptureReferenceOperation captureRef when _captures.TryGetValue(captureRef.Id, out var captured) && captured.Pointer < 0:
                    if (captured.Variable is { } variable) return new Location(variable.Reg, null, null, target.Type, captured.Reg);
                    if (captured.Target is Address address) return new Location(-1, address, null, target.Type, captured.Reg);
                    if (captured.Reg >= 0) return new Location(captured.Reg, null, null, target.Type);
                    break;
                case IPropertyReferenceOperation setter when TypeLayout.BackingField(setter.Property) is null && IsUserAccessor(setter.Property.SetMethod):
                    return new Location(-1, null, setter, target.Type);
                case IPropertyReferenceOperation { Instance: not null } viewed when !IsUserAccessor(viewed.Property.SetMethod) && FieldViewOf(viewed.Property) is not null:
                    return new Location(-1, null, viewed, target.Type);
            }
            return new Location(-1, AddressOf(target), null, target.Type);
        }

        /// <summary>The value at <paramref name="location"/> now.</summary>
        private Operand Load(Location location)
        {
            if (location.Captured >= 0) return Operand.InReg(location.Captured);
            if (location.Reg >= 0) return Operand.InReg(location.Reg);
            if (location.Memory is Address memory) return LoadScalar(memory, location.Type);
            return Rvalue(location.Setter!);
        }

        private void Store(Location location, Operand value)
        {
            if (location.Reg >= 0) MoveTo(location.Reg, value);
            else if (location.Memory is Address { IsSlot: false } context && context.BaseReg == Function.ContextRegister && context.BaseReg >= 0) StoreIntoContext(context, ScalarInfo(location.Type).Size, value);
            else if (location.Memory is Address memory) StoreOperand(memory, ScalarInfo(location.Type).Size, value);
            else if (!IsUserAccessor(location.Setter!.Property.SetMethod) && FieldViewOf(location.Setter.Property) is { } view) StoreFieldView(location.Setter, view, value);
            else InlineAccessor(location.Setter!, location.Setter!.Property.SetMethod!, value);
        }

        private void StoreTo(IOperation target, Operand value) => Store(LocationOf(target), value);

        private void InitializeStruct(Address destination, BpfType layout, IOperation value)
        {
            value = Unwrap(value);
            if (value is IObjectCreationOperation creation)
            {
                if (creation.Arguments.Length > 0 || (creation.Constructor is { IsImplicitlyDeclared: false }))
                {
                    if (creation.Constructor is null) Report(DiagnosticDescriptors.UnsupportedCall, creation.Syntax, "constructor");
                    else InlineConstructor(creation, destination, layout.Size);
                    return;
                }
                Zero(destination, layout.Size);
                if (creation.Initializer is not null)
                {
                    foreach (var init in creation.Initializer.Initializers)
                    {
                        Unsupported(init, "This initializer");
                    }
                }
                return;
            }
            if (value is IDefaultValueOperation || (value.ConstantValue.HasValue && value.ConstantValue.Value is null))
            {
                Zero(destination, layout.Size);
                return;
            }
            var source = AddressOf(value);
            Copy(destination, source, layout.Size);
        }

        private static int Chunk(int remaining, int offsetA, int offsetB)
        {
            foreach (int size in new[] { 8, 4, 2, 1 })
            {
                if (size <= remaining && offsetA % size == 0 && offsetB % size == 0) return size;
            }
            return 1;
        }

        private void Zero(Address destination, int size)
        {
            for (int done = 0; done < size;)
            {
                int chunk = Chunk(size - done, destination.Offset + done, 0);
                _b.StoreImm(destination.Plus(done), chunk, 0);
                done += chunk;
            }
        }

        private void Copy(Address destination, Address source, int size)
        {
            for (int done = 0; done < size;)
            {
                int chunk = Chunk(size - done, destination.Offset + done, source.Offset + done);
                int r = _b.Load(source.Plus(done), chunk);
                _b.Store(destination.Plus(done), chunk, r);
                done += chunk;
            }
        }

        private Operand CompoundAssign(ICompoundAssignmentOperation compound, bool needValue)
        {
            if (compound.OperatorMethod is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedCall, compound.Syntax, compound.OperatorMethod.ToDisplayString());
                return Operand.Const(0);
            }
            if (compound.IsChecked) Unsupported(compound, "Checked arithmetic");
            var target = Unwrap(compound.Target);
            if (!IsScalar(target.Type))
            {
                Unsupported(compound, "Compound assignment to this target");
                return Operand.Const(0);
            }
            if (IsContextAccess(target) && !ContextWritable(target, compound)) return Operand.Const(0);
            // C# reads the target (its location computed once) before the right side runs, which may change it.
            var location = LocationOf(target);
            var current = Load(location);
            if (location.Reg >= 0 && location.Captured < 0 && Writes(compound.Value)) current = Operand.InReg(CopyOf(location.Reg));
            var operand = Rvalue(compound.Value);
            var result = Arithmetic(compound.OperatorKind, current, operand, ArithmeticType(target.Type!, compound.Value.Type, compound.OperatorKind), compound);
            var (size, signed) = ScalarInfo(target.Type);
            result = NormalizeOperand(result, size, signed);
            Store(location, result);
            return result;
        }

        /// <summary>The type C# performs a compound operation in (operands promoted to at least int).</summary>
        private ITypeSymbol ArithmeticType(ITypeSymbol target, ITypeSymbol? value, BinaryOperatorKind kind)
        {
            var (size, signed) = ScalarInfo(target);
            if (target.SpecialType == SpecialType.System_Boolean) return target;
            bool isShift = kind == BinaryOperatorKind.LeftShift || kind == BinaryOperatorKind.RightShift || kind == BinaryOperatorKind.UnsignedRightShift;
            if (!isShift && value is not null && IsScalar(value))
            {
                var (vSize, vSigned) = ScalarInfo(value);
                if (vSize > size || (vSize == size && !vSigned)) { size = vSize; signed = vSigned && signed; }
            }
            var compilation = _model.Compilation;
            if (size < 4) return compilation.GetSpecialType(SpecialType.System_Int32);
            if (size == 4) return compilation.GetSpecialType(signed ? SpecialType.System_Int32 : SpecialType.System_UInt32);
            return compilation.GetSpecialType(signed ? SpecialType.System_Int64 : SpecialType.System_UInt64);
        }

        private Operand IncrementOrDecrement(IIncrementOrDecrementOperation op, bool needValue)
        {
            if (op.OperatorMethod is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedCall, op.Syntax, op.OperatorMethod.ToDisplayString());
                return Operand.Const(0);
            }
            if (op.IsChecked) Unsupported(op, "Checked arithmetic");
            var target = Unwrap(op.Target);
            if (!IsScalar(target.Type))
            {
                Unsupported(op, "Incrementing this target");
                return Operand.Const(0);
            }
            if (IsContextAccess(target) && !ContextWritable(target, op)) return Operand.Const(0);
            var location = LocationOf(target);
            var current = Load(location);
            if (needValue && op.IsPostfix && !current.IsConst)
            {
                // Keep the old value alive in its own register: the target register is about to change.
                current = Operand.InReg(CopyOf(current.Reg));
            }
            var kind = op.Kind == OperationKind.Increment ? BinaryOperatorKind.Add : BinaryOperatorKind.Subtract;
            var result = Arithmetic(kind, current, Operand.Const(1), ArithmeticType(target.Type!, null, kind), op);
            var (size, signed) = ScalarInfo(target.Type);
            result = NormalizeOperand(result, size, signed);
            Store(location, result);
            return op.IsPostfix ? current : result;
        }
    }
}
