using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using CfgBlock = Microsoft.CodeAnalysis.FlowAnalysis.BasicBlock;
using IrBlock = BpfDotnet.Compiler.Ir.BasicBlock;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Calls to the user's own static methods are inlined: the callee's control-flow graph is lowered in place,
    /// with its parameters bound to the caller's arguments (by value: a copy; by reference: an alias) and its
    /// returns turned into a jump to the code after the call.
    /// </summary>
    internal sealed partial class Lowering
    {
        private const int MaxInlineDepth = 8;

        /// <summary>Where the returns of the method being inlined go.</summary>
        private sealed class InlineReturn
        {
            public InlineReturn(int result, IrBlock continuation, bool byReference, Address? structResult = null, BpfDotnet.Compiler.Model.BpfType? structLayout = null,
                IReadOnlyList<int>? tupleResults = null)
            {
                Result = result;
                Continuation = continuation;
                ByReference = byReference;
                StructResult = structResult;
                StructLayout = structLayout;
                TupleResults = tupleResults;
            }

            /// <summary>For a method that returns a tuple: the register each element of a returned <c>(a, b)</c> goes to.</summary>
            public IReadOnlyList<int>? TupleResults { get; }

            /// <summary>For a method that returns a struct: the memory each <c>return</c> writes the value to.</summary>
            public Address? StructResult { get; }

            public BpfDotnet.Compiler.Model.BpfType? StructLayout { get; }

            /// <summary>The method returns a reference: the result register holds the address it refers to.</summary>
            public bool ByReference { get; }

            public int Result { get; }
            public IrBlock Continuation { get; }
        }

        private readonly List<IMethodSymbol> _inlineStack = new List<IMethodSymbol>();

        /// <summary>Inside an inlined struct constructor: the memory <c>this</c> refers to.</summary>
        private Address? _thisAddress;

        /// <summary>The control-flow graph being lowered (local functions' graphs hang off it).</summary>
        private ControlFlowGraph? _cfg;
        private readonly HashSet<IMethodSymbol> _checkedCallees = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);

        /// <summary>Returns from the method being lowered: an exit for the program, a jump for an inlined call.</summary>
        private void EmitReturn(Operand? value)
        {
            if (_inlineReturn is { } inline)
            {
                if (value is Operand v && inline.Result >= 0)
                {
                    MoveTo(inline.Result, v);
                }
                _b.Jump(inline.Continuation);
                return;
            }
            if (value is Operand r)
            {
                if (r.IsConst) _b.Return(-1, r.Value);
                else _b.Return(r.Reg, 0);
            }
            else
            {
                _b.Return(-1, 0);
            }
        }

        /// <summary>True for a static method with a body in the user's source.</summary>
        private static bool IsUserMethod(IMethodSymbol method)
            => method.IsStatic && method.MethodKind == MethodKind.Ordinary && !method.IsExtern && !method.IsAbstract
               && method.DeclaringSyntaxReferences.Length > 0;

        /// <summary>
        /// A call to a user method that returns a struct by value: inlined, each <c>return</c> writing the value into a
        /// new stack temporary, whose address this returns.
        /// </summary>
        private Address InlineReturningStruct(IInvocationOperation invocation)
        {
            var layout = Layout(invocation.Type, invocation.Syntax);
            var slot = NewSlot(layout ?? Model.IntType.Long, "result of " + invocation.TargetMethod.Name);
            if (layout is not null) Inline(invocation, Address.OfSlot(slot.Id));
            return Address.OfSlot(slot.Id);
        }

        /// <summary>
        /// A call to a user method that returns a tuple of scalars, for a deconstruction: inlined, each <c>return (a, b)</c>
        /// writing its elements to registers, whose values this returns. Null when the method is not such a method.
        /// </summary>
        private List<Operand>? InlineReturningTuple(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (method.ReturnType is not INamedTypeSymbol { IsTupleType: true } tuple || !tuple.TupleElements.All(e => IsScalar(e.Type)) || !IsUserMethod(method)
                || method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is not MethodDeclarationSyntax declaration
                || (declaration.Body is null && declaration.ExpressionBody is null) || method.IsGenericMethod)
            {
                return null;
            }
            if (RecursesOrTooDeep(method, invocation)) return new List<Operand>(tuple.TupleElements.Select(_ => Operand.Const(0)));
            var registers = tuple.TupleElements.Select(_ => Function.NewReg()).ToList();
            InlineBody(method, declaration, invocation.Arguments, thisAddress: null, byRef: false, tupleResults: registers);
            return registers.Select(Operand.InReg).ToList();
        }

        /// <summary>A returned tuple literal: each element, converted to the method's element type, to its register.</summary>
        private void ReturnTuple(IOperation value, IReadOnlyList<int> registers)
        {
            var literal = Unwrap(value);
            while (literal is IConversionOperation conversion) literal = conversion.Operand;
            if (literal is not ITupleOperation tuple || tuple.Elements.Length != registers.Count || value.Type is not INamedTypeSymbol { IsTupleType: true } type)
            {
                Unsupported(value, "Returning a tuple other than a tuple literal '(a, b)' from a method whose result is deconstructed");
                return;
            }
            var elements = tuple.Elements.Select(Rvalue).ToList();
            for (int i = 0; i < registers.Count; i++)
            {
                var (size, signed) = ScalarInfo(type.TupleElements[i].Type);
                MoveTo(registers[i], NormalizeOperand(elements[i], size, signed));
            }
        }

        private static bool ReturnsStruct(IMethodSymbol method)
            => !method.ReturnsVoid && !method.ReturnsByRef && !method.ReturnsByRefReadonly && method.ReturnType.TypeKind == TypeKind.Struct && !IsScalar(method.ReturnType);

        private Operand Inline(IInvocationOperation invocation, Address? structResult = null)
        {
            if (structResult is null && ReturnsStruct(invocation.TargetMethod))
            {
                // A struct result nobody reads (a call as a statement) still needs somewhere to go.
                InlineReturningStruct(invocation);
                return Operand.Const(0);
            }
            var method = invocation.TargetMethod;
            var declaration = method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) as MethodDeclarationSyntax;
            if (declaration is null || (declaration.Body is null && declaration.ExpressionBody is null))
            {
                Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, method.ToDisplayString());
                return Operand.Const(0);
            }
            if (RecursesOrTooDeep(method, invocation)) return Operand.Const(0);
            bool byRef = method.ReturnsByRef || method.ReturnsByRefReadonly;
            if (method.IsGenericMethod || method.IsAsync || !(method.ReturnsVoid || IsScalar(method.ReturnType) || byRef || structResult is not null))
            {
                Unsupported(invocation, "Calling a method that is generic or async");
                return Operand.Const(0);
            }
            // An instance method of the user's struct: 'this' refers to the receiver, evaluated first as C# does.
            Address? self = method.IsStatic || invocation.Instance is null ? null : AddressOf(invocation.Instance);
            return InlineBody(method, declaration, invocation.Arguments, self, byRef, structResult);
        }

        /// <summary>Reports (and returns true for) a call to a method already being inlined, or nested too deep.</summary>
        private bool RecursesOrTooDeep(IMethodSymbol method, IOperation at)
        {
            if (!_inlineStack.Any(m => SymbolEqualityComparer.Default.Equals(m, method)) && _inlineStack.Count < MaxInlineDepth) return false;
            Unsupported(at, "A recursive call, or calls nested more than " + MaxInlineDepth + " deep,");
            return true;
        }

        /// <summary>True for a property accessor with a body in the user's source.</summary>
        private static bool IsUserAccessor(IMethodSymbol? accessor)
            => accessor is not null && accessor.DeclaringSyntaxReferences.Length > 0 && !accessor.IsAbstract && !accessor.IsExtern;

        /// <summary>
        /// A property of the user's code with accessor bodies: the getter (or, with <paramref name="value"/>, the setter)
        /// is inlined like a method, <c>this</c> bound to the receiver for an instance property.
        /// </summary>
        private Operand InlineAccessor(IPropertyReferenceOperation property, IMethodSymbol accessor, Operand? value)
        {
            var declaration = accessor.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken);
            SyntaxNode? body = declaration switch
            {
                AccessorDeclarationSyntax a => (SyntaxNode?)a.Body ?? a.ExpressionBody,
                ArrowExpressionClauseSyntax arrow => arrow,
                _ => null,
            };
            if (body is null || !(accessor.ReturnsVoid || IsScalar(accessor.ReturnType)) || property.Arguments.Length > 0)
            {
                Unsupported(property, "A property whose accessor has no body here, is an indexer, or returns a struct,");
                return Operand.Const(0);
            }
            if (RecursesOrTooDeep(accessor, property) || PrepareCallee(accessor, declaration, body) is not var (model, root, cfg)) return Operand.Const(0);
            Address? self = accessor.IsStatic || property.Instance is null ? null : AddressOf(property.Instance);
            var bound = new Dictionary<IParameterSymbol, LocalStorage>(SymbolEqualityComparer.Default);
            if (value is Operand v && accessor.Parameters.Length == 1)
            {
                // The setter's implicit 'value'.
                var storage = new LocalStorage { Kind = StorageKind.Register, Reg = Function.NewReg(), Type = Layout(accessor.Parameters[0].Type, property.Syntax) ?? Model.IntType.Long };
                MoveTo(storage.Reg, v);
                bound[accessor.Parameters[0]] = storage;
            }
            return InlineGraph(accessor, root, cfg, model, System.Collections.Immutable.ImmutableArray<IArgumentOperation>.Empty, self, byRef: false, bound);
        }

        /// <summary>
        /// <c>new S(...)</c> with a constructor of the user's struct: the memory is zeroed (C# zeroes what the
        /// constructor leaves unassigned) and the constructor's body is inlined with <c>this</c> bound to it.
        /// </summary>
        private void InlineConstructor(IObjectCreationOperation creation, Address destination, int size)
        {
            var constructor = creation.Constructor!;
            var syntax = constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
            bool initializedFields = constructor.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => !f.IsStatic && HasInitializer(f));
            if (syntax is RecordDeclarationSyntax { ParameterList: not null } && !initializedFields)
            {
                // The primary constructor of a positional record struct: each argument to the property of its name.
                Zero(destination, size);
                foreach (var argument in creation.Arguments)
                {
                    var property = constructor.ContainingType.GetMembers(argument.Parameter?.Name ?? "").OfType<IPropertySymbol>().FirstOrDefault();
                    var backing = property is null ? null : TypeLayout.BackingField(property);
                    if (backing is null || Layout(backing.Type, argument.Syntax) is not { } layout)
                    {
                        Unsupported(argument, "A record parameter without a property of the same name");
                        return;
                    }
                    var field = destination.Plus(FieldOffset(backing, argument.Syntax));
                    if (IsScalar(backing.Type)) StoreOperand(field, layout.Size, Rvalue(argument.Value));
                    else InitializeStruct(field, layout, argument.Value);
                }
                return;
            }
            var declaration = syntax as ConstructorDeclarationSyntax;
            if (declaration is null || (declaration.Body is null && declaration.ExpressionBody is null))
            {
                Report(DiagnosticDescriptors.UnsupportedCall, creation.Syntax, constructor.ToDisplayString());
                return;
            }
            if (declaration.Initializer is not null)
            {
                Unsupported(creation, "A constructor that calls another constructor (': this(...)')");
                return;
            }
            if (initializedFields)
            {
                Unsupported(creation, "A constructor of a struct whose fields have initializers");
                return;
            }
            if (RecursesOrTooDeep(constructor, creation)) return;
            Zero(destination, size);
            InlineBody(constructor, declaration, creation.Arguments, destination, byRef: false);
        }

        /// <summary>True for a field (or an auto-property's hidden field) declared with an initializer.</summary>
        private bool HasInitializer(IFieldSymbol field)
            => field.DeclaringSyntaxReferences.Any(r => r.GetSyntax(_cancellationToken) is VariableDeclaratorSyntax { Initializer: not null })
               || (field.AssociatedSymbol is IPropertySymbol property && property.DeclaringSyntaxReferences.Any(r => r.GetSyntax(_cancellationToken) is PropertyDeclarationSyntax { Initializer: not null }));

        /// <summary>Lowers the body of <paramref name="method"/> in place, its parameters bound to <paramref name="arguments"/>.</summary>
        private Operand InlineBody(IMethodSymbol method, BaseMethodDeclarationSyntax declaration, System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments, Address? thisAddress, bool byRef,
            Address? structResult = null, IReadOnlyList<int>? tupleResults = null)
        {
            if (PrepareCallee(method, declaration, (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody) is not var (model, body, cfg)) return Operand.Const(0);
            return InlineGraph(method, body, cfg, model, arguments, thisAddress, byRef, structResult: structResult, tupleResults: tupleResults);
        }

        /// <summary>
        /// Checks a callee against the subset (once per callee) and builds its control-flow graph; null after a
        /// diagnostic, or when it does not bind.
        /// </summary>
        private (SemanticModel Model, IOperation Root, ControlFlowGraph Graph)? PrepareCallee(IMethodSymbol method, SyntaxNode declaration, SyntaxNode? body)
        {
            var model = ModelFor(declaration.SyntaxTree);
            int errorsBefore = _diagnostics.Count;
            if (_checkedCallees.Add(method))
            {
                if (declaration is BaseMethodDeclarationSyntax whole) SubsetChecker.Check(whole, model, _diagnostics, _cancellationToken, Subprograms.UnprovenLoops);
                else if (body is not null) SubsetChecker.CheckBody(body, model, _diagnostics, _cancellationToken, Subprograms.UnprovenLoops);
            }
            if (_diagnostics.Count > errorsBefore) return null;
            var root = model.GetOperation(declaration, _cancellationToken);
            if (root is null || root.Descendants().Any(o => o is IInvalidOperation)) return null;
            return (model, root, ControlFlowGraph.Create(declaration, model, _cancellationToken)!);
        }

        /// <summary>
        /// A call to a <c>static</c> local function: inlined like a method, from the control-flow graph Roslyn builds
        /// for it inside the graph of the method that declares it.
        /// </summary>
        private Operand InlineLocalFunction(IInvocationOperation invocation)
        {
            var function = invocation.TargetMethod;
            ControlFlowGraph? graph = null;
            for (var scope = _cfg; scope is not null && graph is null; scope = scope.Parent)
            {
                if (scope.LocalFunctions.Contains(function, SymbolEqualityComparer.Default)) graph = scope.GetLocalFunctionControlFlowGraph(function, _cancellationToken);
            }
            if (graph?.OriginalOperation is not ILocalFunctionOperation declared || declared.Body is null)
            {
                Report(DiagnosticDescriptors.UnsupportedCall, invocation.Syntax, function.ToDisplayString());
                return Operand.Const(0);
            }
            if (RecursesOrTooDeep(function, invocation)) return Operand.Const(0);
            bool byRef = function.ReturnsByRef || function.ReturnsByRefReadonly;
            if (function.IsGenericMethod || !(function.ReturnsVoid || IsScalar(function.ReturnType) || byRef))
            {
                Unsupported(invocation, "Calling a local function that is generic or returns a struct by value");
                return Operand.Const(0);
            }
            var model = ModelFor(declared.Syntax.SyntaxTree);
            return InlineGraph(function, declared.Body, graph, model, invocation.Arguments, thisAddress: null, byRef);
        }

        /// <summary>Lowers a callee's control-flow graph in place, in a fresh frame, its parameters bound to <paramref name="arguments"/>.</summary>
        private Operand InlineGraph(IMethodSymbol method, IOperation body, ControlFlowGraph cfg, SemanticModel model,
            System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments, Address? thisAddress, bool byRef,
            Dictionary<IParameterSymbol, LocalStorage>? bound = null, Address? structResult = null, IReadOnlyList<int>? tupleResults = null)
        {
            // Bind the arguments in the caller's frame.
            var bindings = bound ?? new Dictionary<IParameterSymbol, LocalStorage>(SymbolEqualityComparer.Default);
            foreach (var argument in arguments)
            {
                var parameter = argument.Parameter;
                if (parameter is null) continue;
                if (IsSpan(parameter.Type))
                {
                    // A span is a view: the callee's parameter aliases the caller's span.
                    if (SpanArgument(argument.Value) is not { } span)
                    {
                        Unsupported(argument, "Passing a span that is not a span local, a span parameter or a \"...\"u8 literal");
                        return Operand.Const(0);
                    }
                    bindings[parameter] = span;
                    continue;
                }
                if (SubsetChecker.IsMapType(parameter.Type))
                {
                    // A map is passed by name: the callee's parameter stands for the caller's map field.
                    if (MapFieldOf(argument.Value) is not { } field)
                    {
                        Unsupported(argument, "Passing something other than a map field of the probe class as a map");
                        return Operand.Const(0);
                    }
                    bindings[parameter] = new LocalStorage { Kind = StorageKind.Reference, MapField = field };
                    continue;
                }
                var storage = new LocalStorage();
                if (parameter.RefKind != RefKind.None)
                {
                    storage.Kind = StorageKind.Reference;
                    storage.AliasesContext = IsContextAccess(argument.Value);
                    storage.Type = Layout(parameter.Type, argument.Syntax) ?? Model.IntType.Long;
                    storage.Reg = Function.NewReg();
                    var target = AddressOf(argument.Value);
                    // A reference to a field of the context that the method only reads (or writes, in a syscall program) is that field, in place at its offset.
                    if (storage.AliasesContext && target is { IsSlot: false, BaseReg: >= 0, Offset: not 0 } && FixedInContext(parameter)) storage.Fixed = target;
                    else _b.Mov(storage.Reg, PointerOf(target));
                }
                else if (IsScalar(parameter.Type))
                {
                    storage.Kind = StorageKind.Register;
                    storage.Type = Layout(parameter.Type, argument.Syntax) ?? Model.IntType.Long;
                    storage.Reg = Function.NewReg();
                    var value = Rvalue(argument.Value);
                    MoveTo(storage.Reg, value);
                }
                else
                {
                    if (CopyToNewSlot(parameter, argument) is not { } copy) return Operand.Const(0);
                    storage.Kind = StorageKind.Memory;
                    storage.Type = copy.Layout;
                    storage.Slot = copy.Slot.Id;
                }
                bindings[parameter] = storage;
            }

            // Lower the callee in a fresh frame.
            var continuation = Function.NewBlock();
            int result = method.ReturnsVoid || structResult is not null || tupleResults is not null ? -1 : Function.NewReg();
            var saved = (_locals, _parameters, _captures, _blocks, _localCopies, _addressTaken, _singleAssigned, _inlineReturn, _b.Position, _thisAddress, _cfg);
            _thisAddress = thisAddress;
            _cfg = cfg;
            _locals = new Dictionary<ILocalSymbol, LocalStorage>(SymbolEqualityComparer.Default);
            _parameters = bindings;
            _captures = new Dictionary<CaptureId, Captured>();
            _blocks = new Dictionary<CfgBlock, IrBlock>();
            _localCopies = new Dictionary<ILocalSymbol, Address>(SymbolEqualityComparer.Default);
            _addressTaken = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            _inlineReturn = new InlineReturn(result, continuation, byRef, structResult, structResult is null ? null : Layout(method.ReturnType, body.Syntax), tupleResults);
            _inlineStack.Add(method);
            try
            {
                FindAddressTakenLocals(body);
                FindSingleAssignedLocals(body);
                HomeAddressTakenParameters();
                FindCounterRanges(body, model);
                foreach (var block in cfg.Blocks)
                {
                    if (block.IsReachable && block.Kind == BasicBlockKind.Block && !IsSpanEnumeratorDispose(block)) _blocks[block] = Function.NewBlock();
                }
                EmitEdge(cfg.Blocks[0].FallThroughSuccessor?.Destination);
                foreach (var block in cfg.Blocks)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (!_blocks.TryGetValue(block, out var irBlock)) continue;
                    _b.Block = irBlock;
                    LowerBlock(block);
                }
            }
            finally
            {
                _inlineStack.RemoveAt(_inlineStack.Count - 1);
                (_locals, _parameters, _captures, _blocks, _localCopies, _addressTaken, _singleAssigned, _inlineReturn, _b.Position, _thisAddress, _cfg) = saved;
            }
            _b.Block = continuation;
            return result >= 0 ? Operand.InReg(result) : Operand.Const(0);
        }
    }
}
