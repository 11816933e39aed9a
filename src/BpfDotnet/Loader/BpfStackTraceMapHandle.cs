using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>One frame of a stack: its address and, when known, the symbol it is in.</summary>
    /// <param name="Address">The instruction address.</param>
    /// <param name="Symbol">The symbol containing it, or null when none is known.</param>
    /// <param name="Offset">The address's offset from the symbol's start.</param>
    /// <param name="Module">
    /// For a kernel frame, the kernel module the symbol belongs to, or null for the kernel itself; for a user frame, the
    /// file name of the executable or shared object (<c>libc.so.6</c>), or <c>[perf-map]</c> for code a runtime generated.
    /// </param>
    public readonly record struct BpfStackFrame(ulong Address, string? Symbol, ulong Offset, string? Module)
    {
        /// <summary><c>symbol+0x1f [module]</c>, or the address when no symbol is known.</summary>
        public override string ToString()
            => Symbol is null ? "0x" + Address.ToString("x", CultureInfo.InvariantCulture)
                : Symbol + "+0x" + Offset.ToString("x", CultureInfo.InvariantCulture) + (Module is null ? "" : " [" + Module + "]");
    }

    /// <summary>
    /// A stack-trace map seen from user space (<see cref="BpfStackTraceMap"/>): the frames of a stack id a program
    /// recorded, kernel stacks resolved to symbols through <c>/proc/kallsyms</c> (read once per process, when first needed)
    /// and user stacks through the process's mappings and ELF symbols (<see cref="BpfProcessSymbols"/>).
    /// </summary>
    public sealed class BpfStackTraceMapHandle
    {
        /// <summary>Creates the view, checking that the map is a stack-trace map.</summary>
        /// <exception cref="BpfException">The map is not a stack-trace map.</exception>
        public BpfStackTraceMapHandle(BpfMapHandle handle)
        {
            Handle = handle ?? throw new ArgumentNullException(nameof(handle));
            if (handle.Type != BpfMapType.StackTrace || handle.KeySize != 4 || handle.ValueSize % 8 != 0)
                throw new BpfException($"Map '{handle.Name}' is a {handle.Type} map with {handle.KeySize}-byte keys, not a stack-trace map.");
        }

        /// <summary>The untyped map.</summary>
        public BpfMapHandle Handle { get; }

        /// <summary>The map's name.</summary>
        public string Name => Handle.Name;

        /// <summary>The addresses of stack <paramref name="id"/>, innermost first; empty when the map has no such stack.</summary>
        public ulong[] GetStack(uint id)
        {
            var value = new byte[Handle.ValueSize];
            if (!Handle.TryLookup(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref id, 1)), value)) return Array.Empty<ulong>();
            var frames = MemoryMarshal.Cast<byte, ulong>(value);
            int depth = frames.IndexOf(0UL);
            return frames[..(depth < 0 ? frames.Length : depth)].ToArray();
        }

        /// <summary>The frames of kernel stack <paramref name="id"/>, resolved to kernel symbols (<c>/proc/kallsyms</c>).</summary>
        public BpfStackFrame[] GetKernelStack(uint id)
        {
            var addresses = GetStack(id);
            var frames = new BpfStackFrame[addresses.Length];
            for (int i = 0; i < addresses.Length; i++) frames[i] = KernelSymbols.Shared.Resolve(addresses[i]);
            return frames;
        }

        /// <summary>
        /// The frames of user stack <paramref name="id"/> (recorded with <see cref="StackTraceFlags.UserStack"/>) taken in
        /// process <paramref name="processId"/>, resolved through its mappings, ELF symbols and perf map. Resolve several
        /// stacks of one process with the overload that takes a <see cref="BpfProcessSymbols"/>, which reads each file once.
        /// </summary>
        public BpfStackFrame[] GetUserStack(uint id, int processId) => GetUserStack(id, new BpfProcessSymbols(processId));

        /// <summary>The frames of user stack <paramref name="id"/>, resolved by <paramref name="symbols"/>.</summary>
        public BpfStackFrame[] GetUserStack(uint id, BpfProcessSymbols symbols)
        {
            ArgumentNullException.ThrowIfNull(symbols);
            var addresses = GetStack(id);
            var frames = new BpfStackFrame[addresses.Length];
            for (int i = 0; i < addresses.Length; i++) frames[i] = symbols.Resolve(addresses[i]);
            return frames;
        }

        /// <summary>Removes stack <paramref name="id"/>, so its slot can take another stack.</summary>
        /// <returns>False when there was no such stack.</returns>
        public bool Delete(uint id) => Handle.Delete(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref id, 1)));
    }

    /// <summary>The kernel's symbols from <c>/proc/kallsyms</c>, sorted by address.</summary>
    internal sealed class KernelSymbols
    {
        private static readonly Lazy<KernelSymbols> s_shared = new Lazy<KernelSymbols>(() => new KernelSymbols("/proc/kallsyms"));
        private readonly SymbolIndex _symbols;

        public static KernelSymbols Shared => s_shared.Value;

        public KernelSymbols(string path)
        {
            var entries = new List<(ulong Start, ulong Size, string Name, string? Module)>();
            try
            {
                foreach (string line in File.ReadLines(path))
                {
                    // "ffffffff81000000 T _stext" or "... t name\t[module]"
                    int first = line.IndexOf(' ');
                    int second = first < 0 ? -1 : line.IndexOf(' ', first + 1);
                    if (second < 0 || !ulong.TryParse(line.AsSpan(0, first), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong address) || address == 0) continue;
                    char type = char.ToLowerInvariant(line[first + 1]);
                    if (type != 't' && type != 'w') continue;
                    string rest = line[(second + 1)..];
                    int tab = rest.IndexOf('\t');
                    string name = tab < 0 ? rest : rest[..tab];
                    string? module = tab < 0 ? null : rest[(tab + 1)..].Trim('[', ']', ' ');
                    entries.Add((address, 0, name, module));
                }
            }
            catch (IOException e)
            {
                throw new BpfException($"Could not read the kernel's symbols from {path}: {e.Message}.");
            }
            catch (UnauthorizedAccessException e)
            {
                throw new BpfException($"Could not read the kernel's symbols from {path}: {e.Message}. Run as root (addresses read as zero otherwise).");
            }
            _symbols = new SymbolIndex(entries);
        }

        /// <summary>The symbol <paramref name="address"/> is in: the nearest symbol at or below it.</summary>
        public BpfStackFrame Resolve(ulong address)
            => _symbols.Resolve(address) is var (name, offset, module) ? new BpfStackFrame(address, name, offset, module) : new BpfStackFrame(address, null, 0, null);
    }
}
