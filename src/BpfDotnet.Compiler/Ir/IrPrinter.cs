using System.Linq;
using System.Text;

namespace BpfDotnet.Compiler.Ir
{
    /// <summary>IR as text, one instruction a line, for tests and for reading what lowering made.</summary>
    public static class IrPrinter
    {
        public static string Print(IrFunction function)
        {
            var text = new StringBuilder();
            foreach (var block in function.Blocks)
            {
                text.Append("b").Append(block.Id).Append(":\n");
                foreach (var ins in block.Instructions) text.Append("  ").Append(Print(ins)).Append('\n');
            }
            return text.ToString();
        }

        public static string Print(IrInstruction ins)
        {
            string B() => ins.B >= 0 ? "r" + ins.B : ins.Imm.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string Addr() => (ins.Addr.IsSlot ? "slot" + ins.Addr.Slot : "r" + ins.Addr.BaseReg) + (ins.Addr.Offset != 0 ? "+" + ins.Addr.Offset : "");
            string w = ins.Is32 ? "32" : "";
            return ins.Op switch
            {
                IrOp.Const => $"r{ins.Dst} = {ins.Imm}",
                IrOp.Mov => $"r{ins.Dst} = r{ins.A}",
                IrOp.Check => $"r{ins.Dst} = check r{ins.A} {ins.Obligation?.Kind} [{ins.Obligation?.Low}, {ins.Obligation?.High}] #{ins.Obligation?.Object}",
                IrOp.Alu => $"r{ins.Dst} = r{ins.A} {ins.Alu}{w} {B()}",
                IrOp.Neg => $"r{ins.Dst} = -r{ins.A}",
                IrOp.Extend => $"r{ins.Dst} = extend{(ins.Signed ? "s" : "u")}{ins.Size} r{ins.A}",
                IrOp.Load => $"r{ins.Dst} = load{(ins.Signed ? "s" : "")}{ins.Size} [{Addr()}]",
                IrOp.Store => $"store{ins.Size} [{Addr()}] = {(ins.A >= 0 ? "r" + ins.A : ins.Imm.ToString(System.Globalization.CultureInfo.InvariantCulture))}",
                IrOp.Atomic => $"r{ins.Dst} = atomic {ins.Atomic} {ins.Alu} [{Addr()}] r{ins.A}",
                IrOp.ByteSwap => $"r{ins.Dst} = bswap{ins.Size} r{ins.A}",
                IrOp.FrameAddr => $"r{ins.Dst} = &slot{ins.Slot}",
                IrOp.LoadMap => $"r{ins.Dst} = map {ins.MapName}",
                IrOp.CoreOffset => $"r{ins.Dst} = offsetof({ins.Core?.Struct}.{ins.Core?.Member})",
                IrOp.Call => $"r{ins.Dst} = call {(ins.Callee ?? "helper" + ins.Helper)}({string.Join(", ", (ins.Args ?? new System.Collections.Generic.List<int>()).Select(a => "r" + a))})",
                IrOp.SetCond => $"r{ins.Dst} = r{ins.A} {ins.Cond}{w} {B()}",
                IrOp.Jump => $"goto b{ins.Target!.Id}",
                IrOp.Branch => $"if r{ins.A} {ins.Cond}{w} {B()} goto b{ins.Target!.Id} else b{ins.Else!.Id}",
                IrOp.Return => ins.A >= 0 ? $"return r{ins.A}" : $"return {ins.Imm}",
                _ => ins.Op.ToString(),
            };
        }
    }
}
