using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using BpfDotnet.KernelModel;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

using IrBlock = BpfDotnet.Compiler.Ir.BasicBlock;

namespace BpfDotnet.Compiler.Frontend
{
    internal sealed partial class Lowering
    {
        private static string? ContainingTypeName(IMethodSymbol method)
        {
            var type = method.ContainingType?.OriginalDefinition;
            if (type is null) return null;
            return type.ContainingNamespace?.ToDisplayString() + "." + type.MetadataName;
        }

        private static bool IsMapMethod(IInvocationOperation invocation, string name)
            => invocation.TargetMethod.Name == name && ContainingTypeName(invocation.TargetMethod) is KnownTypes.BpfKeyedMap or KnownTypes.BpfIndexedMap or KnownTypes.BpfRingBuffer;

        private static bool IsUnsafeIsNullRef(IInvocationOperation invocation)
            => invocation.TargetMethod.Name == "IsNullRef" && ContainingTypeName(invocation.TargetMethod) == KnownTypes.Unsafe && invocation.Arguments.Length == 1;

        private static bool IsMapField(IOperation op)
            => Unwrap(op) is IFieldReferenceOperation { Field.IsStatic: true } f && HasMapAttribute(f.Field);

        private IFieldSymbol? MapFieldOf(IOperation? receiver)
        {
            if (receiver is null) return null;
            receiver = Unwrap(receiver);
            if (receiver is IFlowCaptureReferenceOperation captureRef && _captures.TryGetValue(captureRef.Id, out var captured)) return captured.MapField;
            if (receiver is IParameterReferenceOperation parameter && _parameters.TryGetValue(parameter.Parameter, out var bound)) return bound.MapField;
            return IsMapField(receiver) ? ((IFieldReferenceOperation)receiver).Field : null;
        }

        private static bool HasMapAttribute(IFieldSymbol field)
        {
            foreach (var attribute in field.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == KnownTypes.BpfMapAttribute) return true;
            }
            return false;
        }

        private Operand Invoke(IInvocationOperation invocation, bool needValue)
        {
            var method = invocation.TargetMethod;
            string? owner = ContainingTypeName(method);
            switch (owner)
            {
                case KnownTypes.Bpf:
                    return InvokeHelper(invocation);
                case KnownTypes.Core when method.Name == "FieldExists":
                    return FieldQuery(invocation, CoreQuery.FieldExists);
                case KnownTypes.Core when method.Name == "FieldSize":
                    return FieldQuery(invocation, CoreQuery.FieldByteSize);
                case KnownTypes.Core when method.Name == "FieldSigned":
                    return FieldQuery(invocation, CoreQuery.FieldSigned);
                case KnownTypes.Core when method.Name is "TypeExists" or "TypeSize" or "TypeMatches" or "TypeIdLocal" or "TypeIdTarget":
                    return TypeQuery(invocation, method.Name switch
                    {
                        "TypeExists" => CoreQuery.TypeExists,
                        "TypeSize" => CoreQuery.TypeSize,
                        "TypeMatches" => CoreQuery.TypeMatches,
                        "TypeIdLocal" => CoreQuery.TypeIdLocal,
                        _ => CoreQuery.TypeIdTarget,
                    });
                case KnownTypes.Core when method.Name == "EnumValueExists":
                    return EnumQuery(invocation, CoreQuery.EnumValueExists);
                case KnownTypes.Core when method.Name == "EnumValue":
                    return EnumQuery(invocation, CoreQuery.EnumValue);
                case KnownTypes.Usdt:
                    return InvokeUsdt(invocation);
                case KnownTypes.BpfKeyedMap:
                case KnownTypes.BpfIndexedMap:
                    return InvokeMap(invocation);
                case KnownTypes.BpfArrayOfMaps:
                case KnownTypes.BpfHashOfMaps:
                    return InvokeMapOfMaps(invocation);
                case KnownTypes.PtRegs when method.Name == "Arg" && invocation.Instance is { } registers:
                    {
                        var index = invocation.Arguments[0].Value;
                        var arguments = PtRegsLayoutOf(invocation.Syntax).Arguments;
                        if (!index.ConstantValue.HasValue || index.ConstantValue.Value is not int n || (uint)n >= (uint)arguments.Length)
                        {
                            Unsupported(index, "An argument index other than a constant from 0 to " + (arguments.Length - 1));
                            return Operand.Const(0);
                        }
                        return LoadScalar(AddressOf(registers).Plus(arguments[n]), method.ReturnType);
                    }
                case KnownTypes.XdpContext or KnownTypes.SkBuff or KnownTypes.FlowDissectorContext or KnownTypes.SkMsgContext when method.Name is "GetPacketRefOrNullRef" or "TryReadPacket" or "TryWritePacket":
                case KnownTypes.SockoptContext when method.Name is "GetValueRefOrNullRef" or "TryReadValue" or "TryWriteValue":
                    return InvokePacket(invocation);
                case KnownTypes.MapElementIterator when method.Name is "GetKeyRefOrNullRef" or "GetValueRefOrNullRef" && invocation.Instance is { } iterator:
                    return MapElement(iterator, method.Name == "GetKeyRefOrNullRef", invocation);
                case KnownTypes.BpfRedirectMap when method.Name == "Redirect" && MapTargetOf(invocation.Instance, invocation) is MapTarget redirectMap:
                    {
                        // bpf_redirect_map(map, key, flags): the key by value.
                        int key = Materialize(Rvalue(invocation.Arguments[0].Value));
                        int redirectFlags = Materialize(invocation.Arguments.Length > 1 ? Rvalue(invocation.Arguments[1].Value) : Operand.Const(0));
                        return Operand.InReg(CallHelper(HelperId.RedirectMap, invocation, new List<int> { LoadMap(redirectMap), key, redirectFlags }));
                    }
                case KnownTypes.BpfSockMap when method.Name == "Assign" && MapTargetOf(invocation.Instance, invocation) is MapTarget sockets:
                    return AssignSocket(invocation, sockets);
                case KnownTypes.BpfSockMap when method.Name == "RedirectMessage" && MapTargetOf(invocation.Instance, invocation) is MapTarget messageSockets:
                    return RedirectToSocket(invocation, messageSockets, ProgramType.SkMsg, HelperId.MsgRedirectMap, "a message");
                case KnownTypes.BpfSockMap when method.Name == "RedirectPacket" && MapTargetOf(invocation.Instance, invocation) is MapTarget packetSockets:
                    return RedirectToSocket(invocation, packetSockets, ProgramType.SkSkb, HelperId.SkRedirectMap, "a packet");
                case KnownTypes.BpfSockHash when method.Name == "Assign" && MapTargetOf(invocation.Instance, invocation) is MapTarget hashedSockets:
                    return AssignSocket(invocation, hashedSockets);
                case KnownTypes.BpfSockHash when method.Name == "RedirectMessage" && MapTargetOf(invocation.Instance, invocation) is MapTarget hashedMessageSockets:
                    return RedirectToSocket(invocation, hashedMessageSockets, ProgramType.SkMsg, HelperId.MsgRedirectHash, "a message", keyByAddress: true);
                case KnownTypes.BpfSockHash when method.Name == "RedirectPacket" && MapTargetOf(invocation.Instance, invocation) is MapTarget hashedPacketSockets:
                    return RedirectToSocket(invocation, hashedPacketSockets, ProgramType.SkSkb, HelperId.SkRedirectHash, "a packet", keyByAddress: true);
                case KnownTypes.BpfRingBuffer:
                    return InvokeRingBuffer(invocation);
                case KnownTypes.BpfPerfEventArray:
                    return InvokePerfEventArray(invocation);
                case KnownTypes.BpfStackTraceMap:
                    return InvokeStackTraceMap(invocation);
                case KnownTypes.BpfValueList:
                case KnownTypes.BpfBloomFilter:
                    return InvokeValueMap(invocation);
                case KnownTypes.Interlocked:
                    return InvokeInterlocked(invocation, needValue);
                case KnownTypes.TaskComm when IsNameCompare(invocation):
                    return ConditionValue(invocation);
                case "System.MemoryExtensions" when IsSpanCompare(invocation):
                    return ConditionValue(invocation);
                case KnownTypes.BinaryPrimitives when method.Name == "ReverseEndianness" && invocation.Arguments.Length == 1:
                    {
                        var (size, signed) = ScalarInfo(method.ReturnType);
                        var value = Rvalue(invocation.Arguments[0].Value);
                        if (size == 1) return value;
                        int swapped = Function.NewReg();
                        _b.Emit(new IrInstruction { Op = IrOp.ByteSwap, Dst = swapped, A = Materialize(value), Size = size });
                        return Operand.InReg(signed ? Normalize(swapped, size, true) : swapped);
                    }
                case KnownTypes.Unsafe when IsUnsafeIsNullRef(invocation):
                    {
                        int pointer = PointerOf(AddressOf(invocation.Arguments[0].Value));
                        return Operand.InReg(_b.SetCond(Cond.Eq, pointer, -1, 0));
                    }
            }
            if (SpanEnumeratorOf(invocation) is { } enumerator)
            {
                StepSpanEnumerator(enumerator);
                return Operand.InReg(_b.SetCond(Cond.SLt, enumerator.Index, -1, enumerator.Span.SpanLength));
            }
            if (method is { Name: "HasFlag", ContainingType.SpecialType: SpecialType.System_Enum } && invocation.Instance is { } receiver && Unconverted(receiver) is { Type.TypeKind: TypeKind.Enum } flags
                && invocation.Arguments.Length == 1 && Unconverted(invocation.Arguments[0].Value) is { Type.TypeKind: TypeKind.Enum } flag)
            {
                // flags.HasFlag(flag) is (flags & flag) == flag, with no boxing.
                var mask = Rvalue(flag);
                var masked = Arithmetic(BinaryOperatorKind.And, Rvalue(flags), mask, flags.Type, invocation);
                return CompareValue(Cond.Eq, Materialize(masked), mask);
            }
            if (IsIntrinsic(method)) return InvokeIntrinsic(invocation);
            if (InvokeSpanMethod(invocation) is Operand spanResult) return spanResult;
            if (method.MethodKind == MethodKind.LocalFunction) return InlineLocalFunction(invocation);
            if (!method.IsStatic && method.MethodKind == MethodKind.Ordinary && method.ContainingType is { TypeKind: TypeKind.Struct } && method.DeclaringSyntaxReferences.Length > 0 && !method.IsAbstract)
            {
                // An instance method of the user's struct: inlined, 'this' bound to the receiver.
                return Inline(invocation);
            }
            if (IsUserMethod(method)) return KeepsCall(method) ? CallSubprogram(invocation) : Inline(invocation);
            Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, method.ToDisplayString());
            return Operand.Const(0);
        }

        private static bool IsNameCompare(IInvocationOperation invocation)
            => invocation.TargetMethod.Name is "Is" or "StartsWith" && invocation.Arguments.Length == 1 && invocation.Instance is not null
               && ContainingTypeName(invocation.TargetMethod) == KnownTypes.TaskComm;

        /// <summary>
        /// <c>comm.Is("name"u8)</c> and <c>comm.StartsWith("prefix"u8)</c>: compares the bytes of the literal (and,
        /// for <c>Is</c>, the NUL after it) in the widest aligned loads, branching out at the first difference.
        /// </summary>
        private void LowerNameCompare(IInvocationOperation invocation, IrBlock whenTrue, IrBlock whenFalse)
        {
            var argument = invocation.Arguments[0].Value;
            while (argument is IConversionOperation conversion) argument = conversion.Operand;
            if (argument is not IUtf8StringOperation literal)
            {
                Unsupported(invocation.Arguments[0], "A name that is not a UTF-8 literal (write it as \"bash\"u8)");
                _b.Jump(whenFalse);
                return;
            }
            var expected = new List<byte>(System.Text.Encoding.UTF8.GetBytes(literal.Value));
            const int commLength = 16;
            bool exact = invocation.TargetMethod.Name == "Is";
            if (exact) expected.Add(0);
            if (expected.Count > commLength || (exact && expected.Count > commLength))
            {
                _b.Jump(whenFalse);
                return;
            }
            CompareWithLiteral(AddressOf(invocation.Instance!), expected, aligned: true, whenTrue, whenFalse);
        }

        /// <summary>
        /// Compares the bytes at <paramref name="start"/> with <paramref name="expected"/>, branching out at the first
        /// difference: in the widest loads the alignment of <paramref name="start"/> allows, or byte by byte when it
        /// is unknown (<paramref name="aligned"/> false).
        /// </summary>
        private void CompareWithLiteral(Address start, IReadOnlyList<byte> expected, bool aligned, IrBlock whenTrue, IrBlock whenFalse)
        {
            for (int done = 0; done < expected.Count;)
            {
                int chunk = aligned ? Chunk(expected.Count - done, start.Offset + done, 0) : 1;
                long value = 0;
                for (int i = chunk - 1; i >= 0; i--) value = (value << 8) | expected[done + i];
                int loaded = _b.Load(start.Plus(done), chunk);
                var next = Function.NewBlock();
                EmitBranch(Cond.Ne, Operand.InReg(loaded), Operand.Const(value), whenFalse, next);
                _b.Block = next;
                done += chunk;
            }
            _b.Jump(whenTrue);
        }

        /// <summary>Writes <paramref name="bytes"/> to the start of a stack slot in 4-byte words, the last one padded with zeros.</summary>
        private void StoreBytes(StackSlot slot, IReadOnlyList<byte> bytes)
        {
            for (int i = 0; i < bytes.Count; i += 4)
            {
                int word = 0;
                for (int b = 3; b >= 0; b--) word = (word << 8) | (i + b < bytes.Count ? bytes[i + b] : 0);
                _b.StoreImm(Address.OfSlot(slot.Id, i), 4, word);
            }
        }

        private Operand InvokeHelper(IInvocationOperation invocation)
        {
            // A helper whose arguments and result are integers is one entry of the helpers table: each argument passes its value.
            if (Helpers.ByMethod(invocation.TargetMethod.Name) is { } entry)
            {
                if (entry.Arguments is { } marshalled) return InvokeTableHelper(entry, marshalled, invocation);
                if (invocation.Arguments.All(a => IsScalar(a.Value.Type)))
                {
                    var values = new List<int>();
                    foreach (var argument in invocation.Arguments) values.Add(Materialize(Rvalue(argument.Value)));
                    return Operand.InReg(CallHelper(entry, invocation, values));
                }
            }
            switch (invocation.TargetMethod.Name)
            {
                case "Printk":
                    return Printk(invocation);
                case "Snprintf":
                    return Snprintf(invocation);
                case "SeqPrintf":
                    return SeqPrintf(invocation);
            }
            Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, invocation.TargetMethod.ToDisplayString());
            return Operand.Const(0);
        }

        /// <summary>
        /// <c>Bpf.Snprintf(span, "...", a, b, ...)</c>: the literal format, checked as the kernel checks it, goes to the
        /// program's read-only strings (the helper reads it from a frozen map); the arguments to a stack array of 8-byte values.
        /// </summary>
        private Operand Snprintf(IInvocationOperation invocation)
        {
            var args = invocation.Arguments;
            if (CheckedFormat(args, 1) is not string text) return Operand.Const(0);
            int count = args.Length - 2;
            if (ByteSpan(args[0].Value) is not { } destination)
            {
                Unsupported(args[0].Value, "A destination other than a local Span<byte> over stackalloc or an [InlineArray] of bytes");
                return Operand.Const(0);
            }
            int data = FormatArguments(args, 2, "Snprintf arguments");
            int pointer = PointerOf(destination.Start);
            int formatAddress = _b.GlobalAddress(Subprograms.ConstantString(text));
            return Operand.InReg(CallHelper(HelperId.Snprintf, invocation,
                new List<int> { pointer, _b.Const(destination.Bytes), formatAddress, data, _b.Const(count * 8) }));
        }

        /// <summary>
        /// The literal format at <paramref name="formatIndex"/> of a call of <c>bpf_snprintf</c>'s family (the arguments
        /// follow it), checked as the kernel checks it and against the arguments; null (reported) when it is refused.
        /// </summary>
        private string? CheckedFormat(System.Collections.Immutable.ImmutableArray<IArgumentOperation> args, int formatIndex)
        {
            var format = args[formatIndex].Value;
            if (!format.ConstantValue.HasValue || format.ConstantValue.Value is not string text)
            {
                Report(DiagnosticDescriptors.StringUse, format.Syntax, format.Syntax.ToString());
                return null;
            }
            int count = args.Length - formatIndex - 1;
            if (PrintfFormat.Problem(text, count, out int conversions) is string problem)
            {
                Unsupported(format, "The format " + format.Syntax + ", which the kernel refuses (" + problem + "),");
                return null;
            }
            if (conversions < count)
            {
                Unsupported(args[formatIndex + 1 + conversions].Value, "An argument no conversion of the format " + format.Syntax + " takes");
                return null;
            }
            return text;
        }

        /// <summary>The arguments from <paramref name="first"/> on, as the stack array of 8-byte values the helper reads: its address (0 when there are none).</summary>
        private int FormatArguments(System.Collections.Immutable.ImmutableArray<IArgumentOperation> args, int first, string owner)
        {
            int count = args.Length - first;
            if (count <= 0) return _b.Const(0);
            var slot = NewSlot(new ArrayType(IntType.Long, count), owner);
            for (int i = 0; i < count; i++) _b.Store(Address.OfSlot(slot.Id, i * 8), 8, Materialize(Rvalue(args[first + i].Value)));
            return _b.FrameAddr(slot.Id);
        }

        /// <summary>
        /// <c>Bpf.Printk("...", a, b, c)</c>: the literal format is written to a stack slot (NUL-terminated) and passed to
        /// <c>bpf_trace_printk</c> with its size and up to three arguments.
        /// </summary>
        private Operand Printk(IInvocationOperation invocation)
        {
            var format = invocation.Arguments[0].Value;
            if (!format.ConstantValue.HasValue || format.ConstantValue.Value is not string text)
            {
                Report(DiagnosticDescriptors.StringUse, format.Syntax, format.Syntax.ToString());
                return Operand.Const(0);
            }
            var bytes = new List<byte>(System.Text.Encoding.UTF8.GetBytes(text)) { 0 };
            var slot = NewSlot(new ArrayType(IntType.Byte, bytes.Count), "Printk format");
            StoreBytes(slot, bytes);
            var args = new List<int> { _b.FrameAddr(slot.Id), _b.Const(bytes.Count) };
            for (int i = 1; i < invocation.Arguments.Length; i++) args.Add(Materialize(Rvalue(invocation.Arguments[i].Value)));
            return Operand.InReg(CallHelper(HelperId.TracePrintk, invocation, args));
        }

        /// <summary>
        /// A pointer to memory a helper reads (a map key or value): the value's own memory, or a copy on the stack when
        /// it lives in the program's context, which the verifier lets a program load from at constant offsets but never
        /// hand to a helper. The helper only reads it, so the copy keeps C#'s meaning.
        /// </summary>
        private int HelperMemory(IOperation value)
        {
            if (!IsContextAccess(value)) return PointerOf(AddressOf(value));
            var type = Unwrap(value).Type;
            if (IsScalar(type)) return PointerOf(SpillToTemporary(Rvalue(value), type, "copy of " + value.Syntax));
            var layout = Layout(type, value.Syntax) ?? IntType.Long;
            var copy = Address.OfSlot(NewSlot(layout, "copy of " + value.Syntax).Id);
            Copy(copy, AddressOf(value), layout.Size);
            return PointerOf(copy);
        }

        /// <summary>
        /// A call of a kernel helper. A helper the kernel marks GPL-only, in an object whose license is not GPL-compatible,
        /// or one the kernel does not give to this kind of program, is refused here: the kernel would refuse the program at load.
        /// </summary>
        private int CallHelper(HelperId id, IOperation at, List<int> args) => CallHelper(Helpers.Of(id), at, args);

        /// <summary>A call of <paramref name="helper"/> (the entry the C# method named: two methods may call one helper for different program kinds).</summary>
        private int CallHelper(HelperInfo helper, IOperation at, List<int> args)
        {
            var id = helper.Id;
            if (helper.GplOnly && !Subprograms.GplCompatible)
            {
                Unsupported(at, "Calling " + helper.Name + " ('" + at.Syntax + "') under the license '" + (_probeClass is null ? Licenses.Default : Licenses.Of(_probeClass))
                    + "' (the kernel lets only GPL-compatible programs call it; declare [BpfLicense(\"GPL\")] or a dual license such as \"Dual MIT/GPL\", or remove the call)");
            }
            if (!helper.Tracing && HelperInfo.IsTracing(Subprograms.ProgramType))
            {
                Unsupported(at, "Calling " + helper.Name + " ('" + at.Syntax + "') from a " + Subprograms.ProgramType
                    + " program (the kernel gives that helper to other program kinds, not to tracing programs; for the time, use Bpf.KtimeGetNs())");
            }
            if (helper.Only is { } only && System.Array.IndexOf(only, Subprograms.ProgramType) < 0)
            {
                Unsupported(at, "Calling " + helper.Name + " ('" + at.Syntax + "') from a " + Subprograms.ProgramType
                    + " program (the kernel gives that helper to " + string.Join(", ", only) + " programs only)");
            }
            int result = _b.Call((int)id, args);
            if (helper.ChangesPacket) ReloadPacketPointers();
            return result;
        }

        /// <summary>
        /// The map a map method is called on: a <c>[BpfMap]</c> field (loaded by name where the call needs it), or an inner
        /// map a map of maps gave, held in a register.
        /// </summary>
        private readonly struct MapTarget
        {
            public MapTarget(IFieldSymbol? field, int register)
            {
                Field = field;
                Register = register;
            }

            public IFieldSymbol? Field { get; }

            public int Register { get; }
        }

        /// <summary>The map <paramref name="receiver"/> names, or null (reported) when it names none.</summary>
        private MapTarget? MapTargetOf(IOperation? receiver, IOperation at)
        {
            if (MapFieldOf(receiver) is { } field)
            {
                MapsUsed.Add(field.Name);
                return new MapTarget(field, -1);
            }
            if (receiver is not null && IsMapType(Unwrap(receiver).Type) && !IsMapField(receiver))
                return new MapTarget(null, Materialize(Rvalue(receiver)));
            Unsupported(at, "Calling a map method on something other than a [BpfMap] static field or a map a map of maps gave");
            return null;
        }

        /// <summary>A register holding the map's address, as the map argument of a helper.</summary>
        private int LoadMap(MapTarget target) => target.Field is { } field ? _b.LoadMap(field.Name) : target.Register;

        private Operand InvokeMap(IInvocationOperation invocation)
        {
            if (MapTargetOf(invocation.Instance, invocation) is not MapTarget target) return Operand.Const(0);
            var args = invocation.Arguments;
            if (invocation.TargetMethod.Name is "Update" or "Delete" && target.Field is { } field && MapReader.Read(field, _cancellationToken).Spec is { } spec
                && ((MapFlags)spec.Flags & MapFlags.ReadOnlyProgram) != 0)
            {
                // The verifier refuses a program's write into a map created with BPF_F_RDONLY_PROG.
                Unsupported(invocation, "Changing map '" + field.Name + "', which is read-only for programs (Flags has BPF_F_RDONLY_PROG),");
                return Operand.Const(0);
            }
            switch (invocation.TargetMethod.Name)
            {
                case "GetValueRefOrNullRef":
                    {
                        int key = HelperMemory(args[0].Value);
                        int map = LoadMap(target);
                        return Operand.InReg(CallHelper(HelperId.MapLookupElem, invocation, new List<int> { map, key }));
                    }
                case "Update":
                    {
                        int key = HelperMemory(args[0].Value);
                        int value = HelperMemory(args[1].Value);
                        int flags = Materialize(args.Length > 2 ? Rvalue(args[2].Value) : Operand.Const(0));
                        int map = LoadMap(target);
                        return Operand.InReg(CallHelper(HelperId.MapUpdateElem, invocation, new List<int> { map, key, value, flags }));
                    }
                case "Delete":
                    {
                        int key = HelperMemory(args[0].Value);
                        int map = LoadMap(target);
                        return Operand.InReg(CallHelper(HelperId.MapDeleteElem, invocation, new List<int> { map, key }));
                    }
                case "TryGetValue":
                    return TryGetValue(invocation, target, null, null);
            }
            Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, invocation.TargetMethod.ToDisplayString());
            return Operand.Const(0);
        }

        /// <summary>
        /// A map of maps: <c>Get</c> looks the key up and gives the inner map (a pointer the kernel knows as a map), or
        /// null; programs cannot put maps in it.
        /// </summary>
        private Operand InvokeMapOfMaps(IInvocationOperation invocation)
        {
            var field = MapFieldOf(invocation.Instance);
            if (field is null)
            {
                Unsupported(invocation, "Calling a map-of-maps method on something other than a [BpfMap] static field");
                return Operand.Const(0);
            }
            if (invocation.TargetMethod.Name != "Get")
            {
                Unsupported(invocation, "Changing a map of maps from a program (the kernel lets only user space put maps in it: BpfMapOfMapsHandle.Set)");
                return Operand.Const(0);
            }
            MapsUsed.Add(field.Name);
            int key = HelperMemory(invocation.Arguments[0].Value);
            int map = _b.LoadMap(field.Name);
            return Operand.InReg(CallHelper(HelperId.MapLookupElem, invocation, new List<int> { map, key }));
        }

        /// <summary>
        /// <c>TryGetValue</c>: looks the key up, copies the value out when found and zeroes it when not. As a branch
        /// condition (<paramref name="whenTrue"/> given) it jumps straight on the lookup's result.
        /// </summary>
        private Operand TryGetValue(IInvocationOperation invocation, MapTarget mapTarget, IrBlock? whenTrue, IrBlock? whenFalse)
        {
            int key = HelperMemory(invocation.Arguments[0].Value);
            int map = LoadMap(mapTarget);
            int pointer = CallHelper(HelperId.MapLookupElem, invocation, new List<int> { map, key });
            var target = Unwrap(invocation.Arguments[1].Value);
            var valueType = target.Type;
            var layout = Layout(valueType, target.Syntax);
            if (layout is null) return Operand.Const(0);
            int result = Function.NewReg();

            var found = Function.NewBlock();
            var missing = Function.NewBlock();
            var join = whenTrue is null ? Function.NewBlock() : null;
            _b.Branch(Cond.Eq, pointer, -1, 0, missing, found);

            _b.Block = found;
            if (IsScalar(valueType)) StoreTo(target, LoadScalar(Address.OfReg(pointer), valueType));
            else Copy(AddressOf(target), Address.OfReg(pointer), layout.Size);
            if (join is null) _b.Jump(whenTrue!);
            else
            {
                _b.MovConst(result, 1);
                _b.Jump(join);
            }

            _b.Block = missing;
            if (IsScalar(valueType)) StoreTo(target, Operand.Const(0));
            else Zero(AddressOf(target), layout.Size);
            if (join is null)
            {
                _b.Jump(whenFalse!);
                return Operand.Const(0);
            }
            _b.MovConst(result, 0);
            _b.Jump(join);

            _b.Block = join;
            return Operand.InReg(result);
        }

        private Operand InvokeInterlocked(IInvocationOperation invocation, bool needValue)
        {
            var method = invocation.TargetMethod;
            var args = invocation.Arguments;
            var target = args[0].Value;
            var (size, signed) = ScalarInfo(target.Type);
            if (size < 4 || !IsScalar(target.Type))
            {
                Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, method.ToDisplayString());
                return Operand.Const(0);
            }
            var type = _model.Compilation.GetSpecialType(size == 8 ? (signed ? SpecialType.System_Int64 : SpecialType.System_UInt64) : (signed ? SpecialType.System_Int32 : SpecialType.System_UInt32));
            var atomic = new IrInstruction { Op = IrOp.Atomic, Size = size, Alu = AluOp.Add };
            Operand delta = Operand.Const(0);
            bool returnsNewValue = false;
            switch (method.Name)
            {
                case "Increment": delta = Operand.Const(1); returnsNewValue = true; break;
                case "Decrement": delta = Operand.Const(-1); returnsNewValue = true; break;
                case "Add" when args.Length == 2: delta = Rvalue(args[1].Value); returnsNewValue = true; break;
                case "And" when args.Length == 2: atomic.Alu = AluOp.And; delta = Rvalue(args[1].Value); break;
                case "Or" when args.Length == 2: atomic.Alu = AluOp.Or; delta = Rvalue(args[1].Value); break;
                case "Exchange" when args.Length == 2: atomic.Atomic = AtomicKind.Exchange; delta = Rvalue(args[1].Value); break;
                case "CompareExchange" when args.Length == 3:
                    atomic.Atomic = AtomicKind.CompareExchange;
                    delta = Rvalue(args[1].Value);
                    atomic.B = Materialize(Rvalue(args[2].Value));
                    break;
                default:
                    Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, method.ToDisplayString());
                    return Operand.Const(0);
            }
            atomic.Addr = AddressOf(target);
            atomic.A = Materialize(delta);
            // Exchange and compare-exchange always return the old value in the instruction.
            atomic.Fetch = needValue || atomic.Atomic != AtomicKind.ReadModifyWrite;
            if (!atomic.Fetch)
            {
                _b.Emit(atomic);
                return Operand.Const(0);
            }
            atomic.Dst = Function.NewReg();
            _b.Emit(atomic);
            var old = Operand.InReg(atomic.Dst);
            if (signed && size == 4) old = Operand.InReg(_b.Extend(atomic.Dst, 4, true));
            return returnsNewValue ? Arithmetic(BinaryOperatorKind.Add, old, delta, type, invocation) : old;
        }
    }
}
