namespace System.Runtime.CompilerServices
{
    /// <summary>Allows <c>init</c> accessors and records when targeting netstandard2.0.</summary>
    internal static class IsExternalInit { }
}
