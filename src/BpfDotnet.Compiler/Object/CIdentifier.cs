using System.Text;

namespace BpfDotnet.Compiler.Object
{
    /// <summary>
    /// Turns C# names into names the kernel's BTF checker accepts: C identifiers of
    /// <c>[A-Za-z_][A-Za-z0-9_]*</c>. Namespaces, nested types and generics (<c>A.B&lt;C&gt;</c>)
    /// become underscores (<c>A_B_C_</c>); the mapping is a pure function of the input.
    /// </summary>
    internal static class CIdentifier
    {
        /// <summary>The kernel rejects longer names (KSYM_NAME_LEN is 512 including the NUL).</summary>
        public const int MaxLength = 256;

        /// <summary>Sanitises <paramref name="name"/>; the empty string stays empty (an anonymous type).</summary>
        public static string Sanitize(string name)
        {
            if (string.IsNullOrEmpty(name)) return string.Empty;
            var builder = new StringBuilder(name.Length + 1);
            if (name[0] >= '0' && name[0] <= '9') builder.Append('_');
            foreach (char c in name)
            {
                if (builder.Length == MaxLength) break;
                builder.Append(IsIdentifierChar(c) ? c : '_');
            }
            return builder.ToString();
        }

        private static bool IsIdentifierChar(char c)
            => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
}
