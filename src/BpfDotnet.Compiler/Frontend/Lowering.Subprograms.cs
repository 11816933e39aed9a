using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// BPF-to-BPF calls. A call to a user method marked <c>[MethodImpl(MethodImplOptions.NoInlining)]</c>, or
    /// to one too large to inline, stays a call: the callee is compiled once as a subprogram (static linkage,
    /// placed in <c>.text</c>) whose arguments arrive in R1–R5. Scalars pass by value; <c>ref</c>, <c>out</c>,
    /// <c>in</c> and struct arguments pass a pointer (a struct passed by value is copied to the caller's stack
    /// first, so the callee works on its own copy as C# requires). A span passes a pointer to its first element; its
    /// length stays a constant in the callee, which is compiled once for each set of span lengths it is called with.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>Operations in a callee above which it is called rather than inlined.</summary>
        public const int MaxInlineOperations = 160;

        /// <summary>Most arguments a BPF-to-BPF call can pass (R1–R5).</summary>
        private const int MaxCallArguments = 5;

        private SubprogramSet? _subprograms;

        /// <summary>The subprograms the lowered function calls, directly or not (shared by a program and its callees).</summary>
        public SubprogramSet Subprograms
        {
            get => _subprograms ??= new SubprogramSet();
            set => _subprograms = value;
        }

        /// <summary>The type of the entry program's context, so that by-reference parameters of that type are read-only in callees.</summary>
        private ITypeSymbol? _contextType;

        /// <summary>True when a call to a user method is kept as a BPF-to-BPF call rather than inlined.</summary>
        private bool KeepsCall(IMethodSymbol method)
        {
            if (method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is not MethodDeclarationSyntax declaration) return false;
            const int NoInlining = 0x08, AggressiveInlining = 0x100;
            foreach (var attribute in method.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != "System.Runtime.CompilerServices.MethodImplAttribute" || attribute.ConstructorArguments.Length != 1) continue;
                int flags = attribute.ConstructorArguments[0].Value is int i ? i : attribute.ConstructorArguments[0].Value is short s ? s : 0;
                if ((flags & NoInlining) != 0) return true;
                if ((flags & AggressiveInlining) != 0) return false;
            }
            // Large callees are called: inlining them at every call site would multiply the verifier's work.
            if (!_operationCounts.TryGetValue(method, out int operations))
            {
                var model = ModelFor(declaration.SyntaxTree);
                operations = model.GetOperation(declaration, _cancellationToken) is IMethodBodyOperation body ? body.Descendants().Count() : 0;
                _operationCounts[method] = operations;
            }
            return operations > MaxInlineOperations && CanCall(method) is null;
        }

        /// <summary>Operations in each callee met so far (a callee is often called from several places).</summary>
        private readonly Dictionary<IMethodSymbol, int> _operationCounts = new Dictionary<IMethodSymbol, int>(SymbolEqualityComparer.Default);

        /// <summary>A struct argument passed by value: copied to a stack slot of the caller, as C# copies it.</summary>
        private (StackSlot Slot, BpfType Layout)? CopyToNewSlot(IParameterSymbol parameter, IArgumentOperation argument)
        {
            var layout = Layout(parameter.Type, argument.Syntax);
            if (layout is null) return null;
            var slot = NewSlot(layout, parameter.Name);
            slot.ZeroAtEntry = HasUnassignedBytes(layout);
            InitializeStruct(Address.OfSlot(slot.Id), layout, argument.Value);
            return (slot, layout);
        }

        /// <summary>Why a method cannot be a BPF-to-BPF subprogram, or null when it can.</summary>
        private static string? CanCall(IMethodSymbol method)
        {
            if (method.Parameters.Length > MaxCallArguments) return "it takes more than " + MaxCallArguments + " parameters (R1–R5)";
            if (method.IsGenericMethod) return "it is generic";
            if (method.Parameters.Any(p => SubsetChecker.IsMapType(p.Type))) return "it takes a map (a map passes only to a method that is inlined: remove [MethodImpl(MethodImplOptions.NoInlining)], or use the map field inside the method)";
            if (method.ReturnsByRef || method.ReturnsByRefReadonly) return "it returns by reference";
            if (!method.ReturnsVoid && !IsScalar(method.ReturnType)) return "it returns " + method.ReturnType.ToDisplayString() + " (a subprogram returns a scalar in R0)";
            return null;
        }

        /// <summary>Lowers a call kept as a BPF-to-BPF call.</summary>
        private Operand CallSubprogram(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (CanCall(method) is string why)
            {
                Unsupported(invocation, "A call kept as a BPF-to-BPF call ([MethodImpl(MethodImplOptions.NoInlining)]) where " + why + ";");
                return Operand.Const(0);
            }
            // Spans: the callee is specialised for the lengths of the spans passed.
            var spanLengths = new int[method.Parameters.Length];
            var spans = new LocalStorage?[method.Parameters.Length];
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                if (!IsSpan(method.Parameters[i].Type)) continue;
                var argument = invocation.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter, method.Parameters[i]));
                if (argument is null || SpanArgument(argument.Value) is not { } span)
                {
                    Unsupported((IOperation?)argument ?? invocation, "Passing a span that is not a span local, a span parameter or a \"...\"u8 literal");
                    return Operand.Const(0);
                }
                spans[i] = span;
                spanLengths[i] = span.SpanLength;
            }
            string? name = Subprograms.Compile(method, spanLengths, invocation.Syntax, _model.Compilation, _probeClass, _globals.Values, _contextType, _diagnostics, _cancellationToken);
            if (name is null) return Operand.Const(0);

            var args = new List<int>();
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var parameter = method.Parameters[i];
                var argument = invocation.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter, parameter));
                if (argument is null)
                {
                    Unsupported(invocation, "A call that leaves out an argument");
                    return Operand.Const(0);
                }
                if (spans[i] is { } span)
                {
                    args.Add(span.Kind == StorageKind.Reference ? span.Reg : PointerOf(Address.OfSlot(span.Slot)));
                }
                else if (PassesByValue(parameter))
                {
                    args.Add(Materialize(Rvalue(argument.Value)));
                }
                else if (parameter.RefKind != RefKind.None)
                {
                    args.Add(PointerOf(AddressOf(argument.Value)));
                }
                else
                {
                    if (CopyToNewSlot(parameter, argument) is not { } copy) return Operand.Const(0);
                    args.Add(PointerOf(Address.OfSlot(copy.Slot.Id)));
                }
            }
            int result = _b.CallSubprogram(name, args);
            return method.ReturnsVoid ? Operand.Const(0) : Operand.InReg(result);
        }

        /// <summary>Scalars by value, and <c>in</c> scalars (read-only, so a copy behaves the same), travel in a register.</summary>
        internal static bool PassesByValue(IParameterSymbol parameter)
            => IsScalar(parameter.Type) && (parameter.RefKind == RefKind.None || parameter.RefKind == RefKind.In || parameter.RefKind == RefKind.RefReadOnlyParameter);

        /// <summary>
        /// A tracing program's parameters as the traced function's arguments (C's <c>BPF_PROG</c>): the program receives
        /// the context, an array of 64-bit values, and each parameter is read from it at entry (its 8 bytes at 8 × its
        /// position, as the verifier lets a tracing program read its context), narrowed to the parameter's type.
        /// </summary>
        public void ReceiveTracedArguments(IMethodSymbol method)
        {
            Function.ContextRegister = Function.NewReg();
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var parameter = method.Parameters[i];
                var type = parameter.Type is IPointerTypeSymbol ? IntType.ULong : Layout(parameter.Type, method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken)) ?? IntType.Long;
                int value = _b.Load(Address.OfReg(Function.ContextRegister, 8 * i), 8);
                if (type.Size < 8 && type is IntType integer)
                {
                    int narrowed = Function.NewReg();
                    _b.Emit(new IrInstruction { Op = IrOp.Extend, Dst = narrowed, A = value, Size = type.Size, Signed = integer.Signed });
                    value = narrowed;
                }
                _parameters[parameter] = new LocalStorage { Kind = StorageKind.Register, Reg = value, Type = type };
            }
        }

        /// <summary>
        /// Lowers the body of a subprogram: each parameter arrives in R1..R5 (a value or a pointer). A span parameter
        /// is a pointer to <paramref name="spanLengths"/>[i] elements.
        /// </summary>
        public void LowerSubprogram(IMethodBodyOperation body, IMethodSymbol method, IReadOnlyList<int> spanLengths, ITypeSymbol? contextType)
        {
            _contextType = contextType;
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var parameter = method.Parameters[i];
                var storage = new LocalStorage { Reg = Function.NewReg() };
                if (spanLengths[i] > 0)
                {
                    var element = Layout(((INamedTypeSymbol)parameter.Type).TypeArguments[0], body.Syntax) ?? IntType.Long;
                    storage.Kind = StorageKind.Reference;
                    storage.Type = new ArrayType(element, spanLengths[i]);
                    storage.SpanLength = spanLengths[i];
                }
                else if (PassesByValue(parameter))
                {
                    storage.Kind = StorageKind.Register;
                    storage.Type = Layout(parameter.Type, body.Syntax) ?? IntType.Long;
                }
                else
                {
                    storage.Kind = StorageKind.Reference;
                    storage.Type = Layout(parameter.Type, body.Syntax) ?? IntType.Long;
                    storage.AliasesContext = parameter.RefKind != RefKind.None && contextType is not null
                        && SymbolEqualityComparer.Default.Equals(parameter.Type, contextType);
                }
                Function.Parameters.Add(storage.Reg);
                if (storage.AliasesContext) Function.ContextParameters.Add(storage.Reg);
                _parameters[parameter] = storage;
            }
            Lower(body);
        }
    }

    /// <summary>
    /// The subprograms one program calls, each compiled once, with the stack each needs including its callees.
    /// </summary>
    internal sealed class SubprogramSet
    {
        // Compiled and failed subprograms by symbol name (a method with span parameters has one per set of span lengths).
        private readonly HashSet<string> _compiled = new HashSet<string>(System.StringComparer.Ordinal);
        private readonly HashSet<string> _failed = new HashSet<string>(System.StringComparer.Ordinal);
        private readonly List<IMethodSymbol> _compiling = new List<IMethodSymbol>();

        /// <summary>Whether the object's license lets the program and its subprograms call GPL-only helpers.</summary>
        public bool GplCompatible { get; set; } = true;

        /// <summary>The kernel's type of the program being compiled, which decides the helpers it may call.</summary>
        public KernelModel.ProgramType ProgramType { get; set; }

        /// <summary>The attach type the program is loaded with (which decides the sock_addr fields it may touch).</summary>
        public KernelModel.AttachType AttachType { get; set; }

        /// <summary>What the program's kind may do with the packet it runs on.</summary>
        public KernelModel.PacketAccess Packet { get; set; }

        /// <summary>The first context offset the program and its subprograms may read (the program kind's <c>ContextStart</c>).</summary>
        public int FirstReadableContextOffset { get; set; }

        /// <summary>The program is a USDT program (a <c>usdt</c> section), which may read its probe's arguments.</summary>
        public bool IsUsdt { get; set; }

        /// <summary>
        /// The name of the program's USDT argument table (<see cref="KernelModel.UsdtSpecTable"/>): a zeroed global in a
        /// section of its own, which the loader fills as it attaches the program; added to <see cref="Strings"/> once.
        /// </summary>
        public string UsdtTable()
        {
            string name = "__usdt_" + ProgramName;
            foreach (var known in Strings) if (known.Name == name) return name;
            int size = KernelModel.UsdtSpecTable.Entries * KernelModel.UsdtSpecTable.EntrySize;
            Strings.Add(new GlobalVariable(name, KernelModel.UsdtSpecTable.SectionPrefix + ProgramName, 0, new ArrayType(IntType.Byte, size), "byte[]",
                new byte[size].ToEquatableArray(), ConstantInitializer: true, PublicType: true));
            return name;
        }

        /// <summary>The program's name, which names its section of constant strings.</summary>
        public string ProgramName { get; set; } = string.Empty;

        /// <summary>
        /// The constant strings the program and its subprograms pass to helpers that read them from a read-only map
        /// (<c>bpf_snprintf</c>'s format): NUL-terminated, in the program's own section, which the loader makes a frozen
        /// read-only map.
        /// </summary>
        public List<GlobalVariable> Strings { get; } = new List<GlobalVariable>();

        /// <summary>The name of the global holding <paramref name="text"/> (NUL-terminated) among <see cref="Strings"/>, added once.</summary>
        public string ConstantString(string text)
        {
            var bytes = new List<byte>(System.Text.Encoding.ASCII.GetBytes(text)) { 0 };
            foreach (var known in Strings)
            {
                if (known.Initial.SequenceEqual(bytes)) return known.Name;
            }
            int offset = 0;
            foreach (var known in Strings) offset += known.Type.Size;
            string name = "__str_" + ProgramName + "_" + Strings.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Strings.Add(new GlobalVariable(name, StringSectionPrefix + ProgramName, offset, new ArrayType(IntType.Byte, bytes.Count), "byte[]",
                bytes.ToEquatableArray(), ConstantInitializer: true, PublicType: true));
            return name;
        }

        /// <summary>The prefix of the sections of constant strings (<c>.rodata.str.</c> and the program's name).</summary>
        public const string StringSectionPrefix = ".rodata.str.";

        /// <summary>Compiled subprograms in the order they were first called.</summary>
        public List<CompiledFunction> Functions { get; } = new List<CompiledFunction>();

        /// <summary>Loops of the program and the methods it calls whose bound the facts are to settle once they are compiled.</summary>
        public UnprovenLoops UnprovenLoops { get; } = new UnprovenLoops();

        /// <summary>What one walk of each compiled subprogram costs the verifier (counted at each call to it).</summary>
        public Dictionary<string, Backend.WalkCost> Costs { get; } = new Dictionary<string, Backend.WalkCost>(System.StringComparer.Ordinal);

        /// <summary>Stack bytes a call to each subprogram adds, its own frame and its deepest chain of callees (32-byte rounded, as the verifier counts).</summary>
        public Dictionary<string, int> ChainDepth { get; } = new Dictionary<string, int>(System.StringComparer.Ordinal);

        /// <summary>
        /// Compiles <paramref name="method"/> for the span lengths <paramref name="spanLengths"/> (0 for a parameter that is
        /// not a span), once; returns its symbol name, or null after reporting why it cannot be compiled.
        /// </summary>
        public string? Compile(IMethodSymbol method, IReadOnlyList<int> spanLengths, SyntaxNode callSite, Compilation compilation, INamedTypeSymbol? probeClass,
            IEnumerable<GlobalVariable> globals, ITypeSymbol? contextType, List<DiagnosticInfo> diagnostics, System.Threading.CancellationToken cancellationToken)
        {
            string name = NameOf(method) + string.Concat(spanLengths.Where(n => n > 0).Select(n => "_s" + n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (_compiled.Contains(name)) return name;
            if (_failed.Contains(name)) return null;
            if (_compiling.Any(m => SymbolEqualityComparer.Default.Equals(m, method)) || _compiling.Count >= 8)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, callSite.GetLocation(),
                    "A recursive call, or calls nested more than 8 deep (the kernel allows 8 frames),"));
                return null;
            }
            var declaration = method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) as MethodDeclarationSyntax;
            if (declaration is null || (declaration.Body is null && declaration.ExpressionBody is null))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedCall, callSite.GetLocation(), method.ToDisplayString()));
                _failed.Add(name);
                return null;
            }
            var model = compilation.GetSemanticModel(declaration.SyntaxTree);
            int errorsBefore = diagnostics.Count;
            int loopsBefore = UnprovenLoops.Count;
            SubsetChecker.Check(declaration, model, diagnostics, cancellationToken, UnprovenLoops);
            if (diagnostics.Count > errorsBefore
                || model.GetOperation(declaration, cancellationToken) is not IMethodBodyOperation body
                || body.Descendants().Any(o => o is IInvalidOperation))
            {
                UnprovenLoops.Refuse(loopsBefore, diagnostics);
                _failed.Add(name);
                return null;
            }

            _compiling.Add(method);
            try
            {
                var lowering = new Lowering(model, null, probeClass, globals, diagnostics, cancellationToken) { Subprograms = this };
                lowering.LowerSubprogram(body, method, spanLengths, contextType);
                Facts.Obligations.Settle(lowering.Function, diagnostics);
                if (diagnostics.Count > errorsBefore)
                {
                    UnprovenLoops.Refuse(loopsBefore, diagnostics);
                    _failed.Add(name);
                    return null;
                }
                var machine = ProgramCompiler.Generate(lowering.Function, ProgramCompiler.StartPosition(declaration, cancellationToken), diagnostics, TargetCpu.Of(declaration.SyntaxTree));
                if (machine is null)
                {
                    UnprovenLoops.Refuse(loopsBefore, diagnostics);
                    _failed.Add(name);
                    return null;
                }
                if (!UnprovenLoops.Settle(loopsBefore, new[] { lowering.Function }, diagnostics, cancellationToken))
                {
                    _failed.Add(name);
                    return null;
                }
                // The verifier walks the whole function at each call: a loop too costly for one walk is refused here.
                var costly = new List<Backend.CostlyLoop>();
                Costs[name] = Backend.VerifierCost.Of(lowering.Function, machine.BlockSizes, n => Costs.TryGetValue(n, out var c) ? c : null, compilation, costly, cancellationToken);
                foreach (var loop in costly)
                {
                    string why = "it is in " + method.Name + ", which is compiled as a function of its own (a BPF-to-BPF call), and only the loops of a program's own body run through bpf_loop";
                    diagnostics.Add(loop.Statement is { } statement ? Backend.VerifierCost.Refusal(statement, loop.Cost, why) : Backend.VerifierCost.Refusal(callSite.GetLocation(), loop.Cost, why));
                }
                if (costly.Count > 0)
                {
                    _failed.Add(name);
                    return null;
                }
                var parameters = new List<FunctionParameter>();
                foreach (var p in method.Parameters)
                {
                    // A span arrives as a pointer to its first element.
                    var type = (Lowering.IsSpan(p.Type) ? TypeLayout.TryGet(((INamedTypeSymbol)p.Type).TypeArguments[0], out _) : TypeLayout.TryGet(p.Type, out _)) ?? IntType.Long;
                    parameters.Add(new FunctionParameter(p.Name, Lowering.PassesByValue(p) ? type : new PointerType(type)));
                }
                BpfType? returnType = method.ReturnsVoid ? null : TypeLayout.TryGet(method.ReturnType, out _);
                var compiled = new CompiledFunction(name, ".text", machine.Code.ToEquatableArray(), machine.Relocations.ToEquatableArray(),
                    machine.Lines.ToEquatableArray(), new FunctionSignature(returnType, parameters.ToEquatableArray()), machine.StackDepth)
                {
                    Calls = machine.Calls.ToEquatableArray(),
                    CoreAccesses = machine.CoreAccesses.ToEquatableArray(),
                };
                var callees = new HashSet<string>(machine.Calls.Select(c => c.Callee), System.StringComparer.Ordinal);
                int deepest = 0;
                foreach (var callee in callees) deepest = System.Math.Max(deepest, ChainDepth.TryGetValue(callee, out int d) ? d : 0);
                ChainDepth[name] = RoundFrame(machine.StackDepth) + deepest;
                _compiled.Add(name);
                Functions.Add(compiled);
                return name;
            }
            finally
            {
                _compiling.RemoveAt(_compiling.Count - 1);
            }
        }

        /// <summary>The verifier rounds each frame up to 32 bytes when it adds up a call chain.</summary>
        public static int RoundFrame(int depth) => (System.Math.Max(depth, 1) + 31) / 32 * 32;

        /// <summary>A symbol name unique in the object: the declaring type and the method, with an ordinal among overloads.</summary>
        private static string NameOf(IMethodSymbol method)
        {
            string name = method.ContainingType.Name + "_" + method.Name;
            var overloads = method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>().ToList();
            if (overloads.Count > 1) name += "_" + overloads.FindIndex(m => SymbolEqualityComparer.Default.Equals(m, method));
            return name;
        }
    }
}
