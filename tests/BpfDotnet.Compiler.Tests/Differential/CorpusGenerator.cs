using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace BpfDotnet.Compiler.Tests.Differential
{
    /// <summary>
    /// Generates random probe bodies over every integer width and operator, with control flow, as C#
    /// source. Each probe reads three inputs from its raw tracepoint context, computes, stores one 64-bit
    /// result in slot 0 of the <c>Out</c> array map and returns a value; both are compared between the
    /// kernel and .NET.
    /// </summary>
    public sealed class CorpusGenerator
    {
        private static readonly string[] Types = { "sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong" };

        private readonly Random _random;
        private readonly List<(string Name, string Type)> _locals = new List<(string, string)>();
        /// <summary>Enum locals (name, enum type, underlying type): read as integers by casts, changed by enum operators.</summary>
        private readonly List<(string Name, string Enum, string Underlying)> _enumLocals = new List<(string, string, string)>();
        /// <summary>Locals something refers to, and ref locals: never divisors (a guarded division needs a plain local).</summary>
        private readonly HashSet<string> _referenced = new HashSet<string>();
        /// <summary>Loop counters: read in their body, never written there.</summary>
        private readonly HashSet<string> _counters = new HashSet<string>();
        /// <summary>Locals some guarded division divides by: never referred to (the guard must see every write).</summary>
        private readonly HashSet<string> _divisors = new HashSet<string>();
        /// <summary>While positive, expressions have no side effects (inside a guarded division's operands).</summary>
        private int _pure;
        private int _depthBudget;

        public CorpusGenerator(int seed) => _random = new Random(seed);

        /// <summary>One ref-returning method per integer type: the reference chosen by <c>first</c>.</summary>
        private static readonly string RefPickers = string.Concat(Types.Select(t =>
            $"    private static ref {t} GPick(ref {t} a, ref {t} b, bool first) {{ if (first) return ref a; return ref b; }}\n"));

        /// <summary>Methods and enums the generated probes use.</summary>
        public static readonly string Helpers = @"
    private static long GMix(long x, int y) => unchecked(x * 31 + y);
    private static int GClamp(int v, int lo, int hi) { if (v < lo) return lo; if (v > hi) return hi; return v; }
    private static ulong GRotl(ulong v, int n) => (v << n) | (v >> (64 - n));
    public enum GSByte : sbyte { A = -3, B = 0, C = 100 }
    public enum GByte : byte { A, B = 7, C = 200 }
    public enum GShort : short { A = -300, B = 1 }
    public enum GUShort : ushort { A, B = 60000 }
    public enum GInt : int { A = -5, B = 1 << 20 }
    public enum GUInt : uint { A, B = 4000000000 }
    public enum GLong : long { A = long.MinValue, B = 3 }
    public enum GULong : ulong { A, B = ulong.MaxValue }
" + RefPickers;

        /// <summary>Each enum of <see cref="Helpers"/> with its underlying type.</summary>
        private static readonly (string Name, string Underlying)[] Enums =
        {
            ("GSByte", "sbyte"), ("GByte", "byte"), ("GShort", "short"), ("GUShort", "ushort"),
            ("GInt", "int"), ("GUInt", "uint"), ("GLong", "long"), ("GULong", "ulong"),
        };

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        private static int Size(string type) => type switch
        {
            "sbyte" or "byte" => 1,
            "short" or "ushort" => 2,
            "int" or "uint" => 4,
            _ => 8,
        };

        private static bool Signed(string type) => type is "sbyte" or "short" or "int" or "long";

        /// <summary>The type C# gives a binary arithmetic operator on these operand types.</summary>
        private static string Promote(string a, string b)
        {
            if (a == "ulong" || b == "ulong") return "ulong";
            if (a == "long" || b == "long") return "long";
            if (a == "uint" && Signed(b) || b == "uint" && Signed(a)) return "long";
            if (a == "uint" || b == "uint") return "uint";
            return "int";
        }

        private string Constant(string type)
        {
            long value = _random.Next(6) switch
            {
                0 => _random.Next(-4, 5),
                1 => _random.Next(0, 256),
                2 => (long)_random.Next(int.MinValue, int.MaxValue),
                3 => _random.NextInt64(),
                4 => 1L << _random.Next(0, 63),
                _ => -(1L << _random.Next(0, 63)),
            };
            return $"unchecked(({type}){value.ToString(CultureInfo.InvariantCulture)}L)";
        }

        /// <summary>An expression whose C# type is <paramref name="type"/>.</summary>
        public string Expression(string type, int depth)
        {
            if (depth <= 0 || _depthBudget-- <= 0 || _random.Next(5) == 0) return Leaf(type);
            switch (_random.Next(9))
            {
                case 0:
                case 1:
                case 2:
                    {
                        string lt = Pick(Types), rt = Pick(Types);
                        // C# has no operator mixing ulong with a signed type.
                        if (lt == "ulong" && Signed(rt)) rt = "ulong";
                        if (rt == "ulong" && Signed(lt)) lt = "ulong";
                        string op = Pick(new[] { "+", "-", "*", "&", "|", "^", "+", "-" });
                        return $"(({type})({Expression(lt, depth - 1)} {op} {Expression(rt, depth - 1)}))";
                    }
                case 3:
                    {
                        string lt = Pick(Types);
                        string op = Pick(new[] { "<<", ">>", ">>>" });
                        return $"(({type})({Expression(lt, depth - 1)} {op} (int)({Expression(Pick(Types), depth - 1)})))";
                    }
                case 4 when _random.Next(3) == 0 && GuardedDivision(type, depth) is string guarded:
                    return guarded;
                case 4:
                    {
                        string lt = Pick(new[] { "uint", "ulong", "int", "long" });
                        string divisor = Signed(lt)
                            ? Pick(new[] { "1", "2", "3", "7", "10", "16", "1000", "-2", "-3", "-10", "-65536" })
                            : Pick(new[] { "1u", "2u", "3u", "7u", "10u", "16u", "255u", "1000u", "65536u" });
                        string op = _random.Next(2) == 0 ? "/" : "%";
                        return $"(({type})(({lt})({Expression(Pick(Types), depth - 1)}) {op} {divisor}))";
                    }
                case 5:
                    return $"({Condition(depth - 1)} ? {Expression(type, depth - 1)} : {Expression(type, depth - 1)})";
                case 6:
                    {
                        string op = Pick(new[] { "-", "~" });
                        // Unary minus is not defined on ulong.
                        string operandType = op == "-" ? Pick(Types.Where(t => t != "ulong").ToArray()) : Pick(Types);
                        return $"(({type})({op}{Expression(operandType, depth - 1)}))";
                    }
                case 7 when _pure == 0 && _random.Next(3) == 0 && SideEffect(type, depth) is string effect:
                    return effect;
                case 7 when _pure == 0 && _random.Next(3) == 0 && _locals.Any(l => !_counters.Contains(l.Name)):
                    {
                        // A variable read, then written by a later operand: the read must see the value before the write.
                        var v = Pick(_locals.Where(l => !_counters.Contains(l.Name)).ToList());
                        string later = SideEffect(v.Type, depth, v)!;
                        return _random.Next(2) == 0
                            ? $"(({type})({v.Name} {Pick(new[] { "+", "-", "^", "*" })} {later}))"
                            : $"(({type})GMix((long){v.Name}, (int)({later})))";
                    }
                case 7 when _enumLocals.Count > 0 && _random.Next(3) == 0:
                    return $"(({type}){EnumExpression(Pick(_enumLocals), depth - 1)})";
                case 7 when _enumLocals.Count > 0 && _random.Next(3) == 0:
                    {
                        // E - E is the underlying type, wrapping at its width.
                        var e = Pick(_enumLocals);
                        return $"(({type})({EnumExpression(e, depth - 1)} - {EnumExpression(e, depth - 1)}))";
                    }
                case 7:
                    if (_random.Next(2) == 0)
                    {
                        // A call to one of the corpus's own methods (inlined by the compiler).
                        string t = Pick(Types);
                        return _random.Next(7) switch
                        {
                            0 => $"(({type})GMix((long)({Expression("long", depth - 1)}), (int)({Expression("int", depth - 1)})))",
                            1 => $"(({type})GClamp((int)({Expression("int", depth - 1)}), -100, 100))",
                            2 => $"(({type})GRotl((ulong)({Expression("ulong", depth - 1)}), (int)({Expression("int", depth - 1)})))",
                            // Integer methods of Math and BitOperations the compiler knows.
                            3 => $"(({type})System.Math.{Pick(new[] { "Min", "Max" })}(({t})({Expression(t, depth - 1)}), ({t})({Expression(t, depth - 1)})))",
                            4 => $"(({type})System.Numerics.BitOperations.{Pick(new[] { "PopCount", "Log2", "LeadingZeroCount", "TrailingZeroCount" })}(({Pick(new[] { "uint", "ulong" })})({Expression(Pick(Types), depth - 1)})))",
                            5 => $"(({type})System.Numerics.BitOperations.{Pick(new[] { "RotateLeft", "RotateRight" })}(({Pick(new[] { "uint", "ulong" })})({Expression(Pick(Types), depth - 1)}), (int)({Expression("int", depth - 1)})))",
                            _ => $"(({type})System.Math.Sign(({Pick(new[] { "sbyte", "short", "int", "long" })})({Expression(Pick(Types), depth - 1)})))",
                        };
                    }
                    return $"(({type})({Expression(Pick(Types), depth - 1)}))";
                default:
                    return $"({Condition(depth - 1)} ? ({type})1 : ({type})0)";
            }
        }

        /// <summary>Integer types whose values all fit each division type (the divisor may be a local of any of them).</summary>
        private static readonly Dictionary<string, string[]> Widening = new Dictionary<string, string[]>
        {
            ["int"] = new[] { "sbyte", "byte", "short", "ushort", "int" },
            ["uint"] = new[] { "byte", "ushort", "uint" },
            ["long"] = new[] { "sbyte", "byte", "short", "ushort", "int", "uint", "long" },
            ["ulong"] = new[] { "byte", "ushort", "uint", "ulong" },
        };

        /// <summary>
        /// A division by a local, under a test that rules out the divisors C# throws for (0, and -1 for signed
        /// division): <c>(d != 0 ? x / d : k)</c>. Null when no local fits.
        /// </summary>
        private string? GuardedDivision(string type, int depth)
        {
            string lt = Pick(new[] { "uint", "ulong", "int", "long" });
            var candidates = _locals.Where(l => Widening[lt].Contains(l.Type) && !_referenced.Contains(l.Name)).ToList();
            if (candidates.Count == 0) return null;
            var (d, dt) = Pick(candidates);
            _divisors.Add(d);
            string guard = !Signed(lt)
                ? Pick(new[] { $"{d} != 0", $"{d} > 0", $"!({d} == 0)", $"{d} is not 0" })
                : !Signed(dt)
                    ? Pick(new[] { $"{d} != 0", $"{d} > 0" })
                    : Pick(new[] { $"{d} > 0", $"({d} != 0 && {d} != -1)", $"{d} is not (0 or -1)", $"{d} < -1", $"!({d} == 0 || {d} == -1)" });
            string op = _random.Next(2) == 0 ? "/" : "%";
            _pure++;
            string dividend = Expression(Pick(Types), depth - 1);
            _pure--;
            return $"(({guard}) ? (({type})(({lt})({dividend}) {op} {d})) : {Leaf(type)})";
        }

        private string Leaf(string type)
        {
            if (_enumLocals.Count > 0 && _random.Next(6) == 0) return $"(({type}){Pick(_enumLocals).Name})";
            if (_locals.Count > 0 && _random.Next(3) != 0)
            {
                var (name, localType) = Pick(_locals);
                return localType == type ? name : $"(({type}){name})";
            }
            return Constant(type);
        }

        /// <summary>
        /// An expression that writes a local as it is evaluated (<c>v++</c>, <c>--v</c>, <c>v = e</c>, <c>v op= e</c>), of
        /// type <paramref name="type"/>; null when no local can be written here.
        /// </summary>
        private string? SideEffect(string type, int depth, (string Name, string Type)? target = null)
        {
            var writable = _locals.Where(l => !_counters.Contains(l.Name)).ToList();
            if (writable.Count == 0) return null;
            var (v, vt) = target ?? Pick(writable);
            string effect = _random.Next(4) switch
            {
                0 => Pick(new[] { $"{v}++", $"{v}--", $"++{v}", $"--{v}" }),
                1 => $"{v} = ({vt})({Expression(vt, depth - 1)})",
                2 => $"{v} {Pick(new[] { "+=", "-=", "^=", "|=", "*=" })} ({vt})({Expression(vt, depth - 1)})",
                _ => $"{v} {Pick(new[] { "<<=", ">>=" })} (int)({Expression("int", depth - 1)})",
            };
            return $"(({type})({effect}))";
        }

        /// <summary>An expression of the enum type of <paramref name="e"/>, built with the operators C# defines on enums.</summary>
        private string EnumExpression((string Name, string Enum, string Underlying) e, int depth)
        {
            var same = _enumLocals.Where(x => x.Enum == e.Enum).ToList();
            string Operand() => depth <= 0 || _random.Next(3) == 0 ? Pick(same).Name : EnumExpression(e, depth - 1);
            string Offset() => $"(({e.Underlying})({Expression(e.Underlying, Math.Min(depth, 1))}))";
            switch (depth <= 0 ? 0 : _random.Next(7))
            {
                case 0:
                    return Pick(same).Name;
                case 1:
                    return $"({Operand()} + {Offset()})";
                case 2:
                    return $"({Offset()} + {Operand()})";
                case 3:
                    return $"({Operand()} - {Offset()})";
                case 4:
                    return $"({Operand()} {Pick(new[] { "&", "|", "^" })} {Operand()})";
                case 5:
                    return $"(~{Operand()})";
                default:
                    return $"({Condition(0)} ? {Operand()} : ({e.Enum}){Offset()})";
            }
        }

        /// <summary>A bool expression.</summary>
        public string Condition(int depth)
        {
            switch (depth <= 0 ? 0 : _random.Next(6))
            {
                case 0:
                case 1:
                case 2:
                    {
                        string t = Pick(Types);
                        string op = Pick(new[] { "==", "!=", "<", "<=", ">", ">=" });
                        return $"({Expression(t, depth - 1)} {op} {Expression(t, depth - 1)})";
                    }
                case 3:
                    return $"({Condition(depth - 1)} && {Condition(depth - 1)})";
                case 4:
                    return $"({Condition(depth - 1)} || {Condition(depth - 1)})";
                default:
                    return $"!{Condition(depth - 1)}";
            }
        }

        /// <summary>Declares an enum local, or changes one with the operators C# defines on enums.</summary>
        private void EnumStatement(Action<string> line, int s)
        {
            if (_enumLocals.Count == 0 || _random.Next(3) == 0)
            {
                var (type, underlying) = Enums[_random.Next(Enums.Length)];
                string local = "e" + s;
                line($"{type} {local} = unchecked(({type})({Expression(underlying, 2)}));");
                _enumLocals.Add((local, type, underlying));
                return;
            }
            var e = Pick(_enumLocals);
            string offset = $"(({e.Underlying})({Expression(e.Underlying, 1)}))";
            line(_random.Next(4) switch
            {
                0 => $"{e.Name} = unchecked({EnumExpression(e, 2)});",
                1 => $"{e.Name} {Pick(new[] { "+=", "-=" })} unchecked({offset});",
                2 => Pick(new[] { $"{e.Name}++;", $"{e.Name}--;", $"++{e.Name};", $"--{e.Name};" }),
                _ => $"{e.Name} {Pick(new[] { "&=", "|=", "^=" })} unchecked({EnumExpression(e, 1)});",
            });
        }

        /// <summary>
        /// References to locals: a ref local (then re-pointed by a conditional ref), a conditional ref as a target, or a
        /// ref-returning call as a target. Writes through each must reach the local it refers to.
        /// </summary>
        private void RefStatement(Action<string> line, int s)
        {
            var candidates = _locals.Where(l => !_counters.Contains(l.Name) && !_divisors.Contains(l.Name)).ToList();
            if (candidates.Count == 0) return;
            var longs = candidates.Where(l => l.Type == "long").ToList();
            var (x, type) = longs.Count > 0 && _random.Next(2) == 0 ? Pick(longs) : Pick(candidates);
            var sameType = candidates.Where(l => l.Type == type).ToList();
            var (y, _) = Pick(sameType);
            _referenced.Add(x);
            _referenced.Add(y);
            string op = Pick(new[] { "=", "+=", "-=", "^=", "*=" });
            string Value() => $"unchecked(({type})({Expression(type, 2)}))";
            switch (_random.Next(3))
            {
                case 0:
                    {
                        string r = "r" + s;
                        line($"ref {type} {r} = ref {x};");
                        line($"{r} {op} {Value()};");
                        if (_random.Next(2) == 0)
                        {
                            line($"{r} = ref (unchecked({Condition(1)}) ? ref {x} : ref {y});");
                            line($"{r} {Pick(new[] { "=", "+=", "^=" })} {Value()};");
                        }
                        _referenced.Add(r);
                        _locals.Add((r, type));
                        break;
                    }
                case 1:
                    // The right side may write the variable the conditional ref chose, after C# read it.
                    line(_random.Next(2) == 0
                        ? $"(unchecked({Condition(1)}) ? ref {x} : ref {y}) {op} {Value()};"
                        : $"(unchecked({Condition(1)}) ? ref {x} : ref {y}) {Pick(new[] { "+=", "^=", "-=" })} unchecked(({type})({SideEffect(type, 2, (x, type))} + {Expression(type, 1)}));");
                    break;
                default:
                    line($"GPick(ref {x}, ref {y}, unchecked({Condition(1)})) {op} {Value()};");
                    break;
            }
            if (type == "long" && _random.Next(2) == 0)
            {
                // The value of 'c ? x : y', x now in memory, handed straight to a helper (and kept: the probe returns).
                line($"if (unchecked({Condition(1)})) {{ Out.Update(0, unchecked({Condition(1)} ? {x} : {Leaf("long")})); return {_random.Next(1, 100)}; }}");
            }
        }

        /// <summary>
        /// Stores into span elements whose index reads a local that the stored value changes: C# computes the index
        /// (the location) before the value.
        /// </summary>
        private void TargetFirstStatement(Action<string> line, int s)
        {
            var writable = _locals.Where(l => !_counters.Contains(l.Name)).ToList();
            if (writable.Count == 0) return;
            string span = "sp" + s;
            line($"Span<long> {span} = stackalloc long[4];");
            for (int k = 0; k < 3; k++)
            {
                var index = Pick(writable);
                string value = $"(long)({SideEffect("long", 2, index)}) {Pick(new[] { "+", "^", "*" })} (long)({Expression("long", 1)})";
                line($"{span}[(int)({index.Name}) & 3] {Pick(new[] { "=", "+=", "^=" })} unchecked({value});");
            }
            string sum = "sv" + s;
            line($"long {sum} = unchecked({span}[0] * 3 + {span}[1] * 5 + {span}[2] * 7 + {span}[3]);");
            _locals.Add((sum, "long"));
        }

        /// <summary>One probe method named <paramref name="name"/>.</summary>
        public string Probe(string name)
        {
            _locals.Clear();
            _enumLocals.Clear();
            _referenced.Clear();
            _counters.Clear();
            _divisors.Clear();
            var body = new StringBuilder();
            void Line(string text) => body.Append("        ").AppendLine(text);
            // Inputs of every width.
            for (int i = 0; i < 3; i++)
            {
                string type = Pick(Types);
                string local = "a" + i;
                Line($"{type} {local} = unchecked(({type})ctx.Arg{i});");
                _locals.Add((local, type));
            }
            int statements = _random.Next(3, 8);
            for (int s = 0; s < statements; s++)
            {
                _depthBudget = 14;
                switch (_random.Next(14))
                {
                    case 9:
                    case 10:
                        EnumStatement(Line, s);
                        break;
                    case 11:
                        RefStatement(Line, s);
                        break;
                    case 12:
                        TargetFirstStatement(Line, s);
                        break;
                    case 13:
                        {
                            // A compound assignment whose right side writes its own target.
                            var writable = _locals.Where(l => !_counters.Contains(l.Name)).ToList();
                            if (writable.Count == 0) break;
                            var target = Pick(writable);
                            Line($"{target.Name} {Pick(new[] { "+=", "-=", "^=", "*=", "|=" })} unchecked(({target.Type})({SideEffect(target.Type, 2, target)} + {Expression(target.Type, 1)}));");
                            break;
                        }
                    case 8:
                        {
                            // A switch expression with constant and relational patterns.
                            var (subject, subjectType) = Pick(_locals);
                            string type = Pick(Types);
                            string local = "w" + s;
                            // Arms in increasing order, each reachable, within the range of every integer type.
                            int low = Signed(subjectType) ? -50 : 1;
                            int c1 = _random.Next(low, 40), c2 = c1 + _random.Next(1, 30), c3 = c2 + _random.Next(0, 30);
                            Line($"{type} {local} = {subject} switch");
                            Line("{");
                            Line($"    < {c1} => unchecked({Expression(type, 1)}),");
                            Line($"    >= {c1} and < {c2} => unchecked({Expression(type, 1)}),");
                            Line($"    {c3} or {c3 + 1} => unchecked({Expression(type, 1)}),");
                            Line($"    _ => unchecked({Expression(type, 1)}),");
                            Line("};");
                            _locals.Add((local, type));
                            break;
                        }
                    case 7:
                        {
                            // A bounded loop; the counter is readable in the body but never assigned.
                            var (target, type) = Pick(_locals);
                            int trips = _random.Next(1, 17);
                            string counter = "i" + s;
                            // Counters stepped by adding, multiplying and shifting: the compiler runs the steps to prove the bound.
                            Line(_random.Next(5) switch
                            {
                                0 => $"for (int {counter} = 1; {counter} < {1 << trips}; {counter} *= 2)",
                                1 => $"for (int {counter} = {1 << trips}; {counter} != 0; {counter} >>= 1)",
                                2 => $"for (int {counter} = {trips * 3}; {counter} > 0; {counter} -= 3)",
                                3 => $"for (int {counter} = 1; {counter} < {trips * 40}; {counter} = {counter} * 3)",
                                _ => $"for (int {counter} = 0; {counter} < {trips}; {counter}++)",
                            });
                            Line("{");
                            _locals.Add((counter, "int"));
                            _counters.Add(counter);
                            Line($"    {target} {Pick(new[] { "+=", "^=", "-=" })} unchecked({Expression(type, 2)});");
                            Line($"    if (unchecked({Condition(1)})) {Pick(new[] { "break", "continue" })};");
                            _locals.RemoveAt(_locals.Count - 1);
                            _counters.Remove(counter);
                            Line("}");
                            break;
                        }
                    case 0:
                    case 1:
                        {
                            string type = Pick(Types);
                            string local = "v" + s;
                            Line($"{type} {local} = unchecked({Expression(type, 3)});");
                            _locals.Add((local, type));
                            break;
                        }
                    case 2:
                        {
                            var (target, type) = Pick(_locals);
                            string op = Pick(new[] { "+=", "-=", "*=", "&=", "|=", "^=" });
                            Line($"{target} {op} unchecked({Expression(type, 2)});");
                            break;
                        }
                    case 3:
                        {
                            var (target, type) = Pick(_locals);
                            Line($"{target} {Pick(new[] { "<<=", ">>=", ">>>=" })} unchecked((int)({Expression("int", 1)}));");
                            break;
                        }
                    case 4:
                        {
                            var (target, type) = Pick(_locals);
                            Line(Pick(new[] { $"{target}++;", $"{target}--;", $"++{target};", $"--{target};" }));
                            break;
                        }
                    case 5:
                        {
                            var (target, type) = Pick(_locals);
                            Line($"if (unchecked({Condition(2)}))");
                            Line("{");
                            Line($"    {target} = unchecked({Expression(type, 2)});");
                            Line("}");
                            Line("else");
                            Line("{");
                            var (other, otherType) = Pick(_locals);
                            Line($"    {other} ^= unchecked({Expression(otherType, 2)});");
                            Line("}");
                            break;
                        }
                    default:
                        {
                            Line($"if (unchecked({Condition(2)}))");
                            Line("{");
                            if (_random.Next(2) == 0 && _locals.Count > 1)
                            {
                                // The value of 'c ? x : y' handed straight to a helper: a value, whatever the arms are (an arm
                                // that something refers to lives in memory).
                                var inMemory = _locals.Where(l => _referenced.Contains(l.Name) && l.Type == "long").ToList();
                                string x = (inMemory.Count > 0 ? Pick(inMemory) : Pick(_locals)).Name, y = Pick(_locals).Name;
                                Line(_random.Next(2) == 0
                                    ? $"    Out.Update(0, unchecked({Condition(1)} ? (long){x} : (long){y}));"
                                    : $"    Out.Update(0, unchecked({Condition(1)} ? (long){y} : (long){x}));");
                            }
                            else
                            {
                                Line($"    Out.Update(0, unchecked((long)({Expression("long", 2)})));");
                            }
                            Line($"    return {_random.Next(1, 100)};");
                            Line("}");
                            break;
                        }
                }
            }
            _depthBudget = 14;
            string result = string.Join(" ^ ", _locals.Select(l => $"(long){l.Name}").Concat(_enumLocals.Select(e => $"(long){e.Name}")));
            Line($"Out.Update(0, unchecked({result} ^ (long)({Expression("long", 2)})));");
            Line($"return unchecked((int)({Expression("int", 2)}));");

            var method = new StringBuilder();
            method.AppendLine($"    [BpfProgram, Section(\"raw_tp/{name}\")]");
            method.AppendLine($"    public static int {name}(ref RawTracepointArgs ctx)");
            method.AppendLine("    {");
            method.Append(body);
            method.AppendLine("    }");
            return method.ToString();
        }
    }
}
