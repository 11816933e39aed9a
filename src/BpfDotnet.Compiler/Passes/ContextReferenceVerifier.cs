using System.Collections.Generic;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Facts;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Proves that the program's context is read and written only as the kernel verifier allows: in place, at a constant
    /// offset from the context pointer itself. A reference into the context (a ref local, a ref argument or return, an
    /// out argument, a conditional ref) becomes a pointer the verifier calls modified: reading or writing through it,
    /// handing it to a helper or a called method, or an atomic operation on the context is refused at load. Reads the
    /// facts of <see cref="ValueFacts.SolveWithContext"/> once the optimisations have folded what they can into constant
    /// offsets, and reports BPF0008 on each statement that still does one of those.
    /// </summary>
    internal static class ContextReferenceVerifier
    {
        /// <summary>
        /// True when the call hands a moved context pointer where the callee reads or writes through it: any argument of a
        /// method compiled on its own, any argument of a helper but the address a probe read copies from (an address it
        /// checks itself, which may be anything).
        /// </summary>
        private static bool HandsOnMoved(IrInstruction call, List<int> args, System.Func<int, bool> moved)
        {
            bool probeRead = call.Callee is null && call.Helper is (int)KernelModel.HelperId.ProbeReadKernel or (int)KernelModel.HelperId.ProbeReadUser
                or (int)KernelModel.HelperId.ProbeReadKernelStr or (int)KernelModel.HelperId.ProbeReadUserStr;
            for (int i = 0; i < args.Count; i++)
            {
                if (moved(args[i]) && !(probeRead && i == 2)) return true;
            }
            return false;
        }

        public static void Run(IrFunction function, List<DiagnosticInfo> diagnostics)
        {
            if (function.ContextParameters.Count == 0) return;
            var reported = new HashSet<SourcePosition>();
            ValueFacts.SolveWithContext(function).Walk((_, _, ins, state) =>
            {
                bool Moved(int register) => register >= 0 && state[register] is { Kind: ValueKind.Context } f && (f.Low != 0 || f.High != 0);
                bool Context(int register) => register >= 0 && state[register].Kind == ValueKind.Context;
                string? what = ins.Op switch
                {
                    IrOp.Atomic when Context(ins.Addr.BaseReg) => "an atomic operation on the program's context (the verifier allows none)",
                    IrOp.Load or IrOp.Store or IrOp.Atomic when Moved(ins.Addr.BaseReg) => "reading or writing the program's context through a reference to one of its fields",
                    IrOp.Call when ins.Args is { } args && HandsOnMoved(ins, args, Moved) => ins.Callee is null
                        ? "handing a helper a reference to a field of the program's context"
                        : "passing a reference to a field of the program's context to a method compiled on its own",
                    IrOp.Return when Moved(ins.A) => "returning a reference to a field of the program's context",
                    _ => null,
                };
                if (what is null || ins.Position is null || !reported.Add(ins.Position)) return;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, ins.Position.Location,
                    "In '" + ins.Position.Code + "', " + what + "; the verifier lets a program read and write its context only in place, at a constant offset"
                    + " (copy the field into a local, use the local, and assign the field back),"));
            });
        }
    }
}
