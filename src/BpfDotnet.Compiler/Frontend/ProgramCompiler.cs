using System;
using System.Collections.Generic;
using System.Threading;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Compiles one <c>[BpfProgram]</c> method: checks the subset, lowers the method's control-flow
    /// graph to IR, optimises, selects instructions and allocates registers.
    /// </summary>
    public static class ProgramCompiler
    {
        /// <summary>Compiles <paramref name="method"/>; never throws for bad input.</summary>
        public static MethodCompilation Compile(IMethodSymbol method, SemanticModel model, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            try
            {
                return CompileCore(method, model, diagnostics, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception ex)
            {
                var location = method.Locations.Length > 0 ? method.Locations[0] : null;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, ex.GetType().Name + ": " + ex.Message));
                return new MethodCompilation(null, EquatableArray<string>.Empty, diagnostics.ToEquatableArray());
            }
        }

        private static MethodCompilation CompileCore(IMethodSymbol method, SemanticModel model, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            throw new NotImplementedException("code generation is not implemented yet");
        }
    }
}
