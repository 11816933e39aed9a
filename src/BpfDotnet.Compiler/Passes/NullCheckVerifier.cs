using System.Collections.Generic;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Facts;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Proves that every map value pointer is tested against null before it is dereferenced or offset, as the kernel
    /// verifier demands; reports BPF0015 where it is not. Reads the facts of <see cref="ValueFacts"/>: a lookup's result
    /// may be null until a test of it, or of a copy of it, says otherwise.
    /// </summary>
    internal static class NullCheckVerifier
    {
        public static void Run(IrFunction function, List<DiagnosticInfo> diagnostics)
        {
            var reported = new HashSet<SourcePosition>();
            ValueFacts.Solve(function).Walk((_, _, ins, state) =>
            {
                // A path where the reference is null for certain (jump threading may split the paths of a missing test) is as bad.
                bool IsOrNull(int register) => register >= 0 && state[register].Kind is ValueKind.MapValueOrNull or ValueKind.PacketOrNull;
                bool Dereferenced(int register) => register >= 0 && (IsOrNull(register) || (state[register].IsNull && !function.Parameters.Contains(register)));
                bool Stale(int register) => register >= 0 && state[register].Kind == ValueKind.StalePacket;
                bool stale = ins.Op switch
                {
                    IrOp.Load or IrOp.Store or IrOp.Atomic => Stale(ins.Addr.BaseReg),
                    IrOp.Alu => Stale(ins.A) || Stale(ins.B),
                    IrOp.Call => ins.Args is { } used && used.Exists(Stale),
                    _ => false,
                };
                if (stale && ins.Position is not null && reported.Add(ins.Position))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, ins.Position.Location,
                        "Using a packet reference taken before a helper changed the packet ('" + ins.Position.Code + "'; the verifier forgets every packet reference at such a call: take it again after the call),"));
                    return;
                }
                bool bad = ins.Op switch
                {
                    IrOp.Load or IrOp.Store or IrOp.Atomic => Dereferenced(ins.Addr.BaseReg),
                    IrOp.Alu => IsOrNull(ins.A) || IsOrNull(ins.B),
                    IrOp.Neg or IrOp.Extend => IsOrNull(ins.A),
                    // A helper takes no pointer that may be null (a map, a key, a record): the verifier wants it tested.
                    IrOp.Call => ins.Args is { } args && args.Exists(IsOrNull),
                    _ => false,
                };
                if (bad && ins.Position is not null && reported.Add(ins.Position))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MaybeNullMapValue, ins.Position.Location, ins.Position.Code));
                }
            });
        }
    }
}
