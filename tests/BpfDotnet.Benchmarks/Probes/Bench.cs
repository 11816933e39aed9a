namespace BpfDotnet.Benchmarks
{
    /// <summary>Constants shared by the probes (C# and C) and the event generator.</summary>
    public static class Bench
    {
        /// <summary>
        /// The fd argument of the benchmark's own fadvise64(2) calls. No process has such a descriptor, so the call fails
        /// with EBADF at once; the probes do their work only for events that carry it (the C twins use the same number).
        /// </summary>
        public const long Magic = 99540747;
    }
}
