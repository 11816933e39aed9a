namespace BpfDotnet.Analyzers
{
    /// <summary>
    /// Names of the tracked steps of <see cref="BpfGenerator"/>'s pipeline, so that tests can check which
    /// steps ran again after an edit and which were served from the cache.
    /// </summary>
    public static class TrackingNames
    {
        /// <summary>The probe members found by syntax, each with its <see cref="SourceFingerprint"/> (runs on every edit; binds nothing).</summary>
        public const string MembersFound = nameof(MembersFound);

        /// <summary>Each <c>[BpfProgram]</c> method compiled to a <see cref="Model.ProgramSpec"/> (only when its fingerprint changed).</summary>
        public const string ProgramCompiled = nameof(ProgramCompiled);


        /// <summary>Each <c>[BpfMap]</c> field read to a <see cref="Model.MapFieldSpec"/> (only when its fingerprint changed).</summary>
        public const string MapsRead = nameof(MapsRead);

        /// <summary>Programs and maps grouped into one <see cref="Model.ProbeObjectSpec"/> per probe class.</summary>
        public const string ProbeClassesGrouped = nameof(ProbeClassesGrouped);

        /// <summary>Each probe class's ELF object written and its loader described (<see cref="Model.BuiltObjectSpec"/>).</summary>
        public const string ObjectBuilt = nameof(ObjectBuilt);

        /// <summary>Whether the compilation lacks the BpfDotnet runtime library (BPF0017).</summary>
        public const string RuntimeReferenced = nameof(RuntimeReferenced);
    }
}
