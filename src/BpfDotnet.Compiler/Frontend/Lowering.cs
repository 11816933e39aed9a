using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using IrBlock = BpfDotnet.Compiler.Ir.BasicBlock;
using CfgBlock = Microsoft.CodeAnalysis.FlowAnalysis.BasicBlock;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Lowers a method's Roslyn control-flow graph to IR. Values are kept in canonical form: a 64-bit
    /// register holds the exact value of its C# type (signed types sign-extended, unsigned zero-extended),
    /// so comparisons and widening are free and narrowing re-normalises.
    /// </summary>
    internal sealed partial class Lowering
    {
        private readonly SemanticModel _model;
        private readonly List<DiagnosticInfo> _diagnostics;
        private readonly CancellationToken _cancellationToken;
        private readonly IrBuilder _b;
        // Per-method state; an inlined call swaps in a fresh set (see Lowering.Inlining.cs).
        private Dictionary<ILocalSymbol, LocalStorage> _locals = new Dictionary<ILocalSymbol, LocalStorage>(SymbolEqualityComparer.Default);
        private Dictionary<IParameterSymbol, LocalStorage> _parameters = new Dictionary<IParameterSymbol, LocalStorage>(SymbolEqualityComparer.Default);
        private Dictionary<CaptureId, Captured> _captures = new Dictionary<CaptureId, Captured>();
        private Dictionary<CfgBlock, IrBlock> _blocks = new Dictionary<CfgBlock, IrBlock>();
        private Dictionary<ILocalSymbol, Address> _localCopies = new Dictionary<ILocalSymbol, Address>(SymbolEqualityComparer.Default);
        private HashSet<ISymbol> _addressTaken = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        /// <summary>Locals written in exactly one place (a declaration's initializer or one assignment).</summary>
        private HashSet<ILocalSymbol> _singleAssigned = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        private InlineReturn? _inlineReturn;
        /// <summary>Counters of proven <c>for</c> loops: every value each one holds.</summary>
        private readonly Dictionary<ILocalSymbol, (long Low, long High)> _counterRanges = new Dictionary<ILocalSymbol, (long, long)>(SymbolEqualityComparer.Default);
        /// <summary>The same counters while their loop body runs (the value that ends the loop is never seen there).</summary>
        private readonly Dictionary<ILocalSymbol, (SyntaxNode Body, long Low, long High)> _counterBodies = new Dictionary<ILocalSymbol, (SyntaxNode, long, long)>(SymbolEqualityComparer.Default);
        private readonly Dictionary<int, (SyntaxNode Body, long Low, long High)> _bodyRanges = new Dictionary<int, (SyntaxNode, long, long)>();
        /// <summary>Registers whose value is known to lie in a range (loop counters and sums of them with constants).</summary>
        private readonly Dictionary<int, (long Low, long High)> _ranges = new Dictionary<int, (long, long)>();
        private readonly IParameterSymbol? _contextParameter;
        private readonly IrBlock _entry;

        private readonly INamedTypeSymbol? _probeClass;
        private readonly Dictionary<string, GlobalVariable> _globals = new Dictionary<string, GlobalVariable>(StringComparer.Ordinal);

        public Lowering(SemanticModel model, IParameterSymbol? contextParameter, INamedTypeSymbol? probeClass, IEnumerable<GlobalVariable> globals,
            List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            _probeClass = probeClass;
            foreach (var global in globals) _globals[global.Name] = global;
            _model = model;
            _contextParameter = contextParameter;
            _contextType = contextParameter?.Type;
            _diagnostics = diagnostics;
            _cancellationToken = cancellationToken;
            Function = new IrFunction();
            _b = new IrBuilder(Function);
            _entry = _b.Block;
        }

        public IrFunction Function { get; }

        public SortedSet<string> MapsUsed { get; } = new SortedSet<string>(StringComparer.Ordinal);

        /// <summary>The semantic model of <paramref name="tree"/> (the program's own, or another file's for code it calls).</summary>
        private SemanticModel ModelFor(SyntaxTree tree) => tree == _model.SyntaxTree ? _model : _model.Compilation.GetSemanticModel(tree);

        /// <summary>Reports a diagnostic once: the same one on the same syntax (an operation lowered twice, as a compound assignment's target is) is said once.</summary>
        private void Report(DiagnosticDescriptor descriptor, SyntaxNode? syntax, params string[] args)
        {
            var info = DiagnosticInfo.Create(descriptor, syntax?.GetLocation(), args);
            if (!_diagnostics.Contains(info)) _diagnostics.Add(info);
        }

        private void Unsupported(IOperation op, string what) => Report(DiagnosticDescriptors.UnsupportedConstruct, op.Syntax, what);

        // ---------------------------------------------------------------- storage

        private enum StorageKind { Register, Memory, Reference }

        /// <summary>Where a local lives: a register (scalars), a stack slot (structs, address-taken), or a pointer register (ref locals).</summary>
        private sealed class LocalStorage
        {
            public StorageKind Kind;
            public int Reg = -1;
            public int Slot = -1;
            public BpfType Type = IntType.Long;
            public ILocalSymbol? Symbol;
            /// <summary>For a by-reference parameter: true when it refers to the program's context.</summary>
            public bool AliasesContext;
            /// <summary>
            /// For a reference to a field of the program's context that only reads it: the field, read in place at its constant
            /// offset (the verifier refuses a pointer into the context).
            /// </summary>
            public Address? Fixed;
            /// <summary>For a span over <c>stackalloc T[N]</c>: N.</summary>
            public int SpanLength;
            /// <summary>For a map parameter of an inlined method: the probe's map field the caller passed.</summary>
            public IFieldSymbol? MapField;
        }

        /// <summary>A flow capture: a scalar in a register, or the address of struct memory.</summary>
        private sealed class Captured
        {
            public int Reg = -1;
            public Address? Memory;
            public IFieldSymbol? MapField;
            /// <summary>When the capture is of a variable in a register: its storage, so that stores through it reach it.</summary>
            public LocalStorage? Variable;
            /// <summary>When the capture is of a scalar in memory: its address, so that stores through it reach it.</summary>
            public Address? Target;
            public BpfType? Type;
            /// <summary>When the capture is a tuple literal of scalars: its elements and their types.</summary>
            public List<(Operand Value, ITypeSymbol? Type)>? Elements;
            /// <summary>When the capture is a ref local that a ref assignment re-points (<c>r = ref (c ? ref a : ref b)</c>).</summary>
            public LocalStorage? RefLocal;
            /// <summary>When the capture is an arm of a conditional ref: the register holding the address the chosen arm refers to.</summary>
            public int Pointer = -1;
            /// <summary>When the capture is the enumerator of a <c>foreach</c> over a span: the span and its index register.</summary>
            public SpanEnumerator? Enumerator;
        }

        /// <summary>An rvalue: a constant or a register.</summary>
        private readonly struct Operand
        {
            private Operand(bool isConst, long value, int reg)
            {
                IsConst = isConst;
                Value = value;
                Reg = reg;
            }

            public bool IsConst { get; }
            public long Value { get; }
            public int Reg { get; }

            public static Operand Const(long value) => new Operand(true, value, -1);

            public static Operand InReg(int reg) => new Operand(false, 0, reg);
        }

        // ---------------------------------------------------------------- entry

        public void Lower(IMethodBodyOperation body)
        {
            FindAddressTakenLocals(body);
            FindSingleAssignedLocals(body);
            HomeAddressTakenParameters();
            FindCounterRanges(body, _model);
            if (_contextParameter is not null)
            {
                Function.ContextRegister = Function.NewReg();
            }
            var cfg = ControlFlowGraph.Create(body, _cancellationToken);
            _cfg = cfg;
            foreach (var block in cfg.Blocks)
            {
                if (block.IsReachable && block.Kind == BasicBlockKind.Block && !IsSpanEnumeratorDispose(block)) _blocks[block] = Function.NewBlock();
            }
            // Struct locals with bytes C# never assigns (padding, fixed buffers) are zeroed up front: the
            // verifier refuses unwritten stack bytes passed to helpers.
            var entryContinuation = Function.NewBlock();
            _b.Block = entryContinuation;
            var first = cfg.Blocks[0].FallThroughSuccessor?.Destination;
            EmitEdge(first);
            foreach (var block in cfg.Blocks)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (!_blocks.TryGetValue(block, out var irBlock)) continue;
                _b.Block = irBlock;
                LowerBlock(block);
            }
            _b.Block = _entry;
            _b.Position = null;
            foreach (var slot in Function.Slots.ToArray())
            {
                if (slot.ZeroAtEntry) ZeroSlot(slot);
            }
            LoadKeptPacketPointers();
            _b.Jump(entryContinuation);
        }

        /// <summary>
        /// Finds the scalar locals and parameters something refers to (a <c>ref</c> local or conditional ref, a <c>ref</c>,
        /// <c>out</c> or <c>in</c> argument that may be written, <c>&amp;x</c>): they live in memory, so a write through
        /// the reference and a read of the variable see the same value.
        /// </summary>
        private void FindAddressTakenLocals(IOperation body)
        {
            foreach (var op in body.Descendants())
            {
                switch (op)
                {
                    case IArgumentOperation arg when arg.Parameter?.RefKind is RefKind.Ref or RefKind.Out:
                        // Interlocked and out-parameters need memory; TryGetValue's out value is handled without it.
                        if (!(arg.Parameter.RefKind == RefKind.Out && arg.Parent is IInvocationOperation inv && IsMapMethod(inv, "TryGetValue")))
                        {
                            TakeReference(arg.Value);
                        }
                        break;
                    case IAddressOfOperation addressOf:
                        TakeReference(addressOf.Reference);
                        break;
                    case ISimpleAssignmentOperation { IsRef: true } refAssign:
                        TakeReference(refAssign.Value);
                        break;
                    case IVariableDeclaratorOperation { Symbol.IsRef: true, Initializer: { } initializer }:
                        TakeReference(initializer.Value);
                        break;
                    case IConditionalOperation { IsRef: true } conditional:
                        TakeReference(conditional.WhenTrue);
                        if (conditional.WhenFalse is { } whenFalse) TakeReference(whenFalse);
                        break;
                }
            }
        }

        /// <summary>Finds the locals written in exactly one place: their register holds only values of that one expression.</summary>
        private void FindSingleAssignedLocals(IOperation body)
        {
            var writes = new Dictionary<ILocalSymbol, int>(SymbolEqualityComparer.Default);
            void Count(ILocalSymbol local, int n) => writes[local] = (writes.TryGetValue(local, out int w) ? w : 0) + n;
            foreach (var op in body.Descendants())
            {
                switch (op)
                {
                    case IVariableDeclaratorOperation declarator:
                        // A declaration without an initializer writes nothing; foreach variables are written each iteration.
                        Count(declarator.Symbol, declarator.GetVariableInitializer() is null ? 0 : 1);
                        if (op.Parent?.Parent is IForEachLoopOperation || op.Parent is IForEachLoopOperation) Count(declarator.Symbol, 2);
                        break;
                    case IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared }:
                        Count(declared, 2);
                        break;
                    default:
                        foreach (var target in WriteTargets(op))
                        {
                            if (Unwrap(target) is ILocalReferenceOperation local) Count(local.Local, 1);
                        }
                        break;
                }
            }
            foreach (var loop in body.Descendants().OfType<IForEachLoopOperation>())
            {
                foreach (var local in loop.Locals) Count(local, 2);
            }
            _singleAssigned = new HashSet<ILocalSymbol>(writes.Where(w => w.Value == 1).Select(w => w.Key), SymbolEqualityComparer.Default);
        }

        /// <summary>What <paramref name="op"/> writes: the targets of assignments, increments, deconstructions and ref or out arguments.</summary>
        private static IEnumerable<IOperation> WriteTargets(IOperation op)
        {
            switch (op)
            {
                case IDeconstructionAssignmentOperation deconstruction:
                    return deconstruction.Target.DescendantsAndSelf().Where(t => t is ILocalReferenceOperation);
                case IAssignmentOperation assignment:
                    return new[] { assignment.Target };
                case IIncrementOrDecrementOperation increment:
                    // Read and written: never one of a single write.
                    return new[] { increment.Target, increment.Target };
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument:
                    return new[] { argument.Value };
                default:
                    return Array.Empty<IOperation>();
            }
        }

        /// <summary>Marks the scalar variable <paramref name="reference"/> denotes (if any) as living in memory.</summary>
        private void TakeReference(IOperation reference)
        {
            switch (Unwrap(reference))
            {
                case ILocalReferenceOperation local when !local.Local.IsRef && IsScalar(local.Local.Type):
                    _addressTaken.Add(local.Local);
                    break;
                case IParameterReferenceOperation parameter when parameter.Parameter.RefKind == RefKind.None && IsScalar(parameter.Parameter.Type):
                    _addressTaken.Add(parameter.Parameter);
                    break;
            }
        }

        /// <summary>
        /// Moves each by-value scalar parameter that something refers to from its register to a stack slot, where the
        /// references and the parameter's own reads and writes meet.
        /// </summary>
        private void HomeAddressTakenParameters()
        {
            foreach (var pair in _parameters)
            {
                var storage = pair.Value;
                if (storage.Kind != StorageKind.Register || !_addressTaken.Contains(pair.Key)) continue;
                var slot = NewSlot(IntType.Long, pair.Key.Name);
                _b.Store(Address.OfSlot(slot.Id), 8, storage.Reg);
                storage.Kind = StorageKind.Memory;
                storage.Slot = slot.Id;
            }
        }

        private void FindCounterRanges(IOperation body, SemanticModel model)
        {
            long? LengthOf(Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax span) => SpanLengthOf(span, model);
            foreach (var statement in body.Syntax.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax>())
            {
                // Loops bounded by a span parameter's Length were checked with a stand-in length; check them with the real one.
                if (statement is Microsoft.CodeAnalysis.CSharp.Syntax.ForEachStatementSyntax each && LengthOf(each.Expression) is long elements && elements > LoopBounds.MaxIterations)
                {
                    _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnboundedLoop, each.ForEachKeyword.GetLocation(), $"it runs more than {LoopBounds.MaxIterations} times"));
                }
                if (statement is not (Microsoft.CodeAnalysis.CSharp.Syntax.ForStatementSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.WhileStatementSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.DoStatementSyntax)) continue;
                if (LoopBounds.TripCount(statement, model, _cancellationToken, out var why, LengthOf) is null)
                {
                    Subprograms.UnprovenLoops.Add(statement, DiagnosticInfo.Create(DiagnosticDescriptors.UnboundedLoop, statement.GetFirstToken().GetLocation(), why));
                }
            }
            foreach (var loop in body.Syntax.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ForStatementSyntax>())
            {
                if (LoopBounds.TryGetCounterRange(loop, model, _cancellationToken, out var counter, out long low, out long high, out long bodyLow, out long bodyHigh, LengthOf)
                    && !_addressTaken.Contains(counter!))
                {
                    _counterRanges[counter!] = (low, high);
                    if (bodyLow <= bodyHigh) _counterBodies[counter!] = (loop.Statement, bodyLow, bodyHigh);
                }
            }
        }

        /// <summary>
        /// The lowered method's loop <paramref name="loop"/> as <c>bpf_loop</c> can run it (a counter stepped by a constant
        /// added, held in a register), with <paramref name="name"/> for its callback; null, with why, for another loop.
        /// </summary>
        public Passes.CountedLoop? Counted(Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax loop, string name, out string why)
        {
            why = "";
            var condition = loop switch
            {
                Microsoft.CodeAnalysis.CSharp.Syntax.ForStatementSyntax f => f.Condition,
                Microsoft.CodeAnalysis.CSharp.Syntax.WhileStatementSyntax w => w.Condition,
                _ => null,
            };
            if (condition is null
                || !LoopBounds.TryGetLinearCounter(loop, _model, _cancellationToken, out var counter, out long start, out long step, out long trips, e => SpanLengthOf(e, _model)))
            {
                why = "its counter does not start at a constant and add a constant once per iteration";
                return null;
            }
            if (!_locals.TryGetValue(counter!, out var storage) || storage.Kind != StorageKind.Register)
            {
                why = "its counter's address is taken";
                return null;
            }
            return new Passes.CountedLoop(condition.GetLocation(), storage.Reg, start, step, trips, name);
        }

        /// <summary>
        /// The loops of the lowered function as the IR's facts count them, by statement, for loops whose syntax does not show
        /// a counter stepped by a constant (a test in the body, a step mid-body, a do loop): a counter that starts at a
        /// constant and adds one each iteration, held in a register. Each header is found by the source position of its first
        /// instruction, which no block before it holds. Taken before any loop is outlined or the function optimised.
        /// </summary>
        public Dictionary<Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax, Passes.CountedLoop> CountedInIr()
        {
            var counted = new Dictionary<Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax, Passes.CountedLoop>();
            var forest = Facts.LoopForest.Find(Function);
            var order = Backend.Liveness.ReversePostorder(Function);
            foreach (var found in forest.All)
            {
                if (found.Linear is not { } linear || found.Trips is not long entered) continue;
                if (Backend.VerifierCost.StatementOf(found, _cancellationToken) is not { } loop || counted.ContainsKey(loop)) continue;
                var first = found.Header.Instructions.FirstOrDefault(i => i.Position?.Location is { SourceTree: not null });
                if (first?.Position?.Location is not { } at) continue;
                // Outlining finds the header as the first block, in reverse postorder, that holds code of that position.
                bool Holds(IrBlock block) => block.Instructions.Any(i => i.Position?.Location is { } l && l.SourceTree == at.SourceTree && at.SourceSpan.Contains(l.SourceSpan));
                if (order.FirstOrDefault(Holds) != found.Header) continue;
                counted[loop] = new Passes.CountedLoop(at, linear.Register, linear.Start, linear.Step, entered - 1, "");
            }
            return counted;
        }

        /// <summary>
        /// True when a reference to a context field held by <paramref name="symbol"/> can be that field itself: it refers to
        /// one place and only reads it, or, in a syscall program (whose context the kernel lets it read and write anywhere),
        /// refers to one place. Writes through it to another kind's context would bypass that kind's writable-field check.
        /// </summary>
        private bool FixedInContext(ISymbol symbol) => Subprograms.ProgramType == KernelModel.ProgramType.Syscall ? !RefReassigned(symbol) : OnlyRead(symbol);

        /// <summary>True when <paramref name="symbol"/> is made to refer elsewhere (<c>x = ref y;</c>) in the method declaring it.</summary>
        private bool RefReassigned(ISymbol symbol)
        {
            foreach (var scope in DeclaringScopes(symbol))
            {
                foreach (var assignment in scope.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax>())
                {
                    if (assignment.Right is Microsoft.CodeAnalysis.CSharp.Syntax.RefExpressionSyntax
                        && assignment.Left is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax name && name.Identifier.ValueText == symbol.Name) return true;
                }
            }
            return false;
        }

        /// <summary>The method (or local function, or lambda) bodies that declare <paramref name="symbol"/>.</summary>
        private IEnumerable<SyntaxNode> DeclaringScopes(ISymbol symbol)
        {
            foreach (var reference in symbol.DeclaringSyntaxReferences)
            {
                var declared = reference.GetSyntax(_cancellationToken);
                yield return declared.FirstAncestorOrSelf<SyntaxNode>(n => n is Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax) ?? declared.SyntaxTree.GetRoot(_cancellationToken);
            }
        }

        /// <summary>
        /// True when <paramref name="symbol"/> (a ref local or parameter) is only read in the method declaring it: never made
        /// to refer elsewhere (<c>x = ref y;</c>), assigned, stepped, or passed on by reference. Its name is looked for, so a
        /// name that other variables share counts against it.
        /// </summary>
        private bool OnlyRead(ISymbol symbol)
        {
            static bool Named(Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax e, string name)
                => e is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax id && id.Identifier.ValueText == name;
            foreach (var scope in DeclaringScopes(symbol))
            {
                foreach (var node in scope.DescendantNodes())
                {
                    bool writes = node switch
                    {
                        Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax a => Named(a.Left, symbol.Name),
                        Microsoft.CodeAnalysis.CSharp.Syntax.PrefixUnaryExpressionSyntax u => Named(u.Operand, symbol.Name),
                        Microsoft.CodeAnalysis.CSharp.Syntax.PostfixUnaryExpressionSyntax u => Named(u.Operand, symbol.Name),
                        Microsoft.CodeAnalysis.CSharp.Syntax.ArgumentSyntax arg => !arg.RefKindKeyword.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.None) && Named(arg.Expression, symbol.Name),
                        Microsoft.CodeAnalysis.CSharp.Syntax.RefExpressionSyntax r => Named(r.Expression, symbol.Name),
                        _ => false,
                    };
                    if (writes) return false;
                }
            }
            return true;
        }

        /// <summary>The length of a span local or parameter named by <paramref name="span"/> (in <c>span.Length</c>), if known.</summary>
        private long? SpanLengthOf(Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax span, SemanticModel model)
        {
            switch (model.GetSymbolInfo(span, _cancellationToken).Symbol)
            {
                case ILocalSymbol local when IsSpan(local.Type):
                    return StackAllocLength(local, model, _cancellationToken);
                case IParameterSymbol parameter when IsSpan(parameter.Type) && _parameters.TryGetValue(parameter, out var bound) && bound.SpanLength > 0:
                    return bound.SpanLength;
                default:
                    return null;
            }
        }

        /// <summary>The range of values <paramref name="reg"/> holds where <paramref name="at"/> reads it, if known.</summary>
        private bool TryGetRange(int reg, SyntaxNode at, out (long Low, long High) range)
        {
            if (_bodyRanges.TryGetValue(reg, out var body) && body.Body.SyntaxTree == at.SyntaxTree && body.Body.Span.Contains(at.Span))
            {
                range = (body.Low, body.High);
                return true;
            }
            return _ranges.TryGetValue(reg, out range);
        }

        /// <summary>True when <paramref name="reg"/> is known to hold a value of the scalar type (<paramref name="size"/>, <paramref name="signed"/>).</summary>
        private bool FitsType(int reg, int size, bool signed)
            => _ranges.TryGetValue(reg, out var range) && TruncateConstant(range.Low, size, signed) == range.Low && TruncateConstant(range.High, size, signed) == range.High;

        private static IOperation Unwrap(IOperation op)
        {
            while (true)
            {
                switch (op)
                {
                    case IDeclarationExpressionOperation decl: op = decl.Expression; continue;
                    case IParenthesizedOperation paren: op = paren.Operand; continue;
                    case IConversionOperation conversion when conversion.OperatorMethod is null
                        && (conversion.Operand is IDefaultValueOperation || SymbolEqualityComparer.Default.Equals(conversion.Type, conversion.Operand.Type)):
                        op = conversion.Operand;
                        continue;
                    default: return op;
                }
            }
        }

        private void LowerBlock(CfgBlock block)
        {
            foreach (var op in block.Operations)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                SetPosition(op.Syntax);
                LowerEffect(op);
            }

            if (block.ConditionKind != ControlFlowConditionKind.None && block.BranchValue is not null)
            {
                SetPosition(block.BranchValue.Syntax);
                var whenMatched = Target(block.ConditionalSuccessor);
                var otherwise = Target(block.FallThroughSuccessor);
                if (whenMatched is null || otherwise is null)
                {
                    // Roslyn found one side unreachable (a constant condition): only the other can run.
                    var only = whenMatched ?? otherwise;
                    if (only is null) EmitReturn(null);
                    else _b.Jump(only);
                    return;
                }
                bool jumpIfTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                LowerCondition(block.BranchValue, jumpIfTrue ? whenMatched : otherwise, jumpIfTrue ? otherwise : whenMatched);
                return;
            }

            var successor = block.FallThroughSuccessor;
            if (successor is null) return;
            if (successor.Semantics == ControlFlowBranchSemantics.Return)
            {
                if (block.BranchValue is not null)
                {
                    SetPosition(block.BranchValue.Syntax);
                    if (_inlineReturn is { TupleResults: { } tupleResults })
                    {
                        ReturnTuple(block.BranchValue, tupleResults);
                        EmitReturn(null);
                        return;
                    }
                    if (_inlineReturn is { StructResult: Address destination, StructLayout: { } structLayout })
                    {
                        // A struct returned by value is written to the caller's temporary.
                        InitializeStruct(destination, structLayout, block.BranchValue);
                        EmitReturn(null);
                        return;
                    }
                    // A ref return hands back the address of what it refers to.
                    var value = _inlineReturn is { ByReference: true }
                        ? Operand.InReg(PointerOf(AddressOf(block.BranchValue)))
                        : Rvalue(block.BranchValue);
                    EmitReturn(value);
                }
                else
                {
                    EmitReturn(null);
                }
                return;
            }
            if (successor.Semantics == ControlFlowBranchSemantics.Throw && block.BranchValue?.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.SwitchExpressionSyntax)
            {
                // The "no arm matched" throw of a switch expression: the subset requires a final '_' arm,
                // so this block is never entered.
                EmitReturn(null);
                return;
            }
            if (successor.Semantics == ControlFlowBranchSemantics.Throw || successor.Semantics == ControlFlowBranchSemantics.Rethrow)
            {
                Report(DiagnosticDescriptors.Exceptions, block.BranchValue?.Syntax ?? block.Operations.LastOrDefault()?.Syntax, "throw");
                EmitReturn(null);
                return;
            }
            if (successor.Semantics != ControlFlowBranchSemantics.Regular)
            {
                var syntax = block.BranchValue?.Syntax ?? block.Operations.LastOrDefault()?.Syntax;
                Report(DiagnosticDescriptors.UnsupportedConstruct, syntax, "This control flow (" + successor.Semantics + ")");
                EmitReturn(null);
                return;
            }
            EmitEdge(successor.Destination);
        }

        private IrBlock? Target(ControlFlowBranch? branch)
        {
            if (branch?.Destination is null) return null;
            if (branch.Destination.Kind == BasicBlockKind.Exit)
            {
                var ret = Function.NewBlock();
                var saved = _b.Block;
                _b.Block = ret;
                EmitReturn(null);
                _b.Block = saved;
                return ret;
            }
            return _blocks.TryGetValue(branch.Destination, out var b) ? b : null;
        }

        private void EmitEdge(CfgBlock? destination)
        {
            if (destination is null || destination.Kind == BasicBlockKind.Exit)
            {
                EmitReturn(null);
                return;
            }
            if (_blocks.TryGetValue(destination, out var target)) _b.Jump(target);
            else EmitReturn(null);
        }

        private void SetPosition(SyntaxNode syntax)
        {
            var tree = syntax.SyntaxTree;
            var span = syntax.GetLocation().GetLineSpan();
            int line = span.StartLinePosition.Line;
            var text = tree.GetText(_cancellationToken);
            string lineText = line < text.Lines.Count ? text.Lines[line].ToString().Trim() : "";
            string file = System.IO.Path.GetFileName(tree.FilePath);
            if (string.IsNullOrEmpty(file)) file = "probe.cs";
            _b.Position = new SourcePosition(file, line + 1, span.StartLinePosition.Character + 1, lineText, syntax.GetLocation());
        }

        // ---------------------------------------------------------------- types

        private static bool IsScalar(ITypeSymbol? type)
        {
            if (type is null) return false;
            if (type.TypeKind == TypeKind.Enum) return true;
            // A map as a value (an inner map a map of maps gave): a pointer the kernel knows as a map.
            if (IsMapType(type)) return true;
            if (type.TypeKind == TypeKind.Pointer) return true;
            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean:
                case SpecialType.System_SByte:
                case SpecialType.System_Byte:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                case SpecialType.System_Char:
                    return true;
            }
            return false;
        }

        /// <summary>Size and signedness of a scalar type.</summary>
        private static (int Size, bool Signed) ScalarInfo(ITypeSymbol? type)
        {
            if (type is null) return (8, true);
            if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum } e) type = e.EnumUnderlyingType!;
            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean: return (1, false);
                case SpecialType.System_SByte: return (1, true);
                case SpecialType.System_Byte: return (1, false);
                case SpecialType.System_Int16: return (2, true);
                case SpecialType.System_UInt16: return (2, false);
                case SpecialType.System_Char: return (2, false);
                case SpecialType.System_Int32: return (4, true);
                case SpecialType.System_UInt32: return (4, false);
                case SpecialType.System_Int64: return (8, true);
                case SpecialType.System_IntPtr: return (8, true);
                default: return (8, false);
            }
        }

        /// <summary>The <c>pt_regs</c> layout of the architecture the program is compiled for.</summary>
        private static KernelModel.PtRegsLayout PtRegsLayoutOf(SyntaxNode syntax) => TargetArchitecture.PtRegsOf(syntax.SyntaxTree);

        /// <summary>True for the C# map types of the map kinds table (a map held in a variable is a pointer to it).</summary>
        private static bool IsMapType(ITypeSymbol? type)
            => type is INamedTypeSymbol { TypeKind: TypeKind.Class } named
                && KernelModel.MapKinds.ByClrType(named.OriginalDefinition.ContainingNamespace?.ToDisplayString() + "." + named.OriginalDefinition.MetadataName) is not null;

        private BpfType? Layout(ITypeSymbol? type, SyntaxNode syntax)
        {
            if (IsMapType(type)) return IntType.ULong;
            var layout = TypeLayout.TryGet(type, out var error);
            if (layout is null) Report(DiagnosticDescriptors.UnsupportedType, syntax, type?.ToDisplayString() ?? "?");
            return layout;
        }

        // ---------------------------------------------------------------- locals

        private LocalStorage GetLocal(ILocalSymbol local, SyntaxNode syntax)
        {
            if (_locals.TryGetValue(local, out var storage)) return storage;
            storage = new LocalStorage { Symbol = local };
            if (IsSpan(local.Type))
            {
                if (!TryLayoutSpan(local, syntax, storage)) storage.Kind = StorageKind.Register;
            }
            else if (local.IsRef)
            {
                storage.Kind = StorageKind.Reference;
                storage.Reg = Function.NewReg();
                storage.Type = Layout(local.Type, syntax) ?? IntType.Long;
            }
            else if (IsScalar(local.Type) && !_addressTaken.Contains(local))
            {
                storage.Kind = StorageKind.Register;
                storage.Reg = Function.NewReg();
                storage.Type = Layout(local.Type, syntax) ?? IntType.Long;
                if (_counterRanges.TryGetValue(local, out var range)) _ranges[storage.Reg] = range;
                if (_counterBodies.TryGetValue(local, out var body)) _bodyRanges[storage.Reg] = body;
            }
            else
            {
                var layout = Layout(local.Type, syntax) ?? IntType.Long;
                storage.Kind = StorageKind.Memory;
                storage.Type = layout;
                var slot = NewSlot(layout, local.Name);
                // A declaration with an initializer (default, new(), a copy) or an out-variable writes every byte;
                // only a struct assigned field by field leaves its padding unwritten.
                slot.ZeroAtEntry = HasUnassignedBytes(layout) && !local.DeclaringSyntaxReferences.Any(r =>
                    r.GetSyntax(_cancellationToken) is not Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Initializer: null });
                storage.Slot = slot.Id;
            }
            _locals[local] = storage;
            return storage;
        }

        /// <summary>True when a value of this type has bytes that assigning every field leaves unwritten.</summary>
        private static bool HasUnassignedBytes(BpfType type)
        {
            switch (type)
            {
                case ArrayType:
                    return true;
                case StructType structType:
                    int covered = 0;
                    foreach (var member in structType.Members.OrderBy(m => m.Offset))
                    {
                        if (member.Offset != covered || HasUnassignedBytes(member.Type)) return true;
                        covered = member.Offset + member.Type.Size;
                    }
                    return covered != structType.Size;
                default:
                    return false;
            }
        }

        private StackSlot NewSlot(BpfType type, string owner)
            => Function.NewSlot(TypeLayout.AlignUp(Math.Max(type.Size, 1), 8), 8, owner);

        private void ZeroSlot(StackSlot slot)
        {
            for (int off = 0; off < slot.Size; off += 8) _b.StoreImm(Address.OfSlot(slot.Id, off), 8, 0);
        }

        // ---------------------------------------------------------------- normalisation

        /// <summary>Brings a register to the canonical form of a scalar of <paramref name="size"/> bytes.</summary>
        private int Normalize(int reg, int size, bool signed)
        {
            if (size >= 8 || FitsType(reg, size, signed)) return reg;
            return _b.Extend(reg, size, signed);
        }

        private Operand NormalizeOperand(Operand value, int size, bool signed)
        {
            if (value.IsConst) return Operand.Const(TruncateConstant(value.Value, size, signed));
            return Operand.InReg(Normalize(value.Reg, size, signed));
        }

        private static long TruncateConstant(long value, int size, bool signed)
        {
            switch (size)
            {
                case 1: return signed ? (sbyte)value : (byte)value;
                case 2: return signed ? (short)value : (ushort)value;
                case 4: return signed ? (int)value : (uint)value;
                default: return value;
            }
        }

        private int Materialize(Operand value) => value.IsConst ? _b.Const(value.Value) : value.Reg;

        /// <summary>Assigns an operand to an existing register (a variable).</summary>
        private void MoveTo(int register, Operand value)
        {
            if (value.IsConst) _b.MovConst(register, value.Value);
            else _b.Mov(register, value.Reg);
        }
    }
}
