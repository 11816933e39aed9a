using System;
using System.Collections.Generic;
using System.IO;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>
    /// The running kernel's BTF (<c>/sys/kernel/btf/vmlinux</c>, or the BTF file <see cref="BpfLoadOptions.KernelBtfPath"/>
    /// names, for kernels that do not publish theirs), read with the kernel model's <see cref="BtfReader"/> once per process
    /// and path, when a program first needs it; named types are indexed by kind on first lookup.
    /// </summary>
    /// <summary>
    /// A member of a kernel struct as the running kernel's BTF places it: byte offset from the root struct, size of its
    /// type, whether it is a pointer or a signed integer, and its offset in bits and size in bits (0 unless a bitfield).
    /// </summary>
    internal readonly record struct KernelMember(int Offset, int Size, bool Pointer, bool Signed, long BitOffset, int BitSize)
    {
        /// <summary>
        /// libbpf's placement of the member's read (as for a bitfield): the bytes to read, from where, and the shifts
        /// that leave its value in a 64-bit register; null where no 8-byte read holds it.
        /// </summary>
        public (int ByteOffset, int ByteSize, int LeftShift, int RightShift)? Read()
        {
            long bitSize = BitSize > 0 ? BitSize : Size * 8L;
            long byteSize = Math.Max(1, Size), byteOffset = BitOffset / 8 / byteSize * byteSize;
            while (BitOffset + bitSize - byteOffset * 8 > byteSize * 8)
            {
                if (byteSize >= 8) return null;
                byteSize *= 2;
                byteOffset = BitOffset / 8 / byteSize * byteSize;
            }
            return ((int)byteOffset, (int)byteSize, (int)(64 - (BitOffset + bitSize - byteOffset * 8)), (int)(64 - bitSize));
        }
    }

    internal sealed class KernelBtf
    {
        /// <summary>Where the running kernel publishes its BTF.</summary>
        public const string DefaultPath = "/sys/kernel/btf/vmlinux";

        private static readonly Dictionary<string, KernelBtf> s_byPath = new Dictionary<string, KernelBtf>(StringComparer.Ordinal);
        private readonly string _path;
        private readonly Lazy<BtfReader> _btf;
        private readonly Dictionary<BtfKind, Dictionary<string, uint>> _byKind = new Dictionary<BtfKind, Dictionary<string, uint>>();

        private KernelBtf(string path)
        {
            _path = path;
            _btf = new Lazy<BtfReader>(Read);
        }

        /// <summary>The kernel BTF at <paramref name="path"/> (null: the running kernel's), the same instance for every load in this process.</summary>
        public static KernelBtf For(string? path)
        {
            path = string.IsNullOrEmpty(path) ? DefaultPath : path!;
            lock (s_byPath)
            {
                if (!s_byPath.TryGetValue(path, out var known)) s_byPath[path] = known = new KernelBtf(path);
                return known;
            }
        }

        private BtfReader Read()
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new BpfException(_path == DefaultPath
                    ? $"Cannot read the kernel's BTF from {_path} ({e.Message}); programs that attach by BTF (tp_btf, fentry, fexit, iterators, LSM) or read kernel types (CO-RE) need a kernel built with CONFIG_DEBUG_INFO_BTF, or a BTF file of this kernel named by BpfLoadOptions.KernelBtfPath."
                    : $"Cannot read the kernel BTF file {_path} that BpfLoadOptions.KernelBtfPath names ({e.Message}).", Interop.Native.ENOENT);
            }
            string what = _path == DefaultPath ? "the kernel's BTF (" + _path + ")" : "the kernel BTF file " + _path + " (BpfLoadOptions.KernelBtfPath)";
            return new BtfReader(bytes, what, message => new BpfException(message), owned: true);
        }

        /// <summary>The kernel's BTF, read on first use.</summary>
        public BtfReader Vmlinux => _btf.Value;

        /// <summary>
        /// Where member <paramref name="member"/> of the kernel's struct or union <paramref name="structName"/> is: its byte
        /// offset and size, looking into anonymous struct and union members as C does; null when the kernel has no such
        /// struct, or it has no such member (the reason in <paramref name="missing"/>).
        /// </summary>
        public KernelMember? Member(string structName, string member, out string missing)
            => Member(structName, new[] { member }, out missing);

        /// <summary>
        /// Where the member reached by <paramref name="path"/> from the kernel's struct <paramref name="structName"/> is (each
        /// name a member of the struct the one before holds by value: <c>__sk_common</c>, <c>skc_daddr</c>): its byte offset
        /// from the start of <paramref name="structName"/>, and size; null with the reason when a name is not there.
        /// </summary>
        public KernelMember? Member(string structName, IReadOnlyList<string> path, out string missing)
        {
            var btf = _btf.Value;
            uint? id = Find(BtfKind.Struct, structName) ?? Find(BtfKind.Union, structName);
            if (id is not uint found)
            {
                missing = $"the running kernel's BTF has no struct {structName}";
                return null;
            }
            var type = btf.Get(found);
            string owner = structName;
            int offset = 0;
            for (int i = 0; i < path.Count; i++)
            {
                var at = FindMember(btf, type, path[i], 0, 0);
                if (at is null)
                {
                    missing = $"the running kernel's {owner} has no member {path[i]}";
                    return null;
                }
                if (i == path.Count - 1)
                {
                    missing = "";
                    var resolved = btf.SkipModifiers(at.Value.Type);
                    return new KernelMember(offset + at.Value.Offset, (int)btf.SizeOf(at.Value.Type), resolved.Kind == BtfKind.Ptr, IsSigned(btf, resolved),
                        offset * 8L + at.Value.Bits, at.Value.BitSize);
                }
                if (at.Value.BitSize > 0)
                {
                    missing = $"the running kernel's {owner}.{path[i]} is a bitfield";
                    return null;
                }
                offset += at.Value.Offset;
                type = btf.SkipModifiers(at.Value.Type);
                if (type.Kind is not (BtfKind.Struct or BtfKind.Union))
                {
                    missing = $"the running kernel's {owner}.{path[i]} is not a struct";
                    return null;
                }
                owner = type.Name.Length > 0 ? type.Name : owner + "." + path[i];
            }
            missing = "the access names no member";
            return null;
        }

        /// <summary>True for a signed integer, or an enum BTF marks signed.</summary>
        internal static bool IsSigned(BtfReader btf, BtfType type) => type.Kind switch
        {
            BtfKind.Int => (btf.IntInfo(type).Encoding & BtfWriter.IntSigned) != 0,
            BtfKind.Enum or BtfKind.Enum64 => type.KindFlag,
            _ => false,
        };

        /// <summary>
        /// The kernel type a CO-RE type query names: <paramref name="name"/> (its <c>___flavor</c> suffix dropped) of the
        /// local type's kind (an enum matches an enum or enum64; a struct or union its own kind); null where the kernel has none.
        /// </summary>
        public uint? FindLike(BtfType local, string name)
        {
            name = WithoutFlavor(name);
            return local.Kind switch
            {
                BtfKind.Enum or BtfKind.Enum64 => Find(BtfKind.Enum, name) ?? Find(BtfKind.Enum64, name),
                BtfKind.Struct or BtfKind.Union or BtfKind.Typedef or BtfKind.Int or BtfKind.Float => Find(local.Kind, name),
                _ => null,
            };
        }

        /// <summary>
        /// libbpf's type match, as this loader applies it: the kernel type <paramref name="target"/> has every member the
        /// local struct or union declares, by name, each an integer of the same size and signedness, a pointer, or a
        /// composite of the same kind (every declared value, for an enum).
        /// </summary>
        public bool Matches(BtfReader local, BtfType localType, uint target)
        {
            var btf = _btf.Value;
            var kernel = btf.Get(target);
            if (localType.Kind is BtfKind.Enum or BtfKind.Enum64)
            {
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (name, _) in btf.EnumValues(kernel)) names.Add(name);
                foreach (var (name, _) in local.EnumValues(localType)) if (!names.Contains(name)) return false;
                return true;
            }
            if (localType.Kind != kernel.Kind) return false;
            foreach (var member in local.Members(localType))
            {
                if (FindMember(btf, kernel, member.Name, 0, 0) is not { } found) return false;
                var mine = local.SkipModifiers(member.Type);
                var theirs = btf.SkipModifiers(found.Type);
                bool same = mine.Kind switch
                {
                    BtfKind.Int => theirs.Kind is BtfKind.Int or BtfKind.Enum or BtfKind.Enum64 && local.SizeOf(member.Type) == btf.SizeOf(found.Type)
                        && IsSigned(local, mine) == IsSigned(btf, theirs),
                    BtfKind.Ptr => theirs.Kind == BtfKind.Ptr && SamePointee(local, mine, btf, theirs),
                    _ => theirs.Kind == mine.Kind,
                };
                if (!same) return false;
            }
            return true;
        }

        /// <summary>Behind a pointer, as libbpf compares: void with void, a struct or union with one of the same kind and name, anything else by kind.</summary>
        private static bool SamePointee(BtfReader local, BtfType localPointer, BtfReader btf, BtfType kernelPointer)
        {
            if (localPointer.SizeOrType == 0 || kernelPointer.SizeOrType == 0) return localPointer.SizeOrType == kernelPointer.SizeOrType;
            var mine = local.SkipModifiers(localPointer.SizeOrType);
            var theirs = btf.SkipModifiers(kernelPointer.SizeOrType);
            if (mine.Kind != theirs.Kind) return false;
            if (mine.Kind is not (BtfKind.Struct or BtfKind.Union)) return true;
            return WithoutFlavor(mine.Name) == theirs.Name;
        }

        /// <summary>libbpf's flavors: a local type's name without its <c>___suffix</c> (<c>task_struct___old</c> names the kernel's <c>task_struct</c>).</summary>
        public static string WithoutFlavor(string name)
        {
            int flavor = name.IndexOf("___", StringComparison.Ordinal);
            return flavor > 0 ? name.Substring(0, flavor) : name;
        }

        private static (int Offset, uint Type, long Bits, int BitSize)? FindMember(BtfReader btf, BtfType type, string name, long baseBits, int depth)
        {
            if (depth > 32) return null;
            foreach (var m in btf.Members(type))
            {
                long bits = baseBits + (type.KindFlag ? m.BitOffset & 0xffffff : m.BitOffset);
                var target = btf.SkipModifiers(m.Type);
                if (m.Name == name)
                {
                    // A bitfield has a size in bits (kind_flag structs), or an offset that is not a whole byte.
                    int bitSize = type.KindFlag ? (int)(m.BitOffset >> 24) : 0;
                    if (bitSize == 0 && bits % 8 != 0 && target.Kind == BtfKind.Int) bitSize = (int)btf.IntInfo(target).Bits;
                    return ((int)(bits / 8), m.Type, bits, bitSize);
                }
                if (m.Name.Length == 0 && target.Kind is BtfKind.Struct or BtfKind.Union && FindMember(btf, target, name, bits, depth + 1) is { } inner) return inner;
            }
            return null;
        }

        /// <summary>The id of the type of <paramref name="kind"/> named <paramref name="name"/> in vmlinux, or null (each answer kept).</summary>
        public uint? Find(BtfKind kind, string name)
        {
            var btf = _btf.Value;
            lock (_byKind)
            {
                if (!_byKind.TryGetValue(kind, out var names)) _byKind[kind] = names = new Dictionary<string, uint>(StringComparer.Ordinal);
                if (names.TryGetValue(name, out uint known)) return known == 0 ? null : known;
                uint id = btf.FindByName(kind, name)?.Id ?? 0;
                names[name] = id;
                return id == 0 ? null : id;
            }
        }

        /// <summary>
        /// The vmlinux BTF id a tracing program of section <paramref name="section"/> attaches to: the tracepoint's
        /// <c>btf_trace_&lt;name&gt;</c> typedef for <c>tp_btf/</c>, the function for <c>fentry/</c>, <c>fexit/</c> and
        /// <c>fmod_ret/</c>, <c>bpf_iter_&lt;name&gt;</c> for <c>iter/</c>, <c>bpf_lsm_&lt;hook&gt;</c> for <c>lsm/</c>.
        /// </summary>
        /// <exception cref="BpfException">The kernel has no such tracepoint, function, iterator or hook.</exception>
        public uint AttachTarget(string section, ProgramKind kind)
        {
            string name = section.Substring(kind.Prefix.Length);
            var (typeKind, typeName, what) = kind.Prefix switch
            {
                "tp_btf/" => (BtfKind.Typedef, "btf_trace_" + name, "tracepoint"),
                "iter/" or "iter.s/" => (BtfKind.Func, "bpf_iter_" + name, "iterator"),
                "lsm/" => (BtfKind.Func, "bpf_lsm_" + name, "LSM hook"),
                _ => (BtfKind.Func, name, "function"),
            };
            return Find(typeKind, typeName)
                ?? throw new BpfException($"Section '{section}' names the {what} '{name}', which the running kernel's BTF does not have ({typeName} not found in {_path}).", Interop.Native.ENOENT);
        }
    }
}
