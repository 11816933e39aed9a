using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using BpfDotnet.Analyzers.Model;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Model;
using BpfDotnet.Compiler.Object;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Analyzers
{
    public sealed partial class BpfGenerator
    {
        /// <summary>
        /// Writes one probe class's ELF object and describes its loader. A class with compile errors gets an empty
        /// object and a loader whose <c>Load</c> throws, so the rest of the user's code still compiles.
        /// </summary>
        internal static class ObjectBuilder
        {
            /// <summary>Loader member names that the generated class already uses, so programs and maps cannot take them.</summary>
            private static readonly HashSet<string> s_reservedNames = new HashSet<string>(StringComparer.Ordinal)
            {
                "Object", "AttachAll", "Dispose", "Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone", "Finalize", "Loaded",
            };

            /// <summary>Builds the object of <paramref name="probeObject"/>; never throws except on cancellation.</summary>
            public static BuiltObjectSpec Build(ProbeObjectSpec probeObject, CancellationToken cancellationToken)
            {
                var probeClass = probeObject.Class;
                if (!probeClass.IsPartial || probeClass.TypeChain.Count == 0)
                {
                    // The analyzer reports BPF0013; reopening a non-partial class would only add compiler errors.
                    return new BuiltObjectSpec(null, null);
                }

                var programs = ProgramMembers(probeObject.Programs);
                var maps = MapMembers(probeObject.Maps);
                var globals = EquatableArray<GlobalVariable>.Empty;
                var strings = new List<GlobalVariable>();
                foreach (var program in probeObject.Programs)
                {
                    if (program.Compilation.Globals.Count > 0) globals = program.Compilation.Globals;
                    strings.AddRange(program.Compilation.Strings);
                }
                if (strings.Count > 0) globals = System.Linq.Enumerable.Concat(globals, strings).ToEquatableArray();
                bool globalsPublic = true;
                foreach (var global in globals) globalsPublic &= global.PublicType;
                string accessibility = AllMapTypesPublic(probeObject.Maps) && globalsPublic ? "public" : "internal";
                var standIns = StandIns(probeClass, probeObject.Maps);
                LoaderSpec Loader(string objectBase64, string? error) => new LoaderSpec(HintName(probeClass.FullName), probeClass.Name,
                    probeClass.Namespace, probeClass.TypeChain, objectBase64, error, accessibility, programs, maps) { Globals = globals, StandIns = standIns };

                var errorIds = ErrorIds(probeObject);
                if (errorIds.Count > 0)
                {
                    return new BuiltObjectSpec(Loader(string.Empty, CompileErrorMessage(probeClass.Name, errorIds)), null);
                }

                var spec = new ObjectSpec(
                    probeClass.License,
                    ToEquatable(probeObject.Programs, static p => p.Compilation.Function!),
                    ToEquatable(probeObject.Maps, static m => m.Declaration.Spec!)) { Globals = globals };
                // Each program has an ELF section of its own, whose name says where it attaches.
                var bySection = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var program in probeObject.Programs)
                {
                    var function = program.Compilation.Function!;
                    if (!bySection.TryGetValue(function.Section, out var names)) bySection[function.Section] = names = new List<string>();
                    names.Add(program.MethodName);
                }
                foreach (var shared in bySection)
                {
                    if (shared.Value.Count < 2) continue;
                    string example = shared.Key.Contains("/") ? "a [Section] of its own" : "[Section(\"" + shared.Key + "/" + shared.Value[1] + "\")]";
                    var clash = new DiagnosticInfo(DiagnosticDescriptors.UnsupportedConstruct.Id, probeClass.Location, new EquatableArray<string>(new[]
                    {
                        "Sharing one section between programs ('" + shared.Key + "': " + string.Join(", ", shared.Value) + "; give each a section of its own, such as " + example + ")",
                    }));
                    var clashIds = new SortedSet<string>(StringComparer.Ordinal) { DiagnosticDescriptors.UnsupportedConstruct.Id };
                    return new BuiltObjectSpec(Loader(string.Empty, CompileErrorMessage(probeClass.Name, clashIds)), clash);
                }
                try
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    byte[] elf = ObjectWriter.Write(spec);
                    return new BuiltObjectSpec(Loader(Convert.ToBase64String(elf), null), null);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    // The writer rejects inconsistent objects, e.g. two programs on the same tracepoint.
                    var failure = new DiagnosticInfo(DiagnosticDescriptors.InternalError.Id, probeClass.Location,
                        new EquatableArray<string>(new[] { $"writing the eBPF object of '{probeClass.Name}': {ex.Message}" }));
                    var ids = new SortedSet<string>(StringComparer.Ordinal) { DiagnosticDescriptors.InternalError.Id };
                    return new BuiltObjectSpec(Loader(string.Empty, CompileErrorMessage(probeClass.Name, ids)), failure);
                }
            }

            /// <summary>The message of the exception that <c>Load</c> throws when the class did not compile.</summary>
            public static string CompileErrorMessage(string className, SortedSet<string> ids)
                => $"{className} has eBPF compile errors (see {string.Join(", ", ids)} diagnostics)";

            private static SortedSet<string> ErrorIds(ProbeObjectSpec probeObject)
            {
                var ids = new SortedSet<string>(StringComparer.Ordinal);
                void AddErrors(EquatableArray<DiagnosticInfo> diagnostics)
                {
                    foreach (var diagnostic in diagnostics)
                    {
                        if (IsError(diagnostic.Id)) ids.Add(diagnostic.Id);
                    }
                }
                foreach (var program in probeObject.Programs)
                {
                    AddErrors(program.Compilation.Diagnostics);
                    if (program.Compilation.Function is null) ids.Add(DiagnosticDescriptors.InternalError.Id);
                }
                foreach (var map in probeObject.Maps)
                {
                    AddErrors(map.Declaration.Diagnostics);
                    if (map.Declaration.Spec is null) ids.Add(DiagnosticDescriptors.InternalError.Id);
                }
                // A missing result without its own diagnostic is reported as internal; drop that when a real error explains it.
                if (ids.Count > 1) ids.Remove(DiagnosticDescriptors.InternalError.Id);
                return ids;
            }

            private static bool IsError(string id)
            {
                foreach (var descriptor in DiagnosticDescriptors.All)
                {
                    if (descriptor.Id == id) return descriptor.DefaultSeverity == DiagnosticSeverity.Error;
                }
                return true;
            }

            private static EquatableArray<LoaderMemberSpec> ProgramMembers(EquatableArray<ProgramSpec> programs)
            {
                var members = new List<LoaderMemberSpec>();
                var used = new HashSet<string>(StringComparer.Ordinal);
                foreach (var program in programs)
                {
                    if (s_reservedNames.Contains(program.MethodName) || !used.Add(program.MethodName)) continue;
                    string objectName = CIdentifier.Sanitize(program.Compilation.Function?.Name ?? program.MethodName);
                    members.Add(new LoaderMemberSpec(ProbeClassReader.EscapeIdentifier(program.MethodName), objectName, null));
                }
                return members.ToEquatableArray();
            }

            private static EquatableArray<LoaderMemberSpec> MapMembers(EquatableArray<MapFieldSpec> maps)
            {
                var members = new List<LoaderMemberSpec>();
                var used = new HashSet<string>(StringComparer.Ordinal);
                foreach (var map in maps)
                {
                    if (map.KeyTypeName is null || map.ValueTypeName is null) continue;
                    if (s_reservedNames.Contains(map.FieldName) || !used.Add(map.FieldName)) continue;
                    string objectName = CIdentifier.Sanitize(map.Declaration.Spec?.Name ?? map.FieldName);
                    // The handle by the map kinds table (a typed map, a per-CPU map, or a ring buffer's reader), also
                    // when the declaration has errors, so that code using the handle keeps compiling.
                    var kind = map.Kind is { } name ? KernelModel.MapKinds.ByClrType(name) : null;
                    if (kind is not { } known) continue;
                    int tick = known.UserHandle.IndexOf('`');
                    string handle = "global::" + (tick < 0 ? known.UserHandle : known.UserHandle.Substring(0, tick));
                    string arguments = tick < 0 ? string.Empty : known.Records || known.Keyless ? map.ValueTypeName : known.OfMaps ? map.KeyTypeName : map.KeyTypeName + ", " + map.ValueTypeName;
                    members.Add(new LoaderMemberSpec(ProbeClassReader.EscapeIdentifier(map.FieldName), objectName, arguments, handle, known.Factory));
                }
                return members.ToEquatableArray();
            }

            /// <summary>
            /// The map fields whose stand-ins a module initializer sizes. A module initializer must be reachable from the
            /// module, so a class that is (or is inside) a private, protected or file-local type gets none.
            /// </summary>
            private static EquatableArray<StandInSpec> StandIns(ProbeClassSpec probeClass, EquatableArray<MapFieldSpec> maps)
            {
                foreach (var declaration in probeClass.TypeChain)
                {
                    var modifiers = declaration.Modifiers.Split(' ');
                    if (Array.IndexOf(modifiers, "private") >= 0 || Array.IndexOf(modifiers, "protected") >= 0 || Array.IndexOf(modifiers, "file") >= 0)
                    {
                        return EquatableArray<StandInSpec>.Empty;
                    }
                }
                var standIns = new List<StandInSpec>();
                foreach (var map in maps)
                {
                    if (map.Declaration.Spec is { } spec) standIns.Add(new StandInSpec(ProbeClassReader.EscapeIdentifier(map.FieldName), spec.MaxEntries));
                }
                return standIns.ToEquatableArray();
            }

            private static bool AllMapTypesPublic(EquatableArray<MapFieldSpec> maps)
            {
                foreach (var map in maps)
                {
                    if (!map.TypesArePublic) return false;
                }
                return true;
            }

            private static EquatableArray<TResult> ToEquatable<TSource, TResult>(EquatableArray<TSource> items, Func<TSource, TResult> selector)
                where TSource : IEquatable<TSource>
                where TResult : IEquatable<TResult>
            {
                var result = new TResult[items.Count];
                for (int i = 0; i < result.Length; i++) result[i] = selector(items[i]);
                return new EquatableArray<TResult>(result);
            }

            /// <summary>A file name unique per class: its full name with every character outside <c>[A-Za-z0-9_.]</c> replaced.</summary>
            private static string HintName(string fullName)
            {
                var builder = new StringBuilder(fullName.Length + 10);
                foreach (char c in fullName)
                {
                    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
                    builder.Append(keep ? c : c == '+' ? '.' : '_');
                }
                return builder.Append(".Bpf.g.cs").ToString();
            }
        }
    }
}
