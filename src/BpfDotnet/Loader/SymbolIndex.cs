using System;
using System.Collections.Generic;

namespace BpfDotnet
{
    /// <summary>
    /// Symbols sorted by start address, each with its size (0 when unknown) and the module it belongs to (or null), to
    /// find the one an address is in: the nearest at or below it that does not end before it. The kernel's symbols, an
    /// ELF file's and a perf map's are each one.
    /// </summary>
    internal sealed class SymbolIndex
    {
        private readonly ulong[] _starts;
        private readonly ulong[] _sizes;
        private readonly string[] _names;
        private readonly string?[] _modules;

        /// <summary>Indexes <paramref name="symbols"/> (in any order; symbols at one address keep their given order).</summary>
        public SymbolIndex(List<(ulong Start, ulong Size, string Name, string? Module)> symbols)
        {
            var sorted = new List<(ulong Start, ulong Size, string Name, string? Module, int Order)>(symbols.Count);
            for (int i = 0; i < symbols.Count; i++) sorted.Add((symbols[i].Start, symbols[i].Size, symbols[i].Name, symbols[i].Module, i));
            sorted.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Order.CompareTo(b.Order));
            _starts = new ulong[sorted.Count];
            _sizes = new ulong[sorted.Count];
            _names = new string[sorted.Count];
            _modules = new string?[sorted.Count];
            for (int i = 0; i < sorted.Count; i++) (_starts[i], _sizes[i], _names[i], _modules[i], _) = sorted[i];
        }

        /// <summary>The number of symbols.</summary>
        public int Count => _names.Length;

        /// <summary>
        /// The symbol <paramref name="address"/> is in, the address's offset from its start and its module; null before
        /// the first symbol, or past the end of a symbol of known size.
        /// </summary>
        public (string Name, ulong Offset, string? Module)? Resolve(ulong address)
        {
            int at = Array.BinarySearch(_starts, address);
            if (at < 0) at = ~at - 1;
            if (at < 0) return null;
            ulong offset = address - _starts[at];
            if (_sizes[at] != 0 && offset >= _sizes[at]) return null;
            return (_names[at], offset, _modules[at]);
        }
    }
}
