using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>
    /// The output of <c>bpftool btf dump file</c>, parsed enough to describe a type without its ids,
    /// so that our BTF and clang's can be compared structurally.
    /// </summary>
    internal sealed class BtfDump
    {
        private static readonly Regex TypeLine = new Regex(@"^\[(\d+)\] (\w+) '([^']*)'(.*)$");
        private readonly Dictionary<int, (string Kind, string Name, string Attributes, List<string> Members)> _types = new();

        public BtfDump(string text)
        {
            List<string>? members = null;
            foreach (var line in text.Split('\n'))
            {
                var match = TypeLine.Match(line);
                if (match.Success)
                {
                    members = new List<string>();
                    _types[int.Parse(match.Groups[1].Value)] = (match.Groups[2].Value, match.Groups[3].Value, match.Groups[4].Value.Trim(), members);
                }
                else if (line.StartsWith('\t') && members != null)
                {
                    members.Add(line.Trim());
                }
            }
        }

        /// <summary>The id of the first type of <paramref name="kind"/> named <paramref name="name"/>.</summary>
        public int Find(string kind, string name) => _types.First(t => t.Value.Kind == kind && t.Value.Name == name).Key;

        /// <summary>
        /// A type as text, references followed: typedefs are looked through and integers reduced to
        /// size and encoding (C says <c>__u32</c> where C# says <c>uint</c>).
        /// </summary>
        public string Describe(int id, bool includeStructNames = true)
        {
            if (id == 0) return "void";
            var (kind, name, attributes, members) = _types[id];
            switch (kind)
            {
                case "TYPEDEF":
                    return Describe(Reference(attributes, "type_id"), includeStructNames);
                case "INT":
                    return $"int{Value(attributes, "nr_bits")}:{Value(attributes, "encoding")}";
                case "PTR":
                    return "*" + Describe(Reference(attributes, "type_id"), includeStructNames);
                case "ARRAY":
                    return $"{Describe(Reference(attributes, "type_id"), includeStructNames)}[{Value(attributes, "nr_elems")}]";
                case "VAR":
                    return Describe(Reference(attributes.Replace(",", ""), "type_id"), includeStructNames);
                case "STRUCT":
                    var text = new StringBuilder($"struct {(includeStructNames ? name : "?")} {Value(attributes, "size")} {{");
                    foreach (var member in members)
                    {
                        var m = Regex.Match(member, @"^'([^']*)' type_id=(\d+) bits_offset=(\d+)");
                        text.Append($" {m.Groups[1].Value}@{m.Groups[3].Value}: {Describe(int.Parse(m.Groups[2].Value), includeStructNames)};");
                    }
                    return text.Append(" }").ToString();
                default:
                    return $"{kind} {name} {attributes}";
            }
        }

        private static string Value(string attributes, string key) => Regex.Match(attributes, key + @"=(\S+)").Groups[1].Value;

        private static int Reference(string attributes, string key) => int.Parse(Value(attributes, key));
    }
}
