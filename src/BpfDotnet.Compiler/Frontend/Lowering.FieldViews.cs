using System.Linq;
using BpfDotnet.Compiler.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Properties of compiled library structs marked <c>[BpfFieldView]</c> (the packet headers' fields in host byte order,
    /// an IPv4 header's length in bytes): read as the attribute says (the field loaded, byte-swapped, shifted, masked,
    /// scaled), written by the reverse where the view is the whole field. Their accessors' bodies are not in source, so
    /// they cannot be inlined as the user's own properties are.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>What a <c>[BpfFieldView]</c> says: the field, and how its value is turned into the property's.</summary>
        private sealed record FieldView(IFieldSymbol Field, bool NetworkOrder, int Shift, int Bits, int Scale)
        {
            /// <summary>The property is the field itself (in network order or not): it can be written.</summary>
            public bool Whole => Shift == 0 && Bits == 0 && Scale == 1;
        }

        private static FieldView? FieldViewOf(IPropertySymbol property)
        {
            foreach (var attribute in property.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != KnownTypes.BpfFieldViewAttribute || attribute.ConstructorArguments.Length != 1
                    || attribute.ConstructorArguments[0].Value is not string name) continue;
                if (property.ContainingType.GetMembers(name).OfType<IFieldSymbol>().FirstOrDefault(f => !f.IsStatic) is not { } field) return null;
                bool network = false;
                int shift = 0, bits = 0, scale = 1;
                foreach (var named in attribute.NamedArguments)
                {
                    switch (named.Key)
                    {
                        case "NetworkOrder": network = named.Value.Value is true; break;
                        case "Shift": shift = named.Value.Value is int s ? s : 0; break;
                        case "Bits": bits = named.Value.Value is int b ? b : 0; break;
                        case "Scale": scale = named.Value.Value is int c ? c : 1; break;
                    }
                }
                return new FieldView(field, network, shift, bits, scale);
            }
            return null;
        }

        private Operand LoadFieldView(IPropertyReferenceOperation property, FieldView view)
        {
            var address = AddressOf(property.Instance!).Plus(FieldOffset(view.Field, property.Syntax));
            var (size, _) = ScalarInfo(view.Field.Type);
            int value = _b.Load(address, size);
            if (view.NetworkOrder && size > 1) value = Swapped(value, size);
            if (view.Shift > 0) value = _b.AluImm(AluOp.Rsh, value, view.Shift, false);
            if (view.Bits > 0 && view.Bits < 64) value = _b.AluImm(AluOp.And, value, (1L << view.Bits) - 1, false);
            if (view.Scale != 1) value = _b.AluImm(AluOp.Mul, value, view.Scale, false);
            if (property.Type?.SpecialType == SpecialType.System_Boolean) return Operand.InReg(_b.SetCond(Cond.Ne, value, -1, 0));
            var (resultSize, signed) = ScalarInfo(property.Type);
            return Operand.InReg(Normalize(value, resultSize, signed));
        }

        private void StoreFieldView(IPropertyReferenceOperation property, FieldView view, Operand value)
        {
            if (!view.Whole)
            {
                Unsupported(property, "Setting '" + property.Property.Name + "', a view of part of a field,");
                return;
            }
            var address = AddressOf(property.Instance!).Plus(FieldOffset(view.Field, property.Syntax));
            var (size, _) = ScalarInfo(view.Field.Type);
            int raw = Materialize(value);
            if (view.NetworkOrder && size > 1) raw = Swapped(raw, size);
            _b.Store(address, size, raw);
        }

        private int Swapped(int value, int size)
        {
            int swapped = Function.NewReg();
            _b.Emit(new IrInstruction { Op = IrOp.ByteSwap, Dst = swapped, A = value, Size = size });
            return swapped;
        }
    }
}
