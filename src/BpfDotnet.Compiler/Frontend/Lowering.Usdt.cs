using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using BpfDotnet.KernelModel;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using IrBlock = BpfDotnet.Compiler.Ir.BasicBlock;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// USDT arguments: <c>Usdt.Arg(ref ctx, n)</c> reads the entry of the program's argument table (a zeroed global of its
    /// own, <see cref="UsdtSpecTable"/>) that the link's attach cookie picks, which the loader filled for the location, and
    /// reads the argument as it says: a constant; a register, copied out of <c>pt_regs</c> with <c>bpf_probe_read_kernel</c>
    /// (its offset is data, and the verifier takes context loads at constant offsets only); or memory at that register plus
    /// an offset, with <c>bpf_probe_read_user</c>. The value is then sign- or zero-extended from its size.
    /// </summary>
    internal sealed partial class Lowering
    {
        private Operand InvokeUsdt(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            var args = invocation.Arguments;
            if (!Subprograms.IsUsdt)
            {
                Unsupported(invocation, "'Usdt." + method.Name + "' in a program that is not a USDT program (declare it with [Section(\"usdt/<binary>:<provider>:<name>\")] or [Section(\"usdt\")])");
                return Operand.Const(0);
            }
            if (args.Length == 0 || !IsContextAccess(args[0].Value))
            {
                Unsupported(invocation, "'Usdt." + method.Name + "' on something other than the program's context parameter");
                return Operand.Const(0);
            }
            int argument = -1;
            if (method.Name == "Arg")
            {
                var index = args[1].Value;
                if (!index.ConstantValue.HasValue || index.ConstantValue.Value is not int n || n < 0 || n >= UsdtSpecTable.MaxArguments)
                {
                    Unsupported(index, "An argument index other than a constant from 0 to " + (UsdtSpecTable.MaxArguments - 1));
                    return Operand.Const(0);
                }
                argument = n;
            }
            else if (method.Name != "ArgumentCount")
            {
                Unsupported(invocation, "'Usdt." + method.Name + "'");
                return Operand.Const(0);
            }

            int context = PointerOf(AddressOf(args[0].Value));
            int result = Function.NewReg();
            IrBlock done = Function.NewBlock(), zero = Function.NewBlock(), found = Function.NewBlock();
            int cookie = CallHelper(HelperId.GetAttachCookie, invocation, new List<int> { context });
            _b.Branch(Cond.Ge, cookie, -1, UsdtSpecTable.Entries, zero, found);

            _b.Block = found;
            int entry = _b.Alu(AluOp.Add, _b.GlobalAddress(Subprograms.UsdtTable()), _b.AluImm(AluOp.Mul, cookie, UsdtSpecTable.EntrySize, false), false);
            if (argument < 0)
            {
                _b.Mov(result, _b.Load(Address.OfReg(entry, 0), 8));
                _b.Jump(done);
            }
            else
            {
                int at = 8 + argument * UsdtSpecTable.ArgumentSize;
                int kind = _b.Load(Address.OfReg(entry, at + UsdtSpecTable.KindOffset), 1);
                int value = _b.Load(Address.OfReg(entry, at + UsdtSpecTable.ValueOffset), 8);
                IrBlock notNone = Function.NewBlock(), constant = Function.NewBlock(), register = Function.NewBlock(), memory = Function.NewBlock(), extend = Function.NewBlock();
                _b.Branch(Cond.Eq, kind, -1, (long)UsdtArgumentKind.None, zero, notNone);

                _b.Block = notNone;
                _b.Branch(Cond.Eq, kind, -1, (long)UsdtArgumentKind.Constant, constant, register);

                _b.Block = constant;
                _b.Mov(result, value);
                _b.Jump(done);

                // The register: 8 bytes of pt_regs at its offset (bounded for the verifier; pt_regs is under 512 bytes).
                _b.Block = register;
                var slot = NewSlot(IntType.Long, "USDT argument");
                int registerOffset = _b.AluImm(AluOp.And, _b.Load(Address.OfReg(entry, at + UsdtSpecTable.RegisterOffset), 2), 0x1f8, false);
                int raw = ReadInto(slot, HelperId.ProbeReadKernel, _b.Alu(AluOp.Add, context, registerOffset, false), invocation);
                _b.Mov(result, raw);
                _b.Branch(Cond.Eq, kind, -1, (long)UsdtArgumentKind.Memory, memory, extend);

                _b.Block = memory;
                int read = ReadInto(slot, HelperId.ProbeReadUser, _b.Alu(AluOp.Add, raw, value, false), invocation);
                _b.Mov(result, read);
                _b.Jump(extend);

                // Sign- or zero-extension from the size (negative: signed): shift the value to the top, then back.
                _b.Block = extend;
                int size = _b.Extend(_b.Load(Address.OfReg(entry, at + UsdtSpecTable.SizeOffset), 1), 1, signed: true);
                IrBlock signed = Function.NewBlock(), unsigned = Function.NewBlock();
                _b.Branch(Cond.SLt, size, -1, 0, signed, unsigned);
                _b.Block = signed;
                int signedShift = _b.AluImm(AluOp.Add, _b.AluImm(AluOp.Mul, size, 8, false), 64, false);
                _b.Mov(result, _b.Alu(AluOp.Arsh, _b.Alu(AluOp.Lsh, result, signedShift, false), signedShift, false));
                _b.Jump(done);
                _b.Block = unsigned;
                int unsignedShift = _b.Alu(AluOp.Sub, _b.Const(64), _b.AluImm(AluOp.Mul, size, 8, false), false);
                _b.Mov(result, _b.Alu(AluOp.Rsh, _b.Alu(AluOp.Lsh, result, unsignedShift, false), unsignedShift, false));
                _b.Jump(done);
            }

            _b.Block = zero;
            _b.MovConst(result, 0);
            _b.Jump(done);
            _b.Block = done;
            return Operand.InReg(result);
        }

        /// <summary>Zeroes <paramref name="slot"/>, copies 8 bytes at <paramref name="address"/> into it with <paramref name="helper"/>, and loads them.</summary>
        private int ReadInto(StackSlot slot, HelperId helper, int address, IOperation at)
        {
            _b.StoreImm(Address.OfSlot(slot.Id), 8, 0);
            CallHelper(helper, at, new List<int> { _b.FrameAddr(slot.Id), _b.Const(8), address });
            return _b.Load(Address.OfSlot(slot.Id), 8);
        }
    }
}
