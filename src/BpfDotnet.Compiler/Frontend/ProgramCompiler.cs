using System;
using System.Collections.Generic;
using System.Threading;
using System.Linq;
using BpfDotnet.Compiler.Backend;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Passes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
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
            var declaration = method.DeclaringSyntaxReferences.Length > 0 ? method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) as MethodDeclarationSyntax : null;
            var nameLocation = method.Locations.Length > 0 ? method.Locations[0] : null;
            MethodCompilation Failed() => new MethodCompilation(null, EquatableArray<string>.Empty, diagnostics.ToEquatableArray());
            if (declaration is null || (declaration.Body is null && declaration.ExpressionBody is null))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidProgramSignature, nameLocation, method.Name, "it needs a body"));
                return Failed();
            }

            string? section = SectionOf(method);
            var kind = section is null ? null : KernelModel.ProgramKinds.Find(section);
            if (section is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingAttachPoint, nameLocation, method.Name));
            }
            else if (kind is null)
            {
                // The loader (and libbpf) would not know what kind of program the section holds.
                var attribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypes.SectionAttribute)?.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, attribute?.GetLocation() ?? nameLocation,
                    "The section name '" + section + "', which names no program kind (known prefixes: " + KernelModel.ProgramKinds.KnownPrefixes + "),"));
            }
            var signature = CheckSignature(method, nameLocation, diagnostics, out var contextParameter);
            SubsetChecker.Check(declaration, model, diagnostics, cancellationToken);
            if (diagnostics.Count > 0 || signature is null || section is null || kind is null) return Failed();

            if (model.GetOperation(declaration, cancellationToken) is not IMethodBodyOperation body)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, nameLocation, "A method body that does not bind"));
                return Failed();
            }
            if (body.Descendants().Any(o => o is IInvalidOperation) || model.GetDiagnostics(declaration.Span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                // C# errors come first; the user sees those from the C# compiler.
                return Failed();
            }

            var globals = GlobalLayout.For(method.ContainingType, model.Compilation, cancellationToken);
            var lowering = new Lowering(model, contextParameter, method.ContainingType, globals, diagnostics, cancellationToken);
            lowering.Subprograms.FirstReadableContextOffset = kind.Value.ContextStart;
            lowering.Subprograms.ProgramType = kind.Value.Type;
            lowering.Subprograms.ProgramName = method.Name;
            lowering.Subprograms.GplCompatible = Licenses.IsGplCompatible(Licenses.Of(method.ContainingType));
            lowering.Lower(body);
            Facts.Obligations.Settle(lowering.Function, diagnostics);
            if (diagnostics.Count > 0) return Failed();

            var machine = Generate(lowering.Function, StartPosition(declaration, cancellationToken), diagnostics, TargetCpu.Of(declaration.SyntaxTree));
            if (machine is null) return Failed();
            VerifierCost.Check(lowering.Function, declaration, model, diagnostics, cancellationToken);
            if (diagnostics.Count > 0) return Failed();
            var subprograms = lowering.Subprograms;
            int chain = SubprogramSet.RoundFrame(machine.StackDepth);
            int deepestCallee = 0;
            foreach (var call in machine.Calls) deepestCallee = Math.Max(deepestCallee, subprograms.ChainDepth[call.Callee]);
            if (machine.StackDepth > MaxStack || (deepestCallee > 0 && chain + deepestCallee > MaxStack))
            {
                var function = lowering.Function;
                var largest = function.Slots.OrderByDescending(s => s.Size).ThenBy(s => s.Id).Take(3).Select(s => s.Owner + " (" + s.Size + " bytes)");
                string depth = deepestCallee > 0
                    ? (chain + deepestCallee).ToString(System.Globalization.CultureInfo.InvariantCulture) + " with the frames of the methods it calls"
                    : machine.StackDepth.ToString(System.Globalization.CultureInfo.InvariantCulture);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StackTooLarge, nameLocation, method.Name, depth, string.Join(", ", largest)));
                return Failed();
            }

            var compiled = new CompiledFunction(
                method.Name,
                section,
                machine.Code.ToEquatableArray(),
                machine.Relocations.ToEquatableArray(),
                machine.Lines.ToEquatableArray(),
                signature,
                machine.StackDepth)
            {
                Calls = machine.Calls.ToEquatableArray(),
                Subprograms = subprograms.Functions.ToEquatableArray(),
            };
            return new MethodCompilation(compiled, lowering.MapsUsed.ToEquatableArray(), EquatableArray<DiagnosticInfo>.Empty)
            {
                Globals = globals,
                Strings = subprograms.Strings.ToEquatableArray(),
            };
        }

        private const int MaxStack = 512;

        /// <summary>Optimises a lowered function and generates its code; null (with diagnostics) when it cannot be compiled.</summary>
        internal static MachineFunction? Generate(IrFunction function, SourcePosition start, List<DiagnosticInfo> diagnostics, BpfCpu cpu)
        {
            LoopUnrolling.Run(function);
            ConstantPropagation.Run(function);
            AddressFolding.Run(function);
            RedundantExtensions.Run(function);
            if (cpu >= BpfCpu.V3) NarrowBranches.Run(function);
            DeadCodeElimination.Run(function);
            CopyCoalescing.Run(function);
            DeadStoreElimination.Run(function);
            ReturnMerging.Run(function);
            JumpThreading.Run(function);
            LoopRotation.Run(function);
            if (BranchFolding.Run(function)) JumpThreading.Run(function);
            int errorsBefore = diagnostics.Count;
            NullCheckVerifier.Run(function, diagnostics);
            if (diagnostics.Count > errorsBefore) return null;

            var liveness = Liveness.Compute(function);
            var locations = RegisterAllocator.Allocate(function, liveness);
            return CodeGenerator.Generate(function, liveness.Order, locations, start, cpu);
        }

        internal static SourcePosition StartPosition(MethodDeclarationSyntax declaration, CancellationToken cancellationToken)
        {
            var location = declaration.Identifier.GetLocation();
            var span = location.GetLineSpan();
            var text = declaration.SyntaxTree.GetText(cancellationToken);
            int line = span.StartLinePosition.Line;
            string file = System.IO.Path.GetFileName(declaration.SyntaxTree.FilePath);
            if (string.IsNullOrEmpty(file)) file = "probe.cs";
            return new SourcePosition(file, line + 1, span.StartLinePosition.Character + 1, text.Lines[line].ToString().Trim(), location);
        }

        /// <summary>The ELF section of a program, from its attach attribute.</summary>
        public static string? SectionOf(IMethodSymbol method)
        {
            foreach (var attribute in method.GetAttributes())
            {
                string? name = attribute.AttributeClass?.ToDisplayString();
                if (name == KnownTypes.TracepointAttribute && attribute.ConstructorArguments.Length == 2
                    && attribute.ConstructorArguments[0].Value is string category && attribute.ConstructorArguments[1].Value is string tracepoint
                    && category.Length > 0 && tracepoint.Length > 0)
                {
                    return "tracepoint/" + category + "/" + tracepoint;
                }
                if (name == KnownTypes.KprobeAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string kernelFunction
                    && kernelFunction.Length > 0)
                {
                    bool isReturn = attribute.NamedArguments.Any(n => n.Key == "Return" && n.Value.Value is true);
                    return (isReturn ? "kretprobe/" : "kprobe/") + kernelFunction;
                }
                if (name is KnownTypes.UprobeAttribute or KnownTypes.UretprobeAttribute && attribute.ConstructorArguments.Length == 2
                    && attribute.ConstructorArguments[0].Value is string binary && attribute.ConstructorArguments[1].Value is string function
                    && binary.Length > 0 && function.Length > 0)
                {
                    // libbpf's convention: uprobe/<binary>:<function>[+<offset>].
                    ulong offset = 0;
                    foreach (var named in attribute.NamedArguments)
                    {
                        if (named.Key == "Offset" && named.Value.Value is ulong o) offset = o;
                    }
                    return (name == KnownTypes.UprobeAttribute ? "uprobe/" : "uretprobe/") + binary + ":" + function
                        + (offset == 0 ? "" : "+" + offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                if (name == KnownTypes.SectionAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string section && section.Length > 0)
                {
                    return section;
                }
            }
            return null;
        }

        private static FunctionSignature? CheckSignature(IMethodSymbol method, Location? location, List<DiagnosticInfo> diagnostics, out IParameterSymbol? contextParameter)
        {
            contextParameter = null;
            string? problem = null;
            BpfType? returnType = null;
            if (!method.IsStatic) problem = "it is not static";
            else if (method.IsGenericMethod) problem = "it is generic";
            else if (method.IsAsync) problem = "it is async";
            else if (method.ReturnsByRef || method.ReturnsByRefReadonly) problem = "it returns by reference";
            else if (!method.ReturnsVoid)
            {
                // An enum return (XdpAction, say) is its underlying integer.
                var returned = method.ReturnType is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } ? underlying : method.ReturnType;
                switch (returned.SpecialType)
                {
                    case SpecialType.System_Int32: returnType = IntType.Int; break;
                    case SpecialType.System_UInt32: returnType = IntType.UInt; break;
                    case SpecialType.System_Int64: returnType = IntType.Long; break;
                    case SpecialType.System_UInt64: returnType = IntType.ULong; break;
                    default: problem = "it returns " + method.ReturnType.ToDisplayString(); break;
                }
            }
            var parameters = new List<FunctionParameter>();
            if (problem is null)
            {
                if (method.Parameters.Length > 1) problem = "it takes more than one parameter";
                else if (method.Parameters.Length == 1)
                {
                    var p = method.Parameters[0];
                    if (p.RefKind != RefKind.Ref && p.RefKind != RefKind.In && p.RefKind != RefKind.RefReadOnlyParameter)
                    {
                        problem = "the context parameter '" + p.Name + "' must be passed by 'ref' or 'in'";
                    }
                    else if (p.Type.TypeKind != TypeKind.Struct || TypeLayout.TryGet(p.Type, out _) is not StructType layout)
                    {
                        problem = "the context parameter '" + p.Name + "' must be an unmanaged struct";
                    }
                    else
                    {
                        contextParameter = p;
                        parameters.Add(new FunctionParameter(p.Name, new PointerType(layout)));
                    }
                }
            }
            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidProgramSignature, location, method.Name, problem));
                return null;
            }
            return new FunctionSignature(returnType ?? IntType.Int, parameters.ToEquatableArray());
        }
    }
}
