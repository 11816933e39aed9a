using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Compiler.Diagnostics
{
    /// <summary>
    /// Every diagnostic BpfDotnet reports, in one table. Ids are contiguous; each has a page
    /// <c>docs/diagnostics/BPFnnnn.md</c> showing wrong code, the reason, and the fix.
    /// </summary>
    public static class DiagnosticDescriptors
    {
        private const string Category = "BpfDotnet";
        private const string HelpBase = "https://github.com/bpfdotnet/bpfdotnet/blob/main/docs/diagnostics/";

        private static DiagnosticDescriptor Error(string id, string title, string message)
            => new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
                helpLinkUri: HelpBase + id + ".md");

        /// <summary>BPF0001: heap allocation.</summary>
        public static readonly DiagnosticDescriptor HeapAllocation = Error("BPF0001",
            "Heap allocation is not available in eBPF programs",
            "'{0}' allocates on the managed heap, which eBPF programs do not have; use a struct local or a map value instead");

        /// <summary>BPF0002: strings.</summary>
        public static readonly DiagnosticDescriptor StringUse = Error("BPF0002",
            "Strings are not available in eBPF programs",
            "'{0}' uses a string; eBPF programs have no managed strings: use a fixed-size byte buffer such as TaskComm");

        /// <summary>BPF0003: exceptions.</summary>
        public static readonly DiagnosticDescriptor Exceptions = Error("BPF0003",
            "Exceptions are not available in eBPF programs",
            "'{0}' throws or handles exceptions, which eBPF programs cannot do; return an error code instead");

        /// <summary>BPF0004: floating point.</summary>
        public static readonly DiagnosticDescriptor FloatingPoint = Error("BPF0004",
            "Floating point is not available in eBPF programs",
            "'{0}' uses floating point ({1}), which eBPF has no instructions for; use integers (for example fixed-point scaled by 1000)");

        /// <summary>BPF0005: loops without a visible bound.</summary>
        public static readonly DiagnosticDescriptor UnboundedLoop = Error("BPF0005",
            "Loop without a bound the verifier can see",
            "This loop has no bound the compiler can prove ({0}), and the kernel verifier refuses loops it cannot bound; write for (int i = 0; i < N; i++) with a constant N of at most 8192 and leave i alone in the body");

        /// <summary>BPF0006: calls to methods that are neither helpers nor probe code.</summary>
        public static readonly DiagnosticDescriptor UnsupportedCall = Error("BPF0006",
            "Call to a method that cannot run in eBPF",
            "'{0}' cannot be called from an eBPF program: only Bpf.* helpers, map methods, the supported Interlocked/Unsafe methods and static methods of your own code (inlined) can");

        /// <summary>BPF0007: types the compiler cannot lay out.</summary>
        public static readonly DiagnosticDescriptor UnsupportedType = Error("BPF0007",
            "Type not supported in eBPF programs",
            "Type '{0}' cannot be used in an eBPF program: use integers, bool, enums or unmanaged structs of them");

        /// <summary>BPF0008: any other construct outside the subset.</summary>
        public static readonly DiagnosticDescriptor UnsupportedConstruct = Error("BPF0008",
            "Construct not supported in eBPF programs",
            "{0} is not supported in eBPF programs");

        /// <summary>BPF0009: program signature.</summary>
        public static readonly DiagnosticDescriptor InvalidProgramSignature = Error("BPF0009",
            "Invalid eBPF program signature",
            "eBPF program '{0}' must be a static, non-generic method returning int, long or void and taking one 'ref' context struct parameter (a tracing program may take the traced function's arguments instead): {1}");

        /// <summary>BPF0010: map declaration.</summary>
        public static readonly DiagnosticDescriptor InvalidMapDeclaration = Error("BPF0010",
            "Invalid map declaration",
            "Map '{0}' is invalid: {1}");

        /// <summary>BPF0011: stack budget.</summary>
        public static readonly DiagnosticDescriptor StackTooLarge = Error("BPF0011",
            "eBPF stack limit exceeded",
            "eBPF program '{0}' needs {1} bytes of stack, more than the kernel's 512; largest users: {2}");

        /// <summary>BPF0012: no attach point.</summary>
        public static readonly DiagnosticDescriptor MissingAttachPoint = Error("BPF0012",
            "eBPF program has no attach point",
            "eBPF program '{0}' needs an attach attribute such as [Tracepoint(\"syscalls\", \"sys_enter_openat\")] or [Section(\"...\")]");

        /// <summary>BPF0013: probe class shape.</summary>
        public static readonly DiagnosticDescriptor ProbeClassNotPartial = Error("BPF0013",
            "Probe class must be a partial, non-generic, top-level or nested partial class",
            "Class '{0}' holds eBPF programs and {1}");

        /// <summary>BPF0014: a failure inside the compiler itself.</summary>
        public static readonly DiagnosticDescriptor InternalError = Error("BPF0014",
            "Internal compiler error",
            "The eBPF compiler failed on this method ({0}); please report it with the method's source");

        /// <summary>BPF0015: a map value used without a null test.</summary>
        public static readonly DiagnosticDescriptor MaybeNullMapValue = Error("BPF0015",
            "Reference may be null",
            "'{0}' may be a null reference here (a map's key may be missing, a packet may end before a header), and the kernel verifier refuses the access; test it with Unsafe.IsNullRef first");

        /// <summary>BPF0016: division whose C# meaning eBPF cannot reproduce.</summary>
        public static readonly DiagnosticDescriptor UnsupportedDivision = Error("BPF0016",
            "Division not supported here",
            "{0}: C# throws on division by zero (and on MinValue / -1) and eBPF does not; {1}");

        /// <summary>BPF0017: the generator runs in a project that cannot use what it generates.</summary>
        public static readonly DiagnosticDescriptor RuntimeNotReferenced = new DiagnosticDescriptor("BPF0017",
            "The BpfDotnet runtime library is not referenced",
            "The BpfDotnet generator and analyzers are loaded, but the project does not reference the BpfDotnet runtime library (BpfDotnet.dll), so no probe can be declared or compiled; reference the BpfDotnet package without excluding its compile assets",
            Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "BPF0017.md");

        /// <summary>BPF0018: a ring buffer record reserved and not submitted or discarded on some path.</summary>
        public static readonly DiagnosticDescriptor RingBufferRecordLeaked = Error("BPF0018",
            "Ring buffer record neither submitted nor discarded",
            "The record reserved from '{0}' is neither submitted nor discarded on a path that returns at line {1}; the verifier refuses a program that can end holding a reservation: call {0}.Submit(ref ...) or {0}.Discard(ref ...) on every path");

        /// <summary>All descriptors, in id order.</summary>
        public static readonly ImmutableArray<DiagnosticDescriptor> All = ImmutableArray.Create(
            HeapAllocation, StringUse, Exceptions, FloatingPoint, UnboundedLoop, UnsupportedCall, UnsupportedType,
            UnsupportedConstruct, InvalidProgramSignature, InvalidMapDeclaration, StackTooLarge, MissingAttachPoint,
            ProbeClassNotPartial, InternalError, MaybeNullMapValue, UnsupportedDivision, RuntimeNotReferenced, RingBufferRecordLeaked);

        private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = All.ToDictionary(d => d.Id);

        /// <summary>Looks a descriptor up by id.</summary>
        public static DiagnosticDescriptor ById(string id) => s_byId[id];
    }
}
