using System;
using System.Collections.Generic;
using System.IO;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>
    /// C# declarations of kernel types, generated from BTF: the running kernel's (<c>/sys/kernel/btf/vmlinux</c>), a
    /// module's (<c>/sys/kernel/btf/&lt;module&gt;</c>, split over vmlinux's) or a BTF file. Only the types asked for and what
    /// they hold by value are declared, with the BTF's layout, so the output is small, deterministic and meant to be checked in.
    /// </summary>
    public static class KernelTypes
    {
        /// <summary>The running kernel's BTF.</summary>
        public const string KernelBtfPath = "/sys/kernel/btf/vmlinux";

        /// <summary>
        /// The C# source declaring the structs, unions, enums or typedefs named <paramref name="typeNames"/> (BTF names:
        /// <c>task_struct</c>, <c>sock_common</c>) in namespace <paramref name="namespace"/>, as <see cref="KernelTypes"/> says.
        /// </summary>
        /// <param name="typeNames">The types to declare.</param>
        /// <param name="btfPath">The BTF to read (a raw BTF file such as vmlinux's; the running kernel's by default).</param>
        /// <param name="namespace">The namespace of the declarations.</param>
        /// <exception cref="BpfException">The BTF cannot be read or is malformed, or a type is not in it.</exception>
        public static string GenerateCSharp(IReadOnlyList<string> typeNames, string btfPath = KernelBtfPath, string @namespace = "Kernel")
        {
            ArgumentNullException.ThrowIfNull(typeNames);
            ArgumentNullException.ThrowIfNull(btfPath);
            ArgumentNullException.ThrowIfNull(@namespace);
            if (typeNames.Count == 0) throw new BpfException("Name at least one kernel type to declare (task_struct, file, sock, ...).");
            byte[] raw;
            try
            {
                raw = File.ReadAllBytes(btfPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BpfException($"Cannot read BTF from '{btfPath}': {e.Message}" + (btfPath == KernelBtfPath ? " The kernel may be built without CONFIG_DEBUG_INFO_BTF; give a BTF file of it instead." : ""), Interop.Native.ENOENT);
            }
            var btf = new BtfReader(raw, "the BTF of '" + btfPath + "'", message => new BpfException(message));
            try
            {
                return new CSharpDeclarations(btf).Generate(typeNames, @namespace, btfPath);
            }
            catch (ArgumentException e)
            {
                throw new BpfException(e.Message + " (in '" + btfPath + "')", Interop.Native.ENOENT);
            }
        }
    }
}
