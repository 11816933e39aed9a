using System.Collections.Generic;

namespace BpfDotnet.Compiler.Facts
{
    /// <summary>What a <see cref="Relation"/> says a register is.</summary>
    internal enum RelationKind : byte
    {
        /// <summary>A copy of register <see cref="Relation.Source"/>.</summary>
        Copy,
        /// <summary>The low <see cref="Relation.Size"/> bytes of register <see cref="Relation.Source"/>, extended.</summary>
        Extend,
        /// <summary>The value in stack cell <see cref="Relation.Cell"/>, read as its bytes sign- or zero-extended.</summary>
        Cell,
    }

    /// <summary>
    /// How one register was made from another register or a stack cell that has not changed since. A test of the
    /// register then says something of its source too.
    /// </summary>
    internal readonly struct Relation
    {
        private Relation(RelationKind kind, int source, long cell, int size, bool signed)
        {
            Kind = kind;
            Source = source;
            Cell = cell;
            Size = size;
            Signed = signed;
        }

        public RelationKind Kind { get; }
        /// <summary>The source register (-1 for a cell).</summary>
        public int Source { get; }
        /// <summary>The source cell (see <see cref="FactState.CellKey"/>).</summary>
        public long Cell { get; }
        public int Size { get; }
        public bool Signed { get; }

        public bool IsCopy => Kind == RelationKind.Copy;

        public static Relation CopyOf(int source) => new Relation(RelationKind.Copy, source, 0, 8, false);

        public static Relation ExtensionOf(int source, int size, bool signed) => new Relation(RelationKind.Extend, source, 0, size, signed);

        public static Relation CellRead(long cell, int size, bool signed) => new Relation(RelationKind.Cell, -1, cell, size, signed);

        public bool SameAs(Relation other) => Kind == other.Kind && Source == other.Source && Cell == other.Cell && Size == other.Size && Signed == other.Signed;
    }

    /// <summary>
    /// What a stack cell (bytes of a stack slot) holds: <see cref="Value"/> is the value its <see cref="Size"/> bytes
    /// stand for, read sign-extended when <see cref="Signed"/> and zero-extended otherwise.
    /// </summary>
    internal readonly struct CellFact
    {
        public CellFact(Fact value, int size, bool signed)
        {
            Value = value;
            Size = size;
            Signed = signed;
        }

        public Fact Value { get; }
        public int Size { get; }
        public bool Signed { get; }

        public bool Equals(CellFact other) => Value.Equals(other.Value) && Size == other.Size && Signed == other.Signed;
    }

    /// <summary>
    /// The facts of every register and of the stack cells written at one program point. Registers not listed hold
    /// <see cref="Fact.Any"/>; cells not listed hold whatever their type allows.
    /// </summary>
    internal sealed class FactState
    {
        private readonly Dictionary<int, Fact> _facts;
        private readonly Dictionary<int, Relation> _relations;
        /// <summary>How many relations name each register as their source (to drop them when it changes).</summary>
        private readonly Dictionary<int, int> _sources;
        private readonly Dictionary<long, CellFact> _cells;
        /// <summary>How many relations name each cell (to drop them when it is written).</summary>
        private readonly Dictionary<long, int> _cellReaders;
        /// <summary>Reservations (objects) held on some path to this point, not yet released.</summary>
        private readonly SortedSet<int> _held;

        /// <summary>
        /// The packet bytes from its start that a comparison with its end has proven there on every path to this point
        /// (through the one register the program keeps the packet's start in), or 0.
        /// </summary>
        public long PacketProven { get; set; }

        public FactState()
        {
            _held = new SortedSet<int>();
            _facts = new Dictionary<int, Fact>();
            _relations = new Dictionary<int, Relation>();
            _sources = new Dictionary<int, int>();
            _cells = new Dictionary<long, CellFact>();
            _cellReaders = new Dictionary<long, int>();
        }

        private FactState(FactState other)
        {
            _held = new SortedSet<int>(other._held);
            _facts = new Dictionary<int, Fact>(other._facts);
            _relations = new Dictionary<int, Relation>(other._relations);
            _sources = new Dictionary<int, int>(other._sources);
            _cells = new Dictionary<long, CellFact>(other._cells);
            _cellReaders = new Dictionary<long, int>(other._cellReaders);
            PacketProven = other.PacketProven;
        }

        public FactState Clone() => new FactState(this);

        public Fact this[int register] => register >= 0 && _facts.TryGetValue(register, out var fact) ? fact : Fact.Any;

        public bool TryGetRelation(int register, out Relation relation) => _relations.TryGetValue(register, out relation);

        /// <summary>Reservations that may still be held here (on some path).</summary>
        public IReadOnlyCollection<int> Held => _held;

        /// <summary>A reservation is taken: object <paramref name="origin"/> must be released on every path.</summary>
        public void Hold(int origin) => _held.Add(origin);

        /// <summary>A reservation is released (given back, or found never taken).</summary>
        public void Release(int origin) => _held.Remove(origin);

        /// <summary>The key of the <paramref name="size"/> bytes at <paramref name="offset"/> in stack slot <paramref name="slot"/>.</summary>
        public static long CellKey(int slot, int offset, int size) => ((long)slot << 32) | ((long)(ushort)(offset + 0x8000) << 8) | (byte)size;

        private static (int Slot, int Offset, int Size) Unpack(long key) => ((int)(key >> 32), (int)((key >> 8) & 0xFFFF) - 0x8000, (int)(key & 0xFF));

        public bool TryGetCell(long key, out CellFact cell) => _cells.TryGetValue(key, out cell);

        /// <summary>Registers copied from <paramref name="register"/>, which a test of it also speaks for.</summary>
        public IEnumerable<int> CopiesOf(int register)
        {
            if (!_sources.ContainsKey(register)) yield break;
            foreach (var entry in _relations)
            {
                if (entry.Value.IsCopy && entry.Value.Source == register) yield return entry.Key;
            }
        }

        /// <summary>A new value in <paramref name="register"/>: what was known of it, and every relation built on it, is gone.</summary>
        /// <summary>Every register holding a packet reference now holds a stale one.</summary>
        public void MarkPacketReferencesStale()
        {
            foreach (int register in new List<int>(_facts.Keys))
            {
                if (_facts[register].Kind is ValueKind.Packet or ValueKind.PacketOrNull) _facts[register] = Fact.Of(ValueKind.StalePacket);
            }
        }

        public void Define(int register, Fact fact, Relation? relation = null)
        {
            Forget(register);
            if (!fact.Equals(Fact.Any)) _facts[register] = fact;
            if (relation is not { } r || r.Source == register) return;
            _relations[register] = r;
            if (r.Kind == RelationKind.Cell) Count(_cellReaders, r.Cell, +1);
            else Count(_sources, r.Source, +1);
        }

        /// <summary>Narrows what is known of <paramref name="register"/> without it changing (a test's outcome).</summary>
        public void Narrow(int register, Fact fact)
        {
            if (fact.Equals(Fact.Any)) _facts.Remove(register);
            else _facts[register] = fact;
        }

        /// <summary>The bytes of a cell are written: what it held, and what overlapped it, is gone; then it holds <paramref name="value"/>.</summary>
        public void WriteCell(long key, CellFact? value)
        {
            var (slot, offset, size) = Unpack(key);
            ForgetCells(k =>
            {
                var (s, o, n) = Unpack(k);
                return s == slot && o < offset + size && offset < o + n;
            });
            if (value is { } v) _cells[key] = v;
        }

        /// <summary>Narrows what a cell holds (a test of a register read from it).</summary>
        public void NarrowCell(long key, CellFact value) => _cells[key] = value;

        /// <summary>Memory may have changed anywhere on the stack (a store through a pointer, a call): no cell is known.</summary>
        public void ForgetAllCells() => ForgetCells(_ => true);

        private void ForgetCells(System.Func<long, bool> which)
        {
            List<long>? gone = null;
            foreach (var key in _cells.Keys)
            {
                if (which(key)) (gone ??= new List<long>()).Add(key);
            }
            foreach (var key in _cellReaders.Keys)
            {
                if (which(key) && (gone is null || !gone.Contains(key))) (gone ??= new List<long>()).Add(key);
            }
            if (gone is null) return;
            foreach (var key in gone)
            {
                _cells.Remove(key);
                if (!_cellReaders.ContainsKey(key)) continue;
                var readers = new List<int>();
                foreach (var entry in _relations)
                {
                    if (entry.Value.Kind == RelationKind.Cell && entry.Value.Cell == key) readers.Add(entry.Key);
                }
                foreach (var reader in readers) _relations.Remove(reader);
                _cellReaders.Remove(key);
            }
        }

        private void Forget(int register)
        {
            _facts.Remove(register);
            if (_relations.TryGetValue(register, out var own))
            {
                _relations.Remove(register);
                if (own.Kind == RelationKind.Cell) Count(_cellReaders, own.Cell, -1);
                else Count(_sources, own.Source, -1);
            }
            if (_sources.ContainsKey(register))
            {
                var dependents = new List<int>();
                foreach (var entry in _relations)
                {
                    if (entry.Value.Kind != RelationKind.Cell && entry.Value.Source == register) dependents.Add(entry.Key);
                }
                foreach (var dependent in dependents) _relations.Remove(dependent);
                _sources.Remove(register);
            }
        }

        private static void Count<TKey>(Dictionary<TKey, int> counts, TKey key, int delta) where TKey : notnull
        {
            int n = (counts.TryGetValue(key, out int c) ? c : 0) + delta;
            if (n <= 0) counts.Remove(key);
            else counts[key] = n;
        }

        /// <summary>
        /// Joins <paramref name="incoming"/> into this state (kept where both agree); with <paramref name="widen"/> (thresholds),
        /// bounds that moved go out to the next threshold. True when this state changed.
        /// </summary>
        public bool JoinWith(FactState incoming, long[]? widen)
        {
            bool changed = false;
            var removed = new List<int>();
            var updated = new List<KeyValuePair<int, Fact>>();
            foreach (var entry in _facts)
            {
                var joined = Combine(entry.Value, incoming[entry.Key], widen);
                if (joined.Equals(entry.Value)) continue;
                if (joined.Equals(Fact.Any)) removed.Add(entry.Key);
                else updated.Add(new KeyValuePair<int, Fact>(entry.Key, joined));
            }
            foreach (var r in removed) _facts.Remove(r);
            foreach (var u in updated) _facts[u.Key] = u.Value;
            changed |= removed.Count > 0 || updated.Count > 0;

            var droppedCells = new List<long>();
            var updatedCells = new List<KeyValuePair<long, CellFact>>();
            foreach (var entry in _cells)
            {
                if (!incoming._cells.TryGetValue(entry.Key, out var other) || other.Size != entry.Value.Size || other.Signed != entry.Value.Signed)
                {
                    droppedCells.Add(entry.Key);
                    continue;
                }
                var joined = new CellFact(Combine(entry.Value.Value, other.Value, widen), entry.Value.Size, entry.Value.Signed);
                if (!joined.Equals(entry.Value)) updatedCells.Add(new KeyValuePair<long, CellFact>(entry.Key, joined));
            }
            foreach (var d in droppedCells) _cells.Remove(d);
            foreach (var u in updatedCells) _cells[u.Key] = u.Value;
            changed |= droppedCells.Count > 0 || updatedCells.Count > 0;

            var dropped = new List<int>();
            foreach (var entry in _relations)
            {
                if (!incoming._relations.TryGetValue(entry.Key, out var other) || !other.SameAs(entry.Value)) dropped.Add(entry.Key);
            }
            foreach (var d in dropped)
            {
                var relation = _relations[d];
                _relations.Remove(d);
                if (relation.Kind == RelationKind.Cell) Count(_cellReaders, relation.Cell, -1);
                else Count(_sources, relation.Source, -1);
            }
            // Bytes proven on both paths only.
            bool shorter = incoming.PacketProven < PacketProven;
            if (shorter) PacketProven = incoming.PacketProven;
            changed |= shorter;
            // A reservation held on either path may be held after the join.
            bool held = false;
            foreach (var origin in incoming._held) held |= _held.Add(origin);
            return changed || dropped.Count > 0 || held;
        }

        private static Fact Combine(Fact mine, Fact theirs, long[]? widen) => widen is not null ? Fact.Widen(mine, theirs, widen) : Fact.Join(mine, theirs);
    }
}
