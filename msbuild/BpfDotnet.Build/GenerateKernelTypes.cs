using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BpfDotnet.KernelModel;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BpfDotnet.Build
{
    /// <summary>
    /// Writes the C# declarations of the kernel types named by <c>BpfKernelType</c> items, read from a BTF file (the
    /// running kernel's <c>/sys/kernel/btf/vmlinux</c> by default, or one checked into the repository), as
    /// <c>dotnet bpf types</c> writes them. The file is rewritten only when its text changes.
    /// </summary>
    /// <remarks>Error codes: BPFB010 unreadable or malformed BTF, or a type it does not have; BPFB011 write failure. See docs/diagnostics/BPFB.md.</remarks>
    public sealed class GenerateKernelTypes : Task
    {
        /// <summary>The BTF file to read (<c>$(BpfKernelBtf)</c>).</summary>
        [Required]
        public string BtfFile { get; set; } = "";

        /// <summary>The kernel types to declare, by BTF name (<c>@(BpfKernelType)</c>: <c>task_struct</c>, <c>sock</c>).</summary>
        [Required]
        public ITaskItem[] Types { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The namespace of the declarations (<c>$(BpfKernelTypesNamespace)</c>).</summary>
        public string Namespace { get; set; } = "Kernel";

        /// <summary>The file written (in the intermediate output folder).</summary>
        [Required]
        public string OutputFile { get; set; } = "";

        /// <summary>Reads the kernel's BTF and writes the C# declarations of the requested types; false (with BPFB010/011 logged) when it cannot.</summary>
        public override bool Execute()
        {
            var names = Types.Select(t => t.ItemSpec.Trim()).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            byte[] raw;
            try
            {
                raw = File.ReadAllBytes(BtfFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                Log.LogError(null, "BPFB010", null, null, 0, 0, 0, 0, $"Cannot read the BTF file '{BtfFile}' for the BpfKernelType items ({e.Message}); set BpfKernelBtf to a BTF file of the kernel (such as a copy of /sys/kernel/btf/vmlinux).");
                return false;
            }
            string text;
            try
            {
                var btf = new BtfReader(raw, "the BTF file '" + BtfFile + "'", message => new InvalidDataException(message));
                text = new CSharpDeclarations(btf).Generate(names, Namespace, BtfFile);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException)
            {
                Log.LogError(null, "BPFB010", null, null, 0, 0, 0, 0, $"Cannot declare the kernel types {string.Join(", ", names)} from '{BtfFile}': {e.Message}");
                return false;
            }
            try
            {
                if (!File.Exists(OutputFile) || File.ReadAllText(OutputFile) != text)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile))!);
                    File.WriteAllText(OutputFile, text, new UTF8Encoding(false));
                }
                else
                {
                    // Unchanged text: the file stays as it is, but its time moves past the inputs', so the target is skipped next time.
                    File.SetLastWriteTimeUtc(OutputFile, DateTime.UtcNow);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.LogError(null, "BPFB011", null, null, 0, 0, 0, 0, $"Cannot write the kernel type declarations to '{OutputFile}': {e.Message}");
                return false;
            }
            return true;
        }
    }
}
