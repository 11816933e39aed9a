using System.Collections.Generic;

namespace BpfDotnet.Compiler.Facts
{
    /// <summary>
    /// How one register was made from another that has not changed since: a plain copy, or an extension of its low
    /// <see cref="Size"/> bytes. A test of the register then says something of its source too.
    /// </summary>
    internal readonly struct Relation
    {
        public Relation(int source, bool isCopy, int size, bool signed)
        {
            Source = source;
            IsCopy = isCopy;
            Size = size;
            Signed = signed;
        }

        public int Source { get; }
        public bool IsCopy { get; }
        public int Size { get; }
        public bool Signed { get; }

        public static Relation CopyOf(int source) => new Relation(source, true, 8, false);

        public bool SameAs(Relation other) => Source == other.Source && IsCopy == other.IsCopy && Size == other.Size && Signed == other.Signed;
    }

    /// <summary>The facts of every register at one program point. Registers not listed hold <see cref="Fact.Any"/>.</summary>
    internal sealed class FactState
    {
        private readonly Dictionary<int, Fact> _facts;
        private readonly Dictionary<int, Relation> _relations;
        /// <summary>How many relations name each register as their source (to drop them when it changes).</summary>
        private readonly Dictionary<int, int> _sources;

        public FactState()
        {
            _facts = new Dictionary<int, Fact>();
            _relations = new Dictionary<int, Relation>();
            _sources = new Dictionary<int, int>();
        }

        private FactState(FactState other)
        {
            _facts = new Dictionary<int, Fact>(other._facts);
            _relations = new Dictionary<int, Relation>(other._relations);
            _sources = new Dictionary<int, int>(other._sources);
        }

        public FactState Clone() => new FactState(this);

        public Fact this[int register] => register >= 0 && _facts.TryGetValue(register, out var fact) ? fact : Fact.Any;

        public bool TryGetRelation(int register, out Relation relation) => _relations.TryGetValue(register, out relation);

        /// <summary>Registers copied from <paramref name="register"/> (or copied from those), which a test of it also speaks for.</summary>
        public IEnumerable<int> CopiesOf(int register)
        {
            if (!_sources.ContainsKey(register)) yield break;
            foreach (var entry in _relations)
            {
                if (entry.Value.IsCopy && entry.Value.Source == register) yield return entry.Key;
            }
        }

        /// <summary>A new value in <paramref name="register"/>: what was known of it, and every relation built on it, is gone.</summary>
        public void Define(int register, Fact fact, Relation? relation = null)
        {
            Forget(register);
            if (!fact.Equals(Fact.Any)) _facts[register] = fact;
            if (relation is { } r && r.Source != register)
            {
                _relations[register] = r;
                _sources[r.Source] = _sources.TryGetValue(r.Source, out int n) ? n + 1 : 1;
            }
        }

        /// <summary>Narrows what is known of <paramref name="register"/> without it changing (a test's outcome).</summary>
        public void Narrow(int register, Fact fact)
        {
            if (fact.Equals(Fact.Any)) _facts.Remove(register);
            else _facts[register] = fact;
        }

        private void Forget(int register)
        {
            _facts.Remove(register);
            if (_relations.TryGetValue(register, out var own))
            {
                _relations.Remove(register);
                Release(own.Source);
            }
            if (_sources.ContainsKey(register))
            {
                var dependents = new List<int>();
                foreach (var entry in _relations)
                {
                    if (entry.Value.Source == register) dependents.Add(entry.Key);
                }
                foreach (var dependent in dependents) _relations.Remove(dependent);
                _sources.Remove(register);
            }
        }

        private void Release(int source)
        {
            if (!_sources.TryGetValue(source, out int n)) return;
            if (n <= 1) _sources.Remove(source);
            else _sources[source] = n - 1;
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
                var other = incoming[entry.Key];
                var joined = widen is not null ? Fact.Widen(entry.Value, other, widen) : Fact.Join(entry.Value, other);
                if (joined.Equals(entry.Value)) continue;
                if (joined.Equals(Fact.Any)) removed.Add(entry.Key);
                else updated.Add(new KeyValuePair<int, Fact>(entry.Key, joined));
            }
            foreach (var r in removed) _facts.Remove(r);
            foreach (var u in updated) _facts[u.Key] = u.Value;
            changed |= removed.Count > 0 || updated.Count > 0;

            var dropped = new List<int>();
            foreach (var entry in _relations)
            {
                if (!incoming._relations.TryGetValue(entry.Key, out var other) || !other.SameAs(entry.Value)) dropped.Add(entry.Key);
            }
            foreach (var d in dropped)
            {
                Release(_relations[d].Source);
                _relations.Remove(d);
            }
            return changed || dropped.Count > 0;
        }
    }
}
