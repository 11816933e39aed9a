using System;

namespace BpfDotnet.Compiler.Facts
{
    /// <summary>What a register holds, as far as the kind of value goes.</summary>
    internal enum ValueKind : byte
    {
        /// <summary>Nothing known: a value loaded from memory or returned by a subprogram (it may be a pointer).</summary>
        Unknown,
        /// <summary>An integer.</summary>
        Scalar,
        /// <summary>A pointer into the program's stack frame.</summary>
        Stack,
        /// <summary>A map value (or global data), never null.</summary>
        MapValue,
        /// <summary>A map value that may be null: a lookup not tested yet.</summary>
        MapValueOrNull,
        /// <summary>A reference to a map, for helpers.</summary>
        MapReference,
        /// <summary>Bytes of the packet, past the comparison with the packet's end that bounds them.</summary>
        Packet,
        /// <summary>Bytes of the packet, or null where the packet ended before them: a packet reference not tested yet.</summary>
        PacketOrNull,
        /// <summary>A packet reference taken before a helper changed the packet: the verifier forgets it.</summary>
        StalePacket,
        /// <summary>The program's context, at the offsets the interval holds (the verifier reads and writes it only at offset 0 plus a constant).</summary>
        Context,
    }

    /// <summary>
    /// One register's facts at one point: its kind, the interval its 64-bit value lies in (read as signed), and
    /// whether that interval rests on a relation the kernel verifier does not follow (a test made on a zero-extended
    /// copy, a division), in which case the verifier must be shown the bound before it relies on it. A pointer into an
    /// object lowering declared (<see cref="Origin"/>) carries the interval of its byte offset from the object's start.
    /// </summary>
    internal readonly struct Fact : IEquatable<Fact>
    {
        public Fact(long low, long high, ValueKind kind, bool hidden, int origin = -1, bool notZero = false, bool notMinusOne = false)
        {
            Low = low;
            High = high;
            Kind = kind;
            Hidden = hidden;
            Origin = origin;
            NotZeroTested = notZero && kind == ValueKind.Scalar;
            NotMinusOneTested = notMinusOne && kind == ValueKind.Scalar;
        }

        public long Low { get; }
        public long High { get; }
        public ValueKind Kind { get; }
        /// <summary>The interval is proven, but the verifier does not see all of it.</summary>
        public bool Hidden { get; }
        /// <summary>For a pointer: the object (<see cref="Ir.IrFunction.Objects"/>) it points into, or -1.</summary>
        public int Origin { get; }

        /// <summary>A test has ruled out 0 (which the interval alone may not show: <c>d != 0</c> on a signed value).</summary>
        public bool NotZeroTested { get; }
        /// <summary>A test has ruled out -1.</summary>
        public bool NotMinusOneTested { get; }

        /// <summary>The value is not 0.</summary>
        public bool ExcludesZero => IsScalar && (NotZeroTested || Low > 0 || High < 0);

        /// <summary>The value is not -1.</summary>
        public bool ExcludesMinusOne => IsScalar && (NotMinusOneTested || Low > -1 || High < -1);

        /// <summary>The same value with 0 (or -1) ruled out as well.</summary>
        public Fact Excluding(long value) => new Fact(Low, High, Kind, Hidden, Origin, NotZeroTested || value == 0, NotMinusOneTested || value == -1);

        /// <summary>A pointer into object <paramref name="origin"/>, at an offset in [low, high].</summary>
        public static Fact Pointer(ValueKind kind, int origin, long low, long high) => new Fact(low, high, kind, false, origin);

        /// <summary>True when this is a pointer with its offset known (a range of offsets into a known object).</summary>
        public bool HasOrigin => Origin >= 0 && Kind != ValueKind.Scalar;

        public static Fact Any { get; } = new Fact(long.MinValue, long.MaxValue, ValueKind.Unknown, false);

        public static Fact AnyScalar { get; } = new Fact(long.MinValue, long.MaxValue, ValueKind.Scalar, false);

        public static Fact Of(ValueKind kind) => new Fact(long.MinValue, long.MaxValue, kind, false);

        /// <summary>
        /// A packet reference (<see cref="ValueKind.Packet"/> or <see cref="ValueKind.PacketOrNull"/>) whose bounds check proved
        /// the packet's first <paramref name="proven"/> bytes there (0 when it proved nothing from the packet's start).
        /// </summary>
        public static Fact PacketReference(ValueKind kind, long proven) => new Fact(proven, proven, kind, false);

        /// <summary>The packet bytes a packet reference proves are there (as many as wanted for null, which is never dereferenced).</summary>
        public static long ProvenBy(Fact fact) => fact.IsNull ? long.MaxValue
            : fact.Kind is ValueKind.Packet or ValueKind.PacketOrNull && !fact.HasOrigin ? Math.Max(0, fact.Low) : 0;

        public static Fact Constant(long value) => new Fact(value, value, ValueKind.Scalar, false);

        public static Fact Range(long low, long high, bool hidden = false) => new Fact(low, high, ValueKind.Scalar, hidden);

        public bool IsScalar => Kind == ValueKind.Scalar;

        public bool IsNull => Kind == ValueKind.Scalar && Low == 0 && High == 0;

        public bool IsBounded => Low != long.MinValue || High != long.MaxValue;

        public bool Within(long low, long high) => IsScalar && Low >= low && High <= high;

        public Fact WithRange(long low, long high, bool hidden) => new Fact(low, high, Kind, hidden, Origin, NotZeroTested, NotMinusOneTested);

        /// <summary>Both facts' values (a control-flow join).</summary>
        public static Fact Join(Fact a, Fact b)
        {
            ValueKind kind;
            if (a.Kind == b.Kind) kind = a.Kind;
            // A packet reference stale on any path is stale after the join; one that may be null on any path may be null.
            else if (a.Kind == ValueKind.StalePacket || b.Kind == ValueKind.StalePacket) kind = ValueKind.StalePacket;
            else if (a.Kind == ValueKind.PacketOrNull || b.Kind == ValueKind.PacketOrNull
                || (a.Kind == ValueKind.Packet && b.IsNull) || (b.Kind == ValueKind.Packet && a.IsNull))
                kind = ValueKind.PacketOrNull;
            // A map value that may be null on any path may be null after the join; so may one joined with null itself.
            else if (a.Kind == ValueKind.MapValueOrNull || b.Kind == ValueKind.MapValueOrNull
                || (a.Kind == ValueKind.MapValue && b.IsNull) || (b.Kind == ValueKind.MapValue && a.IsNull))
                kind = ValueKind.MapValueOrNull;
            else kind = ValueKind.Unknown;
            if (kind != ValueKind.Scalar)
            {
                if (a.HasOrigin && b.HasOrigin && a.Origin == b.Origin && a.Kind == b.Kind) return Pointer(kind, a.Origin, Math.Min(a.Low, b.Low), Math.Max(a.High, b.High));
                if (kind == ValueKind.Context) return Pointer(kind, -1, Math.Min(a.Low, b.Low), Math.Max(a.High, b.High));
                // A packet reference carries the bytes its bounds check proved: those both sides proved (null proves all).
                if (kind is ValueKind.Packet or ValueKind.PacketOrNull) return PacketReference(kind, Math.Min(ProvenBy(a), ProvenBy(b)));
                return Of(kind);
            }
            return new Fact(Math.Min(a.Low, b.Low), Math.Max(a.High, b.High), kind, a.Hidden || b.Hidden,
                notZero: a.ExcludesZero && b.ExcludesZero, notMinusOne: a.ExcludesMinusOne && b.ExcludesMinusOne);
        }

        /// <summary>
        /// <paramref name="next"/> joined with <paramref name="previous"/>, with every bound that moved pushed out to the
        /// next of <paramref name="thresholds"/> (sorted; the constants the function tests against and the limits of the
        /// integer types), so that iterating a loop reaches a fixed point in a few steps and a counter tested against a
        /// constant keeps that constant as its bound.
        /// </summary>
        public static Fact Widen(Fact previous, Fact next, long[] thresholds)
        {
            var joined = Join(previous, next);
            if (!joined.IsScalar && !joined.HasOrigin) return joined;
            long low = joined.Low < previous.Low ? Below(joined.Low, thresholds) : joined.Low;
            long high = joined.High > previous.High ? Above(joined.High, thresholds) : joined.High;
            return new Fact(low, high, joined.Kind, joined.Hidden, joined.Origin, joined.NotZeroTested, joined.NotMinusOneTested);
        }

        private static long Above(long value, long[] thresholds)
        {
            int at = Array.BinarySearch(thresholds, value);
            if (at >= 0) return value;
            at = ~at;
            return at < thresholds.Length ? thresholds[at] : long.MaxValue;
        }

        private static long Below(long value, long[] thresholds)
        {
            int at = Array.BinarySearch(thresholds, value);
            if (at >= 0) return value;
            at = ~at - 1;
            return at >= 0 ? thresholds[at] : long.MinValue;
        }

        public bool Equals(Fact other) => Low == other.Low && High == other.High && Kind == other.Kind && Hidden == other.Hidden && Origin == other.Origin
            && NotZeroTested == other.NotZeroTested && NotMinusOneTested == other.NotMinusOneTested;

        public override bool Equals(object? obj) => obj is Fact other && Equals(other);

        public override int GetHashCode() => HashCode(Low, High, (int)Kind, Hidden ? 1 : 0);

        private static int HashCode(long a, long b, int c, int d)
        {
            unchecked
            {
                int h = a.GetHashCode();
                h = h * 31 + b.GetHashCode();
                h = h * 31 + c;
                return h * 31 + d;
            }
        }

        public override string ToString() => Kind == ValueKind.Scalar ? "[" + Low + ", " + High + "]" + (Hidden ? " (hidden)" : "")
            : HasOrigin ? Kind + " into #" + Origin + " at [" + Low + ", " + High + "]" : Kind.ToString();
    }
}
