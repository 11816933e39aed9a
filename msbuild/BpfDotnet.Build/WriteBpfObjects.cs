using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace BpfDotnet.Build
{
    /// <summary>
    /// Writes every ELF object embedded in an assembly as <c>[assembly: BpfDotnet.BpfObjectAttribute(name, base64)]</c>
    /// to <c>&lt;OutputDirectory&gt;/&lt;name&gt;.bpf.o</c>. A file whose bytes are already right is left alone,
    /// so its timestamp only moves when its content changes.
    /// </summary>
    /// <remarks>
    /// Error codes: BPFB001 invalid object name, BPFB002 invalid base64, BPFB003 duplicate object name,
    /// BPFB004 unreadable assembly, BPFB005 malformed attribute, BPFB006 write failure;
    /// warning BPFB007 for content that is not an ELF object. See docs/diagnostics/BPFB.md.
    /// </remarks>
    public sealed class WriteBpfObjects : Task
    {
        private const string ObjectSuffix = ".bpf.o";

        private static readonly char[] s_invalidNameChars = BuildInvalidNameChars();

        /// <summary>Full path of the compiled assembly (<c>@(IntermediateAssembly)</c>).</summary>
        [Required]
        public string AssemblyPath { get; set; } = "";

        /// <summary>Directory the objects are written to (<c>$(OutDir)</c>).</summary>
        [Required]
        public string OutputDirectory { get; set; } = "";

        /// <summary>
        /// Optional file that receives the names of the objects, one per line. It is rewritten on every
        /// successful run, so it doubles as the stamp of an incremental target.
        /// </summary>
        public string? ObjectListFile { get; set; }

        /// <summary>
        /// Every object file of the assembly, written or already current. Metadata: <c>ObjectName</c>,
        /// <c>BpfObjectStatus</c> (<c>Written</c> or <c>Unchanged</c>).
        /// </summary>
        [Output]
        public ITaskItem[] ObjectFiles { get; private set; } = Array.Empty<ITaskItem>();

        /// <inheritdoc />
        public override bool Execute()
        {
            List<BpfObjectEntry> entries;
            try
            {
                entries = BpfObjectReader.Read(AssemblyPath);
            }
            catch (InvalidDataException e)
            {
                Error("BPFB005", $"Cannot read the BpfDotnet objects of '{AssemblyPath}': {e.Message}.");
                return false;
            }
            catch (BadImageFormatException e)
            {
                Error("BPFB004", $"Cannot read the assembly '{AssemblyPath}': {e.Message}");
                return false;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Error("BPFB004", $"Cannot read the assembly '{AssemblyPath}': {e.Message}");
                return false;
            }

            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var decoded = new List<KeyValuePair<string, byte[]>>();
            foreach (BpfObjectEntry entry in entries)
            {
                string? problem = CheckName(entry.Name);
                if (problem != null)
                {
                    Error("BPFB001", $"Invalid BpfDotnet object name '{Printable(entry.Name)}' in '{AssemblyPath}': {problem}. "
                        + "The name becomes the file name '<name>.bpf.o' in the output directory; use the probe class name.");
                    continue;
                }

                string name = entry.Name!;
                if (!names.Add(name))
                {
                    Error("BPFB003", $"Two BpfDotnet objects are named '{name}' in '{AssemblyPath}'; "
                        + "each would be written to '{name}{ObjectSuffix}'. Rename one of the probe classes.");
                    continue;
                }

                byte[] bytes;
                try
                {
                    bytes = Convert.FromBase64String(entry.ElfBase64 ?? throw new FormatException("the value is null"));
                }
                catch (FormatException e)
                {
                    Error("BPFB002", $"The BpfDotnet object '{name}' in '{AssemblyPath}' is not valid base64: {e.Message}");
                    continue;
                }

                if (bytes.Length == 0)
                {
                    Error("BPFB002", $"The BpfDotnet object '{name}' in '{AssemblyPath}' is empty.");
                    continue;
                }

                if (bytes.Length < 4 || bytes[0] != 0x7F || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
                {
                    Log.LogWarning(null, "BPFB007", null, AssemblyPath, 0, 0, 0, 0,
                        $"The BpfDotnet object '{name}' does not start with the ELF magic number; it is written as is, but no loader will accept it.");
                }

                decoded.Add(new KeyValuePair<string, byte[]>(name, bytes));
            }

            if (Log.HasLoggedErrors)
            {
                return false;
            }

            var outputs = new List<ITaskItem>(decoded.Count);
            try
            {
                string directory = Path.GetFullPath(OutputDirectory);
                if (decoded.Count > 0)
                {
                    Directory.CreateDirectory(directory);
                }

                foreach (KeyValuePair<string, byte[]> obj in decoded)
                {
                    string path = Path.Combine(directory, obj.Key + ObjectSuffix);
                    bool written = WriteIfChanged(path, obj.Value);
                    Log.LogMessage(MessageImportance.Normal, written
                        ? $"BpfDotnet: wrote {path} ({obj.Value.Length} bytes)"
                        : $"BpfDotnet: {path} is up to date ({obj.Value.Length} bytes), not rewritten");

                    var item = new TaskItem(path);
                    item.SetMetadata("ObjectName", obj.Key);
                    item.SetMetadata("BpfObjectStatus", written ? "Written" : "Unchanged");
                    outputs.Add(item);
                }

                if (!string.IsNullOrEmpty(ObjectListFile))
                {
                    var list = new StringBuilder();
                    foreach (KeyValuePair<string, byte[]> obj in decoded)
                    {
                        list.Append(obj.Key).Append('\n');
                    }

                    string listPath = Path.GetFullPath(ObjectListFile);
                    string? listDirectory = Path.GetDirectoryName(listPath);
                    if (!string.IsNullOrEmpty(listDirectory))
                    {
                        Directory.CreateDirectory(listDirectory);
                    }

                    File.WriteAllText(listPath, list.ToString(), new UTF8Encoding(false));
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException)
            {
                Error("BPFB006", $"Cannot write the BpfDotnet objects to '{OutputDirectory}': {e.Message}");
                return false;
            }

            ObjectFiles = outputs.ToArray();
            return true;
        }

        /// <summary>Returns why <paramref name="name"/> cannot be a file name, or null when it can.</summary>
        internal static string? CheckName(string? name)
        {
            if (name == null || name.Length == 0)
            {
                return "the name is empty";
            }

            if (name.IndexOf('/') >= 0 || name.IndexOf('\\') >= 0)
            {
                return "it contains a path separator";
            }

            if (name.IndexOfAny(s_invalidNameChars) >= 0)
            {
                return "it contains a character that is not allowed in file names";
            }

            if (name == "." || name == "..")
            {
                return "it names a directory";
            }

            if (name.Trim().Length != name.Length || name.EndsWith(".", StringComparison.Ordinal))
            {
                return "it starts or ends with white space or ends with a dot";
            }

            if (name.Length > 200)
            {
                return "it is longer than 200 characters";
            }

            return null;
        }

        /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> unless the file already holds exactly them.</summary>
        private static bool WriteIfChanged(string path, byte[] bytes)
        {
            if (File.Exists(path))
            {
                var info = new FileInfo(path);
                if (info.Length == bytes.Length && BytesEqual(File.ReadAllBytes(path), bytes))
                {
                    return false;
                }
            }

            // Write next to the destination, then rename, so a reader never sees a half-written object.
            string temp = path + ".tmp" + Guid.NewGuid().ToString("N").Substring(0, 8);
            try
            {
                File.WriteAllBytes(temp, bytes);
                if (File.Exists(path))
                {
                    File.Replace(temp, path, null);
                }
                else
                {
                    File.Move(temp, path);
                }
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }

            return true;
        }

        private static bool BytesEqual(byte[] a, byte[] b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }

            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }

            return true;
        }

        private void Error(string code, string message)
            => Log.LogError(null, code, null, AssemblyPath, 0, 0, 0, 0, message);

        private static string Printable(string? s)
        {
            if (s == null)
            {
                return "(null)";
            }

            var sb = new StringBuilder(s.Length);
            foreach (char c in s)
            {
                if (char.IsControl(c))
                {
                    sb.Append("\\u").Append(((int)c).ToString("x4"));
                }
                else
                {
                    sb.Append(c);
                }
            }

            return sb.ToString();
        }

        private static char[] BuildInvalidNameChars()
        {
            // The union of what Windows and Linux refuse, so an object name is portable.
            var chars = new List<char> { '<', '>', ':', '"', '|', '?', '*', '/', '\\' };
            for (int c = 0; c < 32; c++)
            {
                chars.Add((char)c);
            }

            chars.AddRange(Path.GetInvalidFileNameChars());
            return chars.ToArray();
        }
    }
}
