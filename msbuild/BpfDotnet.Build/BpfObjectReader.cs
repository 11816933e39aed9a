using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace BpfDotnet.Build
{
    /// <summary>One <c>[assembly: BpfDotnet.BpfObjectAttribute(name, base64)]</c> found in an assembly.</summary>
    public sealed class BpfObjectEntry
    {
        /// <summary>Creates an entry.</summary>
        public BpfObjectEntry(string? name, string? elfBase64)
        {
            Name = name;
            ElfBase64 = elfBase64;
        }

        /// <summary>The object name (the probe class name); null when the attribute carried null.</summary>
        public string? Name { get; }

        /// <summary>The ELF object, base64-encoded; null when the attribute carried null.</summary>
        public string? ElfBase64 { get; }
    }

    /// <summary>
    /// Reads the <c>BpfDotnet.BpfObjectAttribute</c> assembly attributes from an assembly's metadata,
    /// without loading or running the assembly.
    /// </summary>
    public static class BpfObjectReader
    {
        /// <summary>Namespace of the attribute the generator emits.</summary>
        public const string AttributeNamespace = "BpfDotnet";

        /// <summary>Name of the attribute the generator emits.</summary>
        public const string AttributeName = "BpfObjectAttribute";

        /// <summary>
        /// Returns every <c>BpfDotnet.BpfObjectAttribute</c> applied to the assembly, in metadata order.
        /// </summary>
        /// <exception cref="BadImageFormatException">The file is not a .NET assembly, or its metadata is corrupt.</exception>
        /// <exception cref="InvalidDataException">A BpfObjectAttribute is applied through an unexpected constructor or its value is malformed.</exception>
        /// <exception cref="IOException">The file cannot be read.</exception>
        public static List<BpfObjectEntry> Read(string assemblyPath)
        {
            using (var stream = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete))
            using (var pe = new PEReader(stream))
            {
                if (!pe.HasMetadata)
                {
                    throw new BadImageFormatException("the file has no .NET metadata");
                }

                return Read(pe.GetMetadataReader());
            }
        }

        /// <summary>Returns every <c>BpfDotnet.BpfObjectAttribute</c> applied to the assembly that <paramref name="md"/> reads.</summary>
        public static List<BpfObjectEntry> Read(MetadataReader md)
        {
            var result = new List<BpfObjectEntry>();
            if (!md.IsAssembly)
            {
                return result;
            }

            foreach (CustomAttributeHandle handle in md.GetAssemblyDefinition().GetCustomAttributes())
            {
                CustomAttribute attribute = md.GetCustomAttribute(handle);
                if (!IsBpfObjectConstructor(md, attribute.Constructor, out BlobHandle signature))
                {
                    continue;
                }

                if (!HasTwoStringParameters(md.GetBlobReader(signature)))
                {
                    throw new InvalidDataException(
                        "BpfDotnet.BpfObjectAttribute is applied through a constructor other than (string name, string elfBase64)");
                }

                BlobReader value = md.GetBlobReader(attribute.Value);
                if (value.Length < 2 || value.ReadUInt16() != 0x0001)
                {
                    throw new InvalidDataException("a BpfDotnet.BpfObjectAttribute value has no custom attribute prolog");
                }

                string? name = value.ReadSerializedString();
                string? base64 = value.ReadSerializedString();
                result.Add(new BpfObjectEntry(name, base64));
            }

            return result;
        }

        private static bool IsBpfObjectConstructor(MetadataReader md, EntityHandle constructor, out BlobHandle signature)
        {
            signature = default;
            switch (constructor.Kind)
            {
                case HandleKind.MethodDefinition:
                {
                    // The attribute class is declared in the assembly itself.
                    MethodDefinition method = md.GetMethodDefinition((MethodDefinitionHandle)constructor);
                    signature = method.Signature;
                    return IsAttributeType(md, method.GetDeclaringType());
                }

                case HandleKind.MemberReference:
                {
                    // The attribute class comes from another assembly (the BpfDotnet runtime library).
                    MemberReference member = md.GetMemberReference((MemberReferenceHandle)constructor);
                    signature = member.Signature;
                    switch (member.Parent.Kind)
                    {
                        case HandleKind.TypeReference:
                            TypeReference type = md.GetTypeReference((TypeReferenceHandle)member.Parent);
                            return type.ResolutionScope.Kind != HandleKind.TypeReference // not a nested type
                                && md.StringComparer.Equals(type.Namespace, AttributeNamespace)
                                && md.StringComparer.Equals(type.Name, AttributeName);
                        case HandleKind.TypeDefinition:
                            return IsAttributeType(md, (TypeDefinitionHandle)member.Parent);
                        default:
                            return false;
                    }
                }

                default:
                    return false;
            }
        }

        private static bool IsAttributeType(MetadataReader md, TypeDefinitionHandle handle)
        {
            if (handle.IsNil)
            {
                return false;
            }

            TypeDefinition type = md.GetTypeDefinition(handle);
            return type.GetDeclaringType().IsNil
                && md.StringComparer.Equals(type.Namespace, AttributeNamespace)
                && md.StringComparer.Equals(type.Name, AttributeName);
        }

        private static bool HasTwoStringParameters(BlobReader signature)
        {
            SignatureHeader header = signature.ReadSignatureHeader();
            if (header.Kind != SignatureKind.Method || header.IsGeneric)
            {
                return false;
            }

            return signature.ReadCompressedInteger() == 2
                && signature.ReadSignatureTypeCode() == SignatureTypeCode.Void
                && signature.ReadSignatureTypeCode() == SignatureTypeCode.String
                && signature.ReadSignatureTypeCode() == SignatureTypeCode.String;
        }
    }
}
