using System.Collections.Generic;

namespace BpfDotnet.Compiler.Ir
{
    /// <summary>Appends IR instructions to a current block, stamping each with the current source position.</summary>
    public sealed class IrBuilder
    {
        public IrBuilder(IrFunction function)
        {
            Function = function;
            Block = function.NewBlock();
        }

        public IrFunction Function { get; }

        /// <summary>The block instructions are appended to.</summary>
        public BasicBlock Block { get; set; }

        public SourcePosition? Position { get; set; }

        /// <summary>True when the current block already ends in a terminator (code after it is unreachable).</summary>
        public bool Terminated => Block.Terminator is not null;

        public IrInstruction Emit(IrInstruction instruction)
        {
            instruction.Position ??= Position;
            if (!Terminated) Block.Instructions.Add(instruction);
            return instruction;
        }

        public int Const(long value)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.Const, Dst = r, Imm = value });
            return r;
        }

        public void Mov(int dst, int src) => Emit(new IrInstruction { Op = IrOp.Mov, Dst = dst, A = src });

        public void MovConst(int dst, long value) => Emit(new IrInstruction { Op = IrOp.Const, Dst = dst, Imm = value });

        public int Alu(AluOp op, int a, int b, bool is32)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.Alu, Alu = op, Dst = r, A = a, B = b, Is32 = is32 });
            return r;
        }

        public int AluImm(AluOp op, int a, long imm, bool is32)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.Alu, Alu = op, Dst = r, A = a, Imm = imm, Is32 = is32 });
            return r;
        }

        public int Extend(int a, int size, bool signed)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.Extend, Dst = r, A = a, Size = size, Signed = signed });
            return r;
        }

        public int Load(Address addr, int size)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.Load, Dst = r, Addr = addr, Size = size });
            return r;
        }

        public void Store(Address addr, int size, int value) => Emit(new IrInstruction { Op = IrOp.Store, Addr = addr, Size = size, A = value });

        public void StoreImm(Address addr, int size, long imm) => Emit(new IrInstruction { Op = IrOp.Store, Addr = addr, Size = size, A = -1, Imm = imm });

        public int FrameAddr(int slot)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.FrameAddr, Dst = r, Slot = slot });
            return r;
        }

        public int LoadMap(string name)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.LoadMap, Dst = r, MapName = name });
            return r;
        }

        /// <summary>dst = address of the subprogram <paramref name="callee"/>, a callback for a helper (ld_imm64 relocated against its symbol).</summary>
        public int FunctionAddress(string callee)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.LoadMap, Dst = r, Callee = callee });
            return r;
        }

        /// <summary>dst = address of a global variable (ld_imm64 relocated against its symbol).</summary>
        public int GlobalAddress(string name)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.LoadMap, Dst = r, MapName = name, IsGlobalData = true });
            return r;
        }

        public int Call(int helper, List<int> args)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.Call, Dst = r, Helper = helper, Args = args });
            return r;
        }

        /// <summary>dst = a BPF-to-BPF call of the subprogram <paramref name="callee"/> with args in R1..R5.</summary>
        public int CallSubprogram(string callee, List<int> args)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.Call, Dst = r, Helper = -1, Callee = callee, Args = args });
            return r;
        }

        /// <summary>dst = (a cond b) ? 1 : 0, or against <paramref name="imm"/> when <paramref name="b"/> is -1.</summary>
        public int SetCond(Cond cond, int a, int b, long imm)
        {
            int r = Function.NewReg();
            Emit(new IrInstruction { Op = IrOp.SetCond, Dst = r, Cond = cond, A = a, B = b, Imm = b < 0 ? imm : 0 });
            return r;
        }

        public void Jump(BasicBlock target) => Emit(new IrInstruction { Op = IrOp.Jump, Target = target });

        public void Branch(Cond cond, int a, int b, long imm, BasicBlock target, BasicBlock otherwise)
            => Emit(new IrInstruction { Op = IrOp.Branch, Cond = cond, A = a, B = b, Imm = imm, Target = target, Else = otherwise });

        public void Return(int value, long imm) => Emit(new IrInstruction { Op = IrOp.Return, A = value, Imm = imm });
    }
}
