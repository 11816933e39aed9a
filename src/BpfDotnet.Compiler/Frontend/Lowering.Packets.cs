using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.KernelModel;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Packet access from an XDP or skb context: <c>GetPacketRefOrNullRef&lt;T&gt;(offset)</c>, <c>TryReadPacket</c>,
    /// <c>TryWritePacket</c> and <c>PacketLength</c>. Each access reads the packet's start and end from the context (the
    /// verifier makes packet pointers of those loads), and compares the access's end with the packet's end before it, so
    /// that the verifier, which refuses any packet access it has not seen bounded that way, accepts every one: the
    /// reference is null where the packet ends first. A variable offset is first bounded to 0..65,535, as the verifier
    /// requires of an offset added to a packet pointer. A socket filter, which may not touch the packet directly, reads it
    /// with <c>bpf_skb_load_bytes</c>.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>The largest offset the verifier lets a program add to a packet pointer (<c>MAX_PACKET_OFF</c>).</summary>
        private const int MaxPacketOffset = 0xffff;

        private static bool IsPacketContext(ITypeSymbol? type) => type?.ToDisplayString() is KnownTypes.XdpContext or KnownTypes.SkBuff or KnownTypes.SockoptContext or KnownTypes.FlowDissectorContext or KnownTypes.SkMsgContext;

        /// <summary>The offset of <c>flow_keys</c> in <c>struct __sk_buff</c>: a pointer the verifier makes a flow dissector's keys.</summary>
        private const int FlowKeysOffset = 144;

        /// <summary><c>ctx.FlowKeys</c> of a flow dissector: the keys' pointer, loaded from the context.</summary>
        private Address FlowKeysAddress(IOperation context, IOperation at)
        {
            if (!IsContextAccess(context) || AddressOf(context) is not { IsSlot: false, BaseReg: >= 0 } address)
            {
                Unsupported(at, "Flow keys of a copy of the context (use the program's context parameter itself)");
                return Address.OfReg(Function.ContextRegister);
            }
            return Address.OfReg(_b.Load(address.Plus(FlowKeysOffset), 8));
        }

        /// <summary>
        /// The context offsets of the packet's start and end pointers (<c>data</c>, <c>data_end</c>), and their size: 32-bit
        /// fields the verifier widens in <c>xdp_md</c> and <c>__sk_buff</c>, 64-bit pointers in <c>bpf_sockopt</c> (its option value).
        /// </summary>
        private static (int Data, int End, int Size) PacketFields(ITypeSymbol context) => context.ToDisplayString() switch
        {
            KnownTypes.XdpContext => (0, 4, 4),
            KnownTypes.SockoptContext => (8, 16, 8),
            KnownTypes.SkMsgContext => (0, 8, 8),
            _ => (76, 80, 4),
        };

        private Operand InvokePacket(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (invocation.Instance is not { } instance || method.TypeArguments.Length != 1 || Layout(method.TypeArguments[0], invocation.Syntax) is not { } layout)
            {
                Report(Diagnostics.DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, method.ToDisplayString());
                return Operand.Const(0);
            }
            var access = Subprograms.Packet;
            bool write = method.Name is "TryWritePacket" or "TryWriteValue";
            bool reference = method.Name is "GetPacketRefOrNullRef" or "GetValueRefOrNullRef";
            if (access == PacketAccess.None || (write && access != PacketAccess.ReadWrite) || (reference && access == PacketAccess.LoadBytes))
            {
                string what = access == PacketAccess.None ? "has no packet"
                    : access == PacketAccess.LoadBytes ? "may only copy packet bytes out (use TryReadPacket)"
                    : "may read the packet but not write it";
                Unsupported(invocation, "'" + method.Name + "' in a " + Subprograms.ProgramType + " program, which " + what + ",");
                return Operand.Const(0);
            }
            var offset = Rvalue(invocation.Arguments[0].Value);
            if (access == PacketAccess.LoadBytes)
            {
                // bpf_skb_load_bytes(skb, offset, to, len): 0 when copied; the buffer is zeroed when not.
                var target = Unwrap(invocation.Arguments[1].Value);
                int destination = PointerOf(AddressOf(target));
                int result = CallHelper(HelperId.SkbLoadBytes, invocation, new List<int> { Function.ContextRegister, Materialize(offset), destination, _b.Const(layout.Size) });
                return Operand.InReg(_b.SetCond(Cond.Eq, result, -1, 0));
            }
            if (PacketReference(instance, offset, layout.Size, method.TypeArguments[0].Name, invocation) is not int pointer) return Operand.Const(0);
            if (reference) return Operand.InReg(pointer);

            int succeeded = Function.NewReg();
            var present = Function.NewBlock();
            var absent = Function.NewBlock();
            var join = Function.NewBlock();
            _b.Branch(Cond.Eq, pointer, -1, 0, absent, present);
            _b.Block = present;
            if (write) Copy(Address.OfReg(pointer), AddressOf(invocation.Arguments[1].Value), layout.Size);
            else if (IsScalar(method.TypeArguments[0])) StoreTo(Unwrap(invocation.Arguments[1].Value), LoadScalar(Address.OfReg(pointer), method.TypeArguments[0]));
            else Copy(AddressOf(Unwrap(invocation.Arguments[1].Value)), Address.OfReg(pointer), layout.Size);
            _b.MovConst(succeeded, 1);
            _b.Jump(join);
            _b.Block = absent;
            if (!write)
            {
                // C# gives an out argument a value on every path: zero where the packet ends first.
                var target = Unwrap(invocation.Arguments[1].Value);
                if (IsScalar(method.TypeArguments[0])) StoreTo(target, Operand.Const(0));
                else Zero(AddressOf(target), layout.Size);
            }
            _b.MovConst(succeeded, 0);
            _b.Jump(join);
            _b.Block = join;
            return Operand.InReg(succeeded);
        }

        /// <summary>The packet's length in bytes: its end less its start.</summary>
        private Operand PacketLength(IOperation instance, IOperation at)
        {
            if (Subprograms.Packet is PacketAccess.None or PacketAccess.LoadBytes)
            {
                Unsupported(at, "'PacketLength' in a " + Subprograms.ProgramType + " program, which " + (Subprograms.Packet == PacketAccess.None ? "has no packet" : "may not read the packet's pointers (use Len)") + ",");
                return Operand.Const(0);
            }
            if (PacketPointers(instance, at) is not var (data, end)) return Operand.Const(0);
            return Operand.InReg(_b.Alu(AluOp.Sub, end, data, false));
        }

        /// <summary>
        /// The registers the program keeps the packet's start and end in (read from its context at entry, and again after
        /// each helper that changes the packet), so that the verifier ties every access to the comparisons before it;
        /// -1 until the first packet access.
        /// </summary>
        private int _packetData = -1, _packetEnd = -1;
        private ITypeSymbol? _packetContext;

        /// <summary>Registers holding the packet's start and end; null (reported) when the instance is not the program's context.</summary>
        private (int Data, int End)? PacketPointers(IOperation instance, IOperation at)
        {
            var context = AddressOf(instance);
            if (context.IsSlot || context.BaseReg < 0 || context.Offset != 0 || instance.Type is null || !IsContextAccess(instance))
            {
                Unsupported(at, "Packet access through a copy of the context (use the program's context parameter itself)");
                return null;
            }
            if (context.BaseReg == Function.ContextRegister && _contextParameter is not null)
            {
                if (_packetData < 0)
                {
                    _packetData = Function.NewReg();
                    _packetEnd = Function.NewReg();
                    _packetContext = instance.Type;
                }
                return (_packetData, _packetEnd);
            }
            // A subprogram's context parameter: read at each access.
            return LoadPacketPointers(context.BaseReg, instance.Type, Function.NewReg(), Function.NewReg());
        }

        /// <summary>Reads the packet's start and end from the context at <paramref name="context"/> into the two registers.</summary>
        private (int Data, int End) LoadPacketPointers(int context, ITypeSymbol contextType, int data, int end)
        {
            var (dataField, endField, size) = PacketFields(contextType);
            // Loads of the fields' own size at their own offsets: the verifier turns exactly those into packet pointers.
            _b.Emit(new IrInstruction { Op = IrOp.Load, Dst = data, Addr = Address.OfReg(context, dataField), Size = size, PacketStart = true });
            _b.Emit(new IrInstruction { Op = IrOp.Load, Dst = end, Addr = Address.OfReg(context, endField), Size = size });
            return (data, end);
        }

        /// <summary>After a helper that changed the packet: the kept start and end read again (every reference before it is stale).</summary>
        /// <remarks>
        /// The kept registers are made here when no access came before: an access after the helper must not read the
        /// registers loaded at entry, which the helper made stale.
        /// </remarks>
        private void ReloadPacketPointers()
        {
            if (_packetData < 0 && _contextParameter is not null && Function.ContextRegister >= 0)
            {
                _packetData = Function.NewReg();
                _packetEnd = Function.NewReg();
                _packetContext = _contextParameter.Type;
            }
            if (_packetData >= 0 && _packetContext is not null) LoadPacketPointers(Function.ContextRegister, _packetContext, _packetData, _packetEnd);
        }

        /// <summary>At the program's entry: the kept start and end, when the program touches the packet.</summary>
        private void LoadKeptPacketPointers()
        {
            if (_packetData >= 0 && _packetContext is not null) LoadPacketPointers(Function.ContextRegister, _packetContext, _packetData, _packetEnd);
        }

        /// <summary>
        /// A register holding the address of the <paramref name="size"/> bytes at <paramref name="offset"/> of the packet, or
        /// 0 where the packet ends before their end (or the offset is outside 0..65,535).
        /// </summary>
        private int? PacketReference(IOperation instance, Operand offset, int size, string typeName, IOperation at)
        {
            if (PacketPointers(instance, at) is not var (data, end)) return null;
            // The verifier follows packet bounds only for pointers whose offset plus the bytes compared stays within
            // MAX_PACKET_OFF (find_good_pkt_pointers): the access must end by byte 65,535.
            int lastStart = MaxPacketOffset - size;
            if (offset.IsConst && (offset.Value < 0 || offset.Value > lastStart))
            {
                Unsupported(at, "A packet offset outside 0.." + lastStart + " for a " + size + "-byte " + typeName + " (" + offset.Value + ")");
                return null;
            }
            int result = Function.NewReg();
            var inside = Function.NewBlock();
            var outside = Function.NewBlock();
            var join = Function.NewBlock();
            int start;
            if (offset.IsConst)
            {
                start = _b.AluImm(AluOp.Add, data, offset.Value, false);
            }
            else
            {
                int value = Materialize(offset);
                var bounded = Function.NewBlock();
                // Unsigned: a negative offset is far above the limit.
                _b.Branch(Cond.Gt, value, -1, lastStart, outside, bounded);
                _b.Block = bounded;
                start = _b.Alu(AluOp.Add, data, value, false);
            }
            int last = _b.AluImm(AluOp.Add, start, size, false);
            _b.Branch(Cond.Gt, last, end, 0, outside, inside);
            // With a constant offset, from the kept start: a comparison of as many bytes before it makes this one needless.
            if (offset.IsConst && data == _packetData) _b.Block.Terminator!.PacketBound = offset.Value + size;
            _b.Block = inside;
            Function.Objects.Add((size, "the packet's " + typeName));
            _b.Emit(new IrInstruction
            {
                Op = IrOp.Check, Dst = result, A = start,
                // High: the bytes from the kept start the check proved (for a constant offset), which the reference carries.
                Obligation = new Obligation { Kind = ObligationKind.Origin, Object = Function.Objects.Count - 1, Packet = true,
                    High = offset.IsConst && data == _packetData ? offset.Value + size : 0 },
            });
            _b.Jump(join);
            _b.Block = outside;
            _b.MovConst(result, 0);
            _b.Jump(join);
            _b.Block = join;
            return result;
        }
    }
}
