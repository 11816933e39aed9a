using System;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// The license a probe class declares (<c>[BpfLicense("...")]</c>, "GPL" by default), and whether the kernel counts it
    /// as GPL-compatible: only then may a program call the helpers the kernel marks GPL-only.
    /// </summary>
    public static class Licenses
    {
        /// <summary>The license of a probe class without <c>[BpfLicense]</c>.</summary>
        public const string Default = "GPL";

        // The kernel's license_is_gpl_compatible().
        private static readonly string[] s_gplCompatible = { "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" };

        /// <summary>The license <paramref name="type"/> declares.</summary>
        public static string Of(INamedTypeSymbol type)
        {
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != KnownTypes.BpfLicenseAttribute) continue;
                if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string license) return license;
            }
            return Default;
        }

        /// <summary>True when the kernel lets a program under <paramref name="license"/> call GPL-only helpers.</summary>
        public static bool IsGplCompatible(string license) => Array.IndexOf(s_gplCompatible, license) >= 0;
    }
}
