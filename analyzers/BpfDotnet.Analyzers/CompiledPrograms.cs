using System.Collections.Generic;
using BpfDotnet.Compiler;

namespace BpfDotnet.Analyzers
{
    /// <summary>
    /// The programs compiled in this process, by fingerprint, shared by the generator and the analyzer: a build compiles
    /// each program once (the analyzer finds what the generator compiled), and the IDE compiles a program again only when
    /// something it can read has changed. Bounded, oldest first out, so a long-lived compiler server does not keep every
    /// project's trees alive.
    /// </summary>
    internal static class CompiledPrograms
    {
        private const int Capacity = 1024;

        private static readonly object s_lock = new object();
        private static readonly Dictionary<SourceFingerprint, MethodCompilation> s_results = new Dictionary<SourceFingerprint, MethodCompilation>();
        private static readonly Queue<SourceFingerprint> s_order = new Queue<SourceFingerprint>();

        public static bool TryGet(SourceFingerprint? fingerprint, out MethodCompilation result)
        {
            result = null!;
            if (fingerprint is null) return false;
            lock (s_lock)
            {
                return s_results.TryGetValue(fingerprint, out result!);
            }
        }

        public static void Add(SourceFingerprint? fingerprint, MethodCompilation result)
        {
            if (fingerprint is null) return;
            lock (s_lock)
            {
                if (s_results.ContainsKey(fingerprint)) return;
                s_results.Add(fingerprint, result);
                s_order.Enqueue(fingerprint);
                while (s_order.Count > Capacity) s_results.Remove(s_order.Dequeue());
            }
        }
    }
}
