using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using BpfDotnet.KernelModel;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Sockets of a sockmap: <c>Sockets.Assign(ref ctx, key, flags)</c> in an sk_lookup program looks the socket up (a
    /// reference the verifier makes the program release), hands it the connection with <c>bpf_sk_assign</c> and releases
    /// it, on every path; -ENOENT where the map has no socket at the key.
    /// </summary>
    internal sealed partial class Lowering
    {
        private const long ENOENT = 2;

        /// <summary>
        /// <c>Sockets.RedirectMessage(ref ctx, key, flags)</c> in an sk_msg program (<c>bpf_msg_redirect_map</c>) and
        /// <c>Sockets.RedirectPacket(ref ctx, key, flags)</c> in an sk_skb program (<c>bpf_sk_redirect_map</c>): the context,
        /// the map, the key and the flags by value; the helper's result is the program's verdict.
        /// </summary>
        /// <param name="keyByAddress">A sockhash's helper: the key goes by address (a 4-byte stack slot), not by value.</param>
        private Operand RedirectToSocket(IInvocationOperation invocation, MapTarget sockets, ProgramType kind, HelperId helper, string what, bool keyByAddress = false)
        {
            var args = invocation.Arguments;
            string name = invocation.TargetMethod.Name;
            if (Subprograms.ProgramType != kind)
            {
                Unsupported(invocation, "'" + name + "' in a " + Subprograms.ProgramType + " program (it sends " + what + " on in " + kind + " programs only)");
                return Operand.Const(0);
            }
            if (!IsContextAccess(args[0].Value))
            {
                Unsupported(args[0].Value, "Passing '" + args[0].Value.Syntax + "', which is not the program's context parameter, to " + name);
                return Operand.Const(0);
            }
            int context = PointerOf(AddressOf(args[0].Value));
            int key = Materialize(Rvalue(args[1].Value));
            if (keyByAddress)
            {
                var keySlot = NewSlot(IntType.UInt, "socket key");
                _b.Store(Address.OfSlot(keySlot.Id), 4, key);
                key = _b.FrameAddr(keySlot.Id);
            }
            int flags = Materialize(args.Length > 2 ? Rvalue(args[2].Value) : Operand.Const(0));
            return Operand.InReg(CallHelper(helper, invocation, new List<int> { context, LoadMap(sockets), key, flags }));
        }

        private Operand AssignSocket(IInvocationOperation invocation, MapTarget sockets)
        {
            var args = invocation.Arguments;
            if (Subprograms.ProgramType != ProgramType.SkLookup)
            {
                Unsupported(invocation, "'Assign' in a " + Subprograms.ProgramType + " program (it hands a connection to a socket in sk_lookup programs only)");
                return Operand.Const(0);
            }
            if (!IsContextAccess(args[0].Value))
            {
                Unsupported(args[0].Value, "Passing '" + args[0].Value.Syntax + "', which is not the program's context parameter, to Assign");
                return Operand.Const(0);
            }
            int context = PointerOf(AddressOf(args[0].Value));
            var keySlot = NewSlot(IntType.UInt, "socket key");
            _b.Store(Address.OfSlot(keySlot.Id), 4, Materialize(Rvalue(args[1].Value)));
            int flags = Materialize(args.Length > 2 ? Rvalue(args[2].Value) : Operand.Const(0));
            int socket = CallHelper(HelperId.MapLookupElem, invocation, new List<int> { LoadMap(sockets), _b.FrameAddr(keySlot.Id) });
            int result = Function.NewReg();
            var missing = Function.NewBlock();
            var found = Function.NewBlock();
            var done = Function.NewBlock();
            _b.Branch(Cond.Eq, socket, -1, 0, missing, found);
            _b.Block = found;
            _b.Mov(result, CallHelper(HelperId.SkAssign, invocation, new List<int> { context, socket, flags }));
            CallHelper(HelperId.SkRelease, invocation, new List<int> { socket });
            _b.Jump(done);
            _b.Block = missing;
            _b.MovConst(result, -ENOENT);
            _b.Jump(done);
            _b.Block = done;
            return Operand.InReg(result);
        }
    }
}
