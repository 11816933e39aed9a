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
using Microsoft.CodeAnalysis.Text;

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
            // Tracing programs (tp_btf, fentry, fexit, fmod_ret, LSM, raw tracepoints) may take the traced function's
            // arguments as parameters, each read from the context's array of 64-bit values.
            bool typedArguments = kind is { } k && k.Type is KernelModel.ProgramType.Tracing or KernelModel.ProgramType.Lsm
                    or KernelModel.ProgramType.RawTracepoint or KernelModel.ProgramType.RawTracepointWritable
                && !k.Prefix.StartsWith("iter", StringComparison.Ordinal) && TakesArguments(method);
            IParameterSymbol? contextParameter = null;
            var signature = typedArguments ? ArgumentsSignature(method, nameLocation, diagnostics) : CheckSignature(method, nameLocation, diagnostics, out contextParameter);
            var unproven = new UnprovenLoops();
            SubsetChecker.Check(declaration, model, diagnostics, cancellationToken, unproven);
            if (diagnostics.Count > 0 || signature is null || section is null || kind is null)
            {
                unproven.Refuse(0, diagnostics);
                if (signature is not null && kind is not null) FurtherDiagnostics(method, model, declaration, contextParameter, typedArguments, kind.Value, diagnostics, cancellationToken);
                return Failed();
            }

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
            // Loops whose walk would pass the verifier's budget run through bpf_loop: found by building once, then built again
            // with those loops outlined (and again for loops inside them that are still too costly).
            var runOnce = new List<StatementSyntax>();
            Build build;
            for (int round = 0; ; round++)
            {
                var attempt = Build.Run(method, model, declaration, body, contextParameter, typedArguments, kind.Value, globals, runOnce, unproven, diagnostics, cancellationToken);
                if (attempt is null) return Failed();
                var over = attempt.CostlyLoops(model.Compilation, cancellationToken);
                if (over.Count == 0)
                {
                    build = attempt;
                    break;
                }
                bool added = false, refused = false;
                foreach (var costly in over)
                {
                    var loop = costly.Statement;
                    if (loop is null)
                    {
                        diagnostics.Add(VerifierCost.Refusal(nameLocation ?? Location.None, costly.Cost, "its place in the source is not known"));
                        continue;
                    }
                    if (!costly.Certain)
                    {
                        // The states a splitting loop leaves apart stay apart in bpf_loop's callback too.
                        diagnostics.Add(VerifierCost.Refusal(loop, costly.Cost, "its callback's states would not merge either; lower the bound"));
                        refused = true;
                        continue;
                    }
                    string? why = round >= 3 ? "loops nest too deep"
                        : runOnce.Contains(loop) ? "one walk of its body is itself too costly"
                        : loop.SyntaxTree != declaration.SyntaxTree || !declaration.Span.Contains(loop.Span) ? VerifierCost.InCalledMethod(loop)
                        : null;
                    if (why is null && (attempt.Lowering.Counted(loop, "_", out why) is not null || attempt.CountedInIr.ContainsKey(loop)))
                    {
                        runOnce.Add(loop);
                        added = true;
                        continue;
                    }
                    diagnostics.Add(VerifierCost.Refusal(loop, costly.Cost, why!));
                    refused = true;
                }
                if (refused || diagnostics.Count > 0) return Failed();
                if (!added)
                {
                    build = attempt;
                    break;
                }
            }
            var lowering = build.Lowering;
            var machine = build.Machine;
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
                CoreAccesses = machine.CoreAccesses.ToEquatableArray(),
                Subprograms = subprograms.Functions.ToEquatableArray(),
            };
            return new MethodCompilation(compiled, lowering.MapsUsed.ToEquatableArray(), EquatableArray<DiagnosticInfo>.Empty)
            {
                Globals = globals,
                Strings = subprograms.Strings.ToEquatableArray(),
            };
        }

        /// <summary>
        /// With the subset's diagnostics found, what the rest of the compiler finds in the method too (an index not proven,
        /// a division not guarded, a call that cannot run), so that no mistake waits for another to be fixed before it is
        /// said. What lowering says of code the subset's diagnostics cover (their statements, and the statements that use a
        /// variable declared in one) follows from those and is left out; so is everything, if lowering cannot go on.
        /// </summary>
        private static void FurtherDiagnostics(IMethodSymbol method, SemanticModel model, MethodDeclarationSyntax declaration, IParameterSymbol? contextParameter,
            bool typedArguments, KernelModel.ProgramKind kind, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            if (model.GetOperation(declaration, cancellationToken) is not IMethodBodyOperation body || body.Descendants().Any(o => o is IInvalidOperation)
                || model.GetDiagnostics(declaration.Span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error)) return;
            var tree = declaration.SyntaxTree;
            var covered = new List<TextSpan>();
            var tainted = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var said in diagnostics)
            {
                if (said.Location is not { } at || at.FilePath != tree.FilePath || !declaration.Span.Contains(at.Span)) continue;
                var statement = declaration.FindNode(at.Span, getInnermostNodeForTie: true).AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault(s => s.Parent is BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax) ?? (SyntaxNode)declaration;
                // A loop refused is said on its keyword: what its body holds is still said.
                covered.Add(said.Id == DiagnosticDescriptors.UnboundedLoop.Id ? at.Span : statement.Span);
                foreach (var variable in statement.DescendantNodesAndSelf().OfType<VariableDeclaratorSyntax>())
                {
                    if (model.GetDeclaredSymbol(variable, cancellationToken) is { } local) tainted.Add(local);
                }
            }
            var more = new List<DiagnosticInfo>();
            try
            {
                var globals = GlobalLayout.For(method.ContainingType, model.Compilation, cancellationToken);
                Build.Run(method, model, declaration, body, contextParameter, typedArguments, kind, globals, new List<StatementSyntax>(), new UnprovenLoops(), more, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Lowering code the subset refuses may not get far; what the subset said stands.
                return;
            }
            foreach (var found in more)
            {
                if (found.Location is not { } at || at.FilePath != tree.FilePath || covered.Any(c => c.OverlapsWith(at.Span) || c.Contains(at.Span))) continue;
                var node = tree.GetRoot(cancellationToken).FindNode(at.Span, getInnermostNodeForTie: true);
                var statement = node.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault() ?? node;
                bool usesTainted = statement.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                    .Any(id => model.GetSymbolInfo(id, cancellationToken).Symbol is { } symbol && tainted.Contains(symbol));
                if (!usesTainted && !diagnostics.Contains(found)) diagnostics.Add(found);
            }
        }

        private const int MaxStack = 512;

        /// <summary>A program lowered, its loops to run through bpf_loop outlined into callbacks, and its code generated.</summary>
        private sealed class Build
        {
            private Build(Lowering lowering, MachineFunction machine, List<IrFunction> functions, List<string> names, List<MachineFunction> machines,
                Dictionary<StatementSyntax, CountedLoop> countedInIr)
            {
                CountedInIr = countedInIr;
                Machines = machines;
                Lowering = lowering;
                Machine = machine;
                Functions = functions;
                Names = names;
            }

            public Lowering Lowering { get; }
            public MachineFunction Machine { get; }

            /// <summary>The loops bpf_loop can run as the IR's facts count them, taken before any was outlined (see <see cref="Lowering.CountedInIr"/>).</summary>
            public Dictionary<StatementSyntax, CountedLoop> CountedInIr { get; }
            /// <summary>The program's IR and its callbacks', as generated (for the verifier-cost estimate).</summary>
            public List<IrFunction> Functions { get; }

            /// <summary>The code generated for each of <see cref="Functions"/>.</summary>
            public List<MachineFunction> Machines { get; }

            /// <summary>The names of <see cref="Functions"/> (the program's, then its callbacks').</summary>
            public List<string> Names { get; }

            /// <summary>
            /// The outermost loops whose walk passes a verifier limit, in the program and its callbacks (each callback's
            /// walk counted where the program passes it to bpf_loop, each subprogram's at each call).
            /// </summary>
            public List<CostlyLoop> CostlyLoops(Compilation compilation, CancellationToken cancellationToken)
            {
                var costly = new List<CostlyLoop>();
                var costs = new Dictionary<string, WalkCost>(Lowering.Subprograms.Costs, StringComparer.Ordinal);
                // Callbacks made later sit inside earlier ones: their costs are known before their callers'.
                for (int i = Functions.Count - 1; i >= 0; i--)
                {
                    costs[Names[i]] = VerifierCost.Of(Functions[i], Machines[i].BlockSizes, name => costs.TryGetValue(name, out var cost) ? cost : null, compilation, costly, cancellationToken);
                }
                return costly;
            }

            public static Build? Run(IMethodSymbol method, SemanticModel model, MethodDeclarationSyntax declaration, IMethodBodyOperation body, IParameterSymbol? contextParameter,
                bool typedArguments, KernelModel.ProgramKind kind, EquatableArray<GlobalVariable> globals, List<StatementSyntax> runOnce, UnprovenLoops unproven, List<DiagnosticInfo> diagnostics,
                CancellationToken cancellationToken)
            {
                var lowering = new Lowering(model, contextParameter, method.ContainingType, globals, diagnostics, cancellationToken);
                lowering.Subprograms.UnprovenLoops.AddRange(unproven);
                Build? Fail()
                {
                    // Nothing compiled proves the loops still waiting: they are refused as the syntax shows them.
                    lowering.Subprograms.UnprovenLoops.Refuse(0, diagnostics);
                    return null;
                }
                lowering.Subprograms.FirstReadableContextOffset = kind.ContextStart;
                lowering.Subprograms.ProgramType = kind.Type;
                lowering.Subprograms.Packet = kind.Packet;
                lowering.Subprograms.AttachType = kind.ExpectedAttach;
                lowering.Subprograms.ProgramName = method.Name;
                lowering.Subprograms.IsUsdt = kind.Prefix.StartsWith("usdt", System.StringComparison.Ordinal);
                lowering.Subprograms.GplCompatible = Licenses.IsGplCompatible(Licenses.Of(method.ContainingType));
                if (typedArguments) lowering.ReceiveTracedArguments(method);
                lowering.Lower(body);
                Facts.Obligations.Settle(lowering.Function, diagnostics);
                if (diagnostics.Count > 0) return Fail();

                // Each loop's counter as the function has it before any is outlined; then outer loops first: a loop inside
                // one already outlined is found in that loop's callback.
                var functions = new List<IrFunction> { lowering.Function };
                var names = new List<string> { method.Name };
                var inIr = lowering.CountedInIr();
                var loops = runOnce.OrderBy(l => l.SpanStart).Select((loop, k) =>
                {
                    string name = method.ContainingType.Name + "_" + method.Name + "_loop" + (k + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var counted = lowering.Counted(loop, name, out string why) ?? (inIr.TryGetValue(loop, out var found) ? found with { Name = name } : null);
                    return (Loop: loop, Name: name, Counted: counted, Why: why);
                }).ToList();
                foreach (var (loop, name, counted, whyNot) in loops)
                {
                    string why = whyNot;
                    IrFunction? callback = null;
                    for (int i = 0; counted is not null && callback is null && i < functions.Count; i++)
                    {
                        callback = LoopOutlining.Run(functions[i], counted, out why);
                    }
                    if (callback is null)
                    {
                        diagnostics.Add(VerifierCost.Refusal(loop, "the verifier could not walk it", why));
                        return Fail();
                    }
                    functions.Add(callback);
                    names.Add(name);
                }

                // Callbacks made later sit inside earlier ones: generated first, so that their callers know their frames.
                var cpu = TargetCpu.Of(declaration.SyntaxTree);
                var start = StartPosition(declaration, cancellationToken);
                var subprograms = lowering.Subprograms;
                var machines = new MachineFunction[functions.Count];
                for (int i = functions.Count - 1; i >= 1; i--)
                {
                    var machine = Generate(functions[i], start, diagnostics, cpu);
                    if (machine is null) return Fail();
                    machines[i] = machine;
                    var signature = new FunctionSignature(IntType.Long, new[]
                    {
                        new FunctionParameter("index", IntType.UInt),
                        new FunctionParameter("state", new PointerType(IntType.Byte)),
                    }.ToEquatableArray());
                    subprograms.Functions.Add(new CompiledFunction(names[i], ".text", machine.Code.ToEquatableArray(), machine.Relocations.ToEquatableArray(),
                        machine.Lines.ToEquatableArray(), signature, machine.StackDepth)
                    {
                        Calls = machine.Calls.ToEquatableArray(),
                        CoreAccesses = machine.CoreAccesses.ToEquatableArray(),
                    });
                    int deepest = 0;
                    foreach (var call in machine.Calls) deepest = Math.Max(deepest, subprograms.ChainDepth.TryGetValue(call.Callee, out int d) ? d : 0);
                    subprograms.ChainDepth[names[i]] = SubprogramSet.RoundFrame(machine.StackDepth) + deepest;
                }
                var program = Generate(lowering.Function, start, diagnostics, cpu);
                if (program is null) return Fail();
                machines[0] = program;
                if (!subprograms.UnprovenLoops.Settle(0, functions, diagnostics, cancellationToken)) return null;
                return new Build(lowering, program, functions, names, machines.ToList(), inIr);
            }
        }

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
            // After the threading that splits a packet reference's null test by path, the facts see each bound on its own path.
            if (PacketBoundsFolding.Run(function)) JumpThreading.Run(function);
            int errorsBefore = diagnostics.Count;
            NullCheckVerifier.Run(function, diagnostics);
            ContextReferenceVerifier.Run(function, diagnostics);
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

        /// <summary>True when the method's parameters are values (integers, bools, enums, pointers), not one context by reference.</summary>
        private static bool TakesArguments(IMethodSymbol method)
            => method.Parameters.Length > 0 && method.Parameters.All(p => p.RefKind == RefKind.None);

        /// <summary>The most arguments a traced function passes (<c>MAX_BPF_FUNC_ARGS</c>).</summary>
        private const int MaxTracedArguments = 12;

        /// <summary>
        /// The signature of a tracing program that takes the traced function's arguments as parameters: each an integer,
        /// bool, enum or pointer; the program itself receives the context (the arguments' array) as C's <c>BPF_PROG</c> does.
        /// </summary>
        private static FunctionSignature? ArgumentsSignature(IMethodSymbol method, Location? location, List<DiagnosticInfo> diagnostics)
        {
            string? problem = null;
            if (!method.IsStatic) problem = "it is not static";
            else if (method.IsGenericMethod) problem = "it is generic";
            else if (method.Parameters.Length > MaxTracedArguments) problem = "it takes more than " + MaxTracedArguments + " arguments (a traced function passes at most that many)";
            else if (method.ReturnsVoid || ReturnTypeOf(method.ReturnType) is null)
                problem = "it does not return int, uint, long or ulong";
            foreach (var p in method.Parameters)
            {
                if (problem is not null) break;
                bool scalar = p.Type is IPointerTypeSymbol || p.Type.TypeKind == TypeKind.Enum || p.Type.SpecialType is SpecialType.System_Boolean
                    or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32
                    or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64;
                if (!scalar) problem = "the argument '" + p.Name + "' is a " + p.Type.ToDisplayString() + " (a traced function's arguments are integers, bools, enums and pointers)";
            }
            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidProgramSignature, location, method.Name, problem));
                return null;
            }
            return new FunctionSignature(ReturnTypeOf(method.ReturnType)!, new[] { new FunctionParameter("ctx", new PointerType(IntType.ULong)) }.ToEquatableArray());
        }

        /// <summary>The integer a program returns in R0 for a C# return type of int, uint, long or ulong; null for another.</summary>
        private static IntType? ReturnTypeOf(ITypeSymbol type) => type.SpecialType switch
        {
            SpecialType.System_Int32 => IntType.Int,
            SpecialType.System_UInt32 => IntType.UInt,
            SpecialType.System_Int64 => IntType.Long,
            SpecialType.System_UInt64 => IntType.ULong,
            _ => null,
        };

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
                returnType = ReturnTypeOf(returned);
                if (returnType is null) problem = "it returns " + method.ReturnType.ToDisplayString();
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
