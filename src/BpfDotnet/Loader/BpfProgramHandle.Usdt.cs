using System;
using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>A USDT probe (a static tracepoint of a user program, <c>sys/sdt.h</c>) as its binary's <c>.note.stapsdt</c> describes it.</summary>
    /// <param name="Provider">The provider (<c>python</c>, <c>libstdcxx</c>, ...).</param>
    /// <param name="Name">The probe's name (<c>gc__start</c>, <c>function__entry</c>, ...).</param>
    /// <param name="Address">The address of one location of the probe in the binary.</param>
    /// <param name="HasSemaphore">The program checks a semaphore before it fires the probe (the kernel raises it while a probe is attached).</param>
    /// <param name="Arguments">The argument specs, as the note records them (<c>-4@%edi 8@-80(%rbx)</c>).</param>
    public sealed record UsdtProbeInfo(string Provider, string Name, ulong Address, bool HasSemaphore, string Arguments);

    /// <summary>USDT probes: a uprobe at each location of a probe, whose arguments the program reads with <c>Usdt.Arg</c>.</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>The next free entry of this program's USDT argument table.</summary>
        private int _usdtSlots;

        /// <summary>The USDT probes of <paramref name="binary"/> (a path, a library name or a program on PATH), one per location, in note order.</summary>
        /// <exception cref="BpfException">The binary was not found, or is not a 64-bit ELF file.</exception>
        public static IReadOnlyList<UsdtProbeInfo> FindUsdtProbes(string binary)
        {
            ArgumentNullException.ThrowIfNull(binary);
            string path = ResolveBinary(binary);
            var file = ElfSymbolFile.Load(path);
            return file.UsdtProbes.Select(p => new UsdtProbeInfo(p.Provider, p.Name, p.Address, p.Semaphore != 0, p.Arguments)).ToList();
        }

        /// <summary>
        /// Attaches the program (a <c>usdt</c> program taking <c>ref PtRegs</c>) to every location of the USDT probe
        /// <paramref name="provider"/>:<paramref name="name"/> of <paramref name="binary"/>, raising its semaphore where it
        /// has one. At each location the program's <c>Usdt.Arg(ref ctx, n)</c> reads the probe's arguments as that
        /// location's note says. One link detaches them all.
        /// </summary>
        /// <param name="binary">An absolute path, a library name, or a program found on PATH (<c>python3</c>).</param>
        /// <param name="provider">The probe's provider.</param>
        /// <param name="name">The probe's name.</param>
        /// <param name="processId">The process to probe in; -1 for every process that runs the binary.</param>
        /// <exception cref="BpfException">The probe is not in the binary, its arguments cannot be read, or the kernel refused.</exception>
        public BpfLink AttachUsdt(string binary, string provider, string name, int processId = -1)
        {
            ArgumentNullException.ThrowIfNull(binary);
            ArgumentNullException.ThrowIfNull(provider);
            ArgumentNullException.ThrowIfNull(name);
            _owner.ThrowIfDisposed();
            if (_kind.Attach != ProgramAttach.Usdt && !(_kind.Prefix == "usdt" && Type == BpfProgramType.Kprobe))
                throw new BpfException($"Program '{Name}' is in section '{SectionName}'; USDT probes run programs of 'usdt' sections (declare it with [Section(\"usdt/<binary>:<provider>:<name>\")] or [Section(\"usdt\")]).");
            string path = ResolveBinary(binary);
            var file = ElfSymbolFile.Load(path);
            var locations = file.UsdtProbes.Where(p => p.Provider == provider && p.Name == name).ToList();
            if (locations.Count == 0)
            {
                var known = file.UsdtProbes.Select(p => p.Provider + ":" + p.Name).Distinct().Take(12).ToList();
                throw new BpfException($"'{path}' has no USDT probe {provider}:{name}"
                    + (known.Count == 0 ? " (it has no .note.stapsdt section: it was built without sys/sdt.h probes)." : "; it has " + string.Join(", ", known) + (known.Count == 12 ? ", ..." : "") + "."), Native.ENOENT);
            }
            var layout = PtRegsLayout.Of(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture)
                ?? throw new BpfException("USDT arguments are read on x86-64 and arm64 only.");
            _owner.Maps.TryGetValue(UsdtSpecTable.SectionPrefix + Name, out BpfMapHandle? table);
            if (table is not null && _usdtSlots + locations.Count > UsdtSpecTable.Entries)
                throw new BpfException($"Program '{Name}' would be at {_usdtSlots + locations.Count} USDT locations; one program reads the arguments of at most {UsdtSpecTable.Entries}. Load the object again for more.");
            var parts = new List<BpfLink>();
            try
            {
                foreach (var location in locations)
                {
                    ulong offset = file.FileOffsetOfAddress(location.Address)
                        ?? throw new BpfException($"USDT probe {provider}:{name} of '{path}' is at 0x{location.Address:x}, which no loadable segment of the file holds.");
                    ulong semaphore = 0;
                    if (location.Semaphore != 0)
                    {
                        semaphore = file.FileOffsetOfAddress(location.Semaphore)
                            ?? throw new BpfException($"The semaphore of USDT probe {provider}:{name} of '{path}' is at 0x{location.Semaphore:x}, which no file-backed segment holds.");
                    }
                    ulong cookie = 0;
                    if (table is not null)
                    {
                        var arguments = UsdtArgumentParser.Parse(location.Arguments, layout, out string? problem)
                            ?? throw new BpfException($"Cannot read {problem} of USDT probe {provider}:{name} in '{path}' (arguments '{location.Arguments}', {layout.Architecture}).");
                        cookie = (ulong)_usdtSlots;
                        WriteUsdtEntry(table, _usdtSlots++, arguments);
                    }
                    parts.Add(OpenProbe(UprobePmu, path, path + ":" + provider + ":" + name, offset, false, processId, "uprobe", semaphore, cookie));
                }
            }
            catch
            {
                foreach (var part in parts) part.Dispose();
                throw;
            }
            string what = $"usdt {path}:{provider}:{name}" + (locations.Count > 1 ? $" ({locations.Count} locations)" : "") + (processId < 0 ? "" : " in process " + processId);
            return Track(BpfLink.Merge(parts, what + " -> " + Name));
        }

        private static void WriteUsdtEntry(BpfMapHandle table, int slot, IReadOnlyList<UsdtArgument> arguments)
        {
            var key = new byte[4];
            var value = new byte[table.ValueSize];
            if (!table.TryLookup(key, value)) throw new BpfException($"The USDT argument table {table.Name} cannot be read.");
            UsdtSpecTable.Write(arguments, value.AsSpan(slot * UsdtSpecTable.EntrySize, UsdtSpecTable.EntrySize));
            table.Update(key, value);
        }

        private BpfLink AttachUsdtFromSection()
        {
            // usdt/<binary>:<provider>:<name>; the binary may itself hold ':' (a path), the provider and name cannot.
            string target = SectionName.Substring(SectionName.IndexOf('/') + 1);
            int last = target.LastIndexOf(':');
            int middle = last > 0 ? target.LastIndexOf(':', last - 1) : -1;
            if (middle <= 0 || last == middle + 1 || last == target.Length - 1)
                throw new BpfException($"Program '{Name}' is in section '{SectionName}', which does not name a binary, a provider and a probe as usdt/<binary>:<provider>:<name> does; attach it with AttachUsdt(binary, provider, name).");
            return AttachUsdt(target.Substring(0, middle), target.Substring(middle + 1, last - middle - 1), target.Substring(last + 1));
        }
    }
}
