using BpfDotnet;

/// <summary>The loader's kernel BTF, reached through its internals (the benchmark is a friend assembly).</summary>
internal static class CoreBenchmarkProbe
{
    public static object Parse() => KernelBtf.For(null).Vmlinux;

    public static bool Resolve(string structName, string member) => KernelBtf.For(null).Member(structName, member, out _) is not null;
}
