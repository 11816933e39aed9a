namespace BpfDotnet.Analyzers.Model
{
    /// <summary>
    /// One declaration of the chain of types that holds a probe class, as the generated partial declaration
    /// must repeat it: <c>public static partial class OpenSnoop</c>.
    /// </summary>
    /// <param name="Modifiers">Accessibility and the modifiers that must agree across parts, e.g. <c>public static</c>.</param>
    /// <param name="Keyword">The kind: <c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c> or <c>interface</c>.</param>
    /// <param name="Name">The name as written in source, with its type parameter list (<c>Outer&lt;T&gt;</c>).</param>
    /// <remarks>Value equality: every member is a string.</remarks>
    public sealed record TypeDeclarationSpec(string Modifiers, string Keyword, string Name);
}
