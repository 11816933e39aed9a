using System.Collections.Generic;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.KernelModel;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// The maps whose methods are not a hash or array map's lookup and update, each lowered to its helpers: ring buffers
    /// (<c>Output</c>, <c>Reserve</c>, <c>Submit</c>, <c>Discard</c>, <c>Query</c>; a reservation is an object the facts
    /// follow, and every path must release it before it returns, BPF0018 otherwise), perf event arrays (<c>Output</c>),
    /// stack-trace maps (<c>GetStackId</c>), and queues, stacks and bloom filters (push, pop and peek).
    /// </summary>
    internal sealed partial class Lowering
    {
        private Operand InvokeRingBuffer(IInvocationOperation invocation)
        {
            var field = MapFieldOf(invocation.Instance);
            if (field is null || field.Type is not INamedTypeSymbol { TypeArguments.Length: 1 } bufferType)
            {
                Unsupported(invocation, "Calling a ring buffer method on something other than a [BpfMap] static field");
                return Operand.Const(0);
            }
            // A record of the buffer's type, or of the type a generic Output<TRecord> or Reserve<TRecord> names.
            var recordType = invocation.TargetMethod.IsGenericMethod ? invocation.TargetMethod.TypeArguments[0] : bufferType.TypeArguments[0];
            var layout = Layout(recordType, invocation.Syntax);
            if (layout is null) return Operand.Const(0);
            string name = field.Name;
            MapsUsed.Add(name);
            var args = invocation.Arguments;
            Operand Wakeup(int index) => args.Length > index ? Rvalue(args[index].Value) : Operand.Const(0);
            switch (invocation.TargetMethod.Name)
            {
                case "Output":
                    {
                        int data = HelperMemory(args[0].Value);
                        int flags = Materialize(Wakeup(1));
                        int size = _b.Const(layout.Size);
                        int map = _b.LoadMap(name);
                        int result = CallHelper(HelperId.RingbufOutput, invocation, new List<int> { map, data, size, flags });
                        CountDropUnless(result, Cond.Eq, name, invocation);
                        return Operand.InReg(_b.SetCond(Cond.Eq, result, -1, 0));
                    }
                case "Reserve":
                    {
                        int map = _b.LoadMap(name);
                        int size = _b.Const(layout.Size);
                        int flags = _b.Const(0);
                        int record = CallHelper(HelperId.RingbufReserve, invocation, new List<int> { map, size, flags });
                        CountDropUnless(record, Cond.Ne, name, invocation);
                        Function.Objects.Add((layout.Size, "the record reserved from '" + name + "'"));
                        int reserved = Function.NewReg();
                        _b.Emit(new IrInstruction
                        {
                            Op = IrOp.Check, Dst = reserved, A = record,
                            Obligation = new Obligation
                            {
                                Kind = ObligationKind.Origin, Object = Function.Objects.Count - 1, Reservation = true,
                                Refusal = returnsAt => DiagnosticInfo.Create(DiagnosticDescriptors.RingBufferRecordLeaked, invocation.Syntax.GetLocation(),
                                    name, returnsAt.Low.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                            },
                        });
                        return Operand.InReg(reserved);
                    }
                case "Query":
                    {
                        int flags = Materialize(Rvalue(args[0].Value));
                        int map = _b.LoadMap(name);
                        return Operand.InReg(CallHelper(HelperId.RingbufQuery, invocation, new List<int> { map, flags }));
                    }
                case "Submit":
                case "Discard":
                    {
                        int record = PointerOf(AddressOf(args[0].Value));
                        int flags = Materialize(Wakeup(1));
                        CallHelper(invocation.TargetMethod.Name == "Submit" ? HelperId.RingbufSubmit : HelperId.RingbufDiscard, invocation, new List<int> { record, flags });
                        return Operand.Const(0);
                    }
            }
            Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, invocation.TargetMethod.ToDisplayString());
            return Operand.Const(0);
        }

        /// <summary>The <c>BPF_F_CURRENT_CPU</c> index of <c>bpf_perf_event_output</c>'s flags: the perf event of the running CPU.</summary>
        private const long CurrentCpu = 0xffffffffL;

        /// <summary>
        /// <c>BpfPerfEventArray&lt;T&gt;.Output(ref context, in T)</c>: <c>bpf_perf_event_output(ctx, map, BPF_F_CURRENT_CPU,
        /// data, size)</c>, true when the record went in.
        /// </summary>
        private Operand InvokePerfEventArray(IInvocationOperation invocation)
        {
            var field = MapFieldOf(invocation.Instance);
            if (field is null || field.Type is not INamedTypeSymbol { TypeArguments.Length: 1 } arrayType || invocation.TargetMethod.Name != "Output")
            {
                Unsupported(invocation, "Calling a perf event array method on something other than a [BpfMap] static field");
                return Operand.Const(0);
            }
            var layout = Layout(arrayType.TypeArguments[0], invocation.Syntax);
            if (layout is null) return Operand.Const(0);
            MapsUsed.Add(field.Name);
            var args = invocation.Arguments;
            int context = PointerOf(AddressOf(args[0].Value));
            int data = HelperMemory(args[1].Value);
            int map = _b.LoadMap(field.Name);
            int flags = _b.Const(CurrentCpu);
            int size = _b.Const(layout.Size);
            int result = CallHelper(HelperId.PerfEventOutput, invocation, new List<int> { context, map, flags, data, size });
            return Operand.InReg(_b.SetCond(Cond.Eq, result, -1, 0));
        }

        /// <summary><c>BpfStackTraceMap.GetStackId(ref context, flags)</c>: <c>bpf_get_stackid(ctx, map, flags)</c>, the stack's id or a negative errno.</summary>
        private Operand InvokeStackTraceMap(IInvocationOperation invocation)
        {
            var field = MapFieldOf(invocation.Instance);
            if (field is null || invocation.TargetMethod.Name != "GetStackId")
            {
                Unsupported(invocation, "Calling a stack-trace map method on something other than a [BpfMap] static field");
                return Operand.Const(0);
            }
            MapsUsed.Add(field.Name);
            var args = invocation.Arguments;
            int context = PointerOf(AddressOf(args[0].Value));
            int map = _b.LoadMap(field.Name);
            int flags = Materialize(args.Length > 1 ? Rvalue(args[1].Value) : Operand.Const(0));
            return Operand.InReg(CallHelper(HelperId.GetStackid, invocation, new List<int> { context, map, flags }));
        }

        /// <summary>
        /// Queues, stacks and bloom filters: <c>Push(in T, flags)</c> and a bloom filter's <c>Add(in T)</c> are
        /// <c>bpf_map_push_elem</c>; <c>TryPop(out T)</c> is <c>bpf_map_pop_elem</c>; <c>TryPeek(out T)</c> and a bloom
        /// filter's <c>MayContain(in T)</c> are <c>bpf_map_peek_elem</c> (true when it returns 0).
        /// </summary>
        private Operand InvokeValueMap(IInvocationOperation invocation)
        {
            var field = MapFieldOf(invocation.Instance);
            if (field is null)
            {
                Unsupported(invocation, "Calling a queue, stack or bloom filter method on something other than a [BpfMap] static field");
                return Operand.Const(0);
            }
            MapsUsed.Add(field.Name);
            var args = invocation.Arguments;
            string method = invocation.TargetMethod.Name;
            switch (method)
            {
                case "Push":
                case "Add":
                    {
                        int value = HelperMemory(args[0].Value);
                        int flags = Materialize(args.Length > 1 ? Rvalue(args[1].Value) : Operand.Const(0));
                        int map = _b.LoadMap(field.Name);
                        return Operand.InReg(CallHelper(HelperId.MapPushElem, invocation, new List<int> { map, value, flags }));
                    }
                case "TryPop":
                case "TryPeek":
                case "MayContain":
                    {
                        // Pop and peek write the value (an out argument, zeroed first: C# gives default when there is none,
                        // and the helper then writes nothing); a bloom filter's peek reads the value to test.
                        int value;
                        if (method == "MayContain") value = HelperMemory(args[0].Value);
                        else
                        {
                            var destination = AddressOf(args[0].Value);
                            if (Layout(args[0].Value.Type, args[0].Value.Syntax) is { } layout) Zero(destination, layout.Size);
                            value = PointerOf(destination);
                        }
                        int map = _b.LoadMap(field.Name);
                        int result = CallHelper(method == "TryPop" ? HelperId.MapPopElem : HelperId.MapPeekElem, invocation, new List<int> { map, value });
                        return Operand.InReg(_b.SetCond(Cond.Eq, result, -1, 0));
                    }
            }
            Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, invocation.TargetMethod.ToDisplayString());
            return Operand.Const(0);
        }

        /// <summary>
        /// Unless <c>value (cond) 0</c> (the record went in), adds one to this CPU's slot of the buffer's drop counter, the
        /// per-CPU array the object writer adds for each ring buffer, which user space reads as the reader's <c>Dropped</c>.
        /// </summary>
        private void CountDropUnless(int value, Cond sent, string buffer, IOperation at)
        {
            var count = Function.NewBlock();
            var join = Function.NewBlock();
            _b.Branch(sent, value, -1, 0, join, count);
            _b.Block = count;
            string counter = buffer + MapKinds.DropCounterSuffix;
            MapsUsed.Add(counter);
            var key = Address.OfSlot(NewSlot(Model.IntType.UInt, "key of " + counter).Id);
            _b.StoreImm(key, 4, 0);
            int map = _b.LoadMap(counter);
            int slot = CallHelper(HelperId.MapLookupElem, at, new List<int> { map, PointerOf(key) });
            var found = Function.NewBlock();
            _b.Branch(Cond.Eq, slot, -1, 0, join, found);
            _b.Block = found;
            // Each CPU has its own slot: a plain add is enough.
            _b.Store(Address.OfReg(slot), 8, _b.AluImm(AluOp.Add, _b.Load(Address.OfReg(slot), 8), 1, false));
            _b.Jump(join);
            _b.Block = join;
        }
    }
}
