using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace BpfDotnet
{
    /// <summary>
    /// The context of an iterator program (<c>[Section("iter/task")]</c>, <c>iter/bpf_map</c>, <c>iter/bpf_prog</c>,
    /// <c>iter/tcp</c>, ...): the kernel runs it once per object its target walks, then once more with no object
    /// (<see cref="IsEnd"/>), and the program writes what it wants read with <c>Bpf.SeqPrintf</c> and <c>Bpf.SeqWrite</c>.
    /// The objects themselves are kernel structures, read with kernel types.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IteratorContext
    {
        private ulong _meta;
        private ulong _object;

        /// <summary>
        /// How many objects the walk has passed before this one (<c>bpf_iter_meta.seq_num</c>); on the last call
        /// (<see cref="IsEnd"/>), the number of the last object, one less than the count.
        /// </summary>
        public readonly ulong SequenceNumber => IteratorRuns.SequenceNumber(_meta);

        /// <summary>True for the last call of a walk, which has no object: the place to write a summary.</summary>
        public readonly bool IsEnd => _object == 0;

        /// <summary>
        /// A context for running an iterator program as .NET code (a unit test): the call for object number
        /// <paramref name="sequenceNumber"/>, or the last call when <paramref name="isEnd"/> (whose number the kernel makes
        /// the last object's); what the program writes goes to <paramref name="output"/>.
        /// </summary>
        public static IteratorContext ForObject(IteratorOutput output, ulong sequenceNumber, bool isEnd = false)
            => new IteratorContext { _meta = IteratorRuns.Register(output, sequenceNumber), _object = isEnd ? 0UL : 1UL };
    }

    /// <summary>
    /// The context of a <c>[Section("iter/bpf_map_elem")]</c> program, run once per element of the map it is attached to
    /// (<c>AttachIterator(map)</c>), then once with no element: the key as a read-only reference, the value as a reference
    /// the program may change in place. Both are null references on the last call: test them with <c>Unsafe.IsNullRef</c>.
    /// <typeparamref name="TKey"/> and <typeparamref name="TValue"/> must be the map's key and value types.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MapElementIterator<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
    {
        private ulong _meta;
        private ulong _map;
        private ulong _key;
        private ulong _value;

        /// <summary>How many elements the walk has passed before this one; on the last call, the number of the last element, one less than the count.</summary>
        public readonly ulong SequenceNumber => IteratorRuns.SequenceNumber(_meta);

        /// <summary>The element's key, or a null reference on the last call.</summary>
        public readonly ref readonly TKey GetKeyRefOrNullRef() => ref _key == 0 ? ref Unsafe.NullRef<TKey>() : ref PacketBuffers.At<TKey>(PacketBuffers.Of((uint)_key), 0);

        /// <summary>The element's value (the program may change it), or a null reference on the last call.</summary>
        public readonly ref TValue GetValueRefOrNullRef() => ref _value == 0 ? ref Unsafe.NullRef<TValue>() : ref PacketBuffers.At<TValue>(PacketBuffers.Of((uint)_value), 0);

        /// <summary>
        /// A context for running the program as .NET code on one element (a unit test): <paramref name="key"/> and
        /// <paramref name="value"/> are copied in, and the value the program leaves is read back with
        /// <see cref="GetValueRefOrNullRef"/>; what it writes goes to <paramref name="output"/>.
        /// </summary>
        public static MapElementIterator<TKey, TValue> ForElement(IteratorOutput output, ulong sequenceNumber, in TKey key, in TValue value)
        {
            byte[] keyBytes = new byte[Unsafe.SizeOf<TKey>()], valueBytes = new byte[Unsafe.SizeOf<TValue>()];
            MemoryMarshal.Write(keyBytes, in key);
            MemoryMarshal.Write(valueBytes, in value);
            return new MapElementIterator<TKey, TValue>
            {
                _meta = IteratorRuns.Register(output, sequenceNumber), _map = 1, _key = PacketBuffers.Register(keyBytes), _value = PacketBuffers.Register(valueBytes),
            };
        }

        /// <summary>
        /// A context for the last call of a walk of <paramref name="count"/> elements, as .NET code: no key and no value, and
        /// the sequence number the kernel gives that call (the last element's, <paramref name="count"/> - 1).
        /// </summary>
        public static MapElementIterator<TKey, TValue> ForEnd(IteratorOutput output, ulong count)
            => new MapElementIterator<TKey, TValue> { _meta = IteratorRuns.Register(output, count - 1), _map = 1 };
    }

    /// <summary>What an iterator program run as .NET code wrote with <c>Bpf.SeqPrintf</c> and <c>Bpf.SeqWrite</c>.</summary>
    public sealed class IteratorOutput
    {
        private readonly MemoryStream _bytes = new MemoryStream();

        /// <summary>The bytes written, in order.</summary>
        public byte[] ToArray() => _bytes.ToArray();

        /// <summary>The bytes written, as UTF-8 text.</summary>
        public override string ToString() => Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);

        internal void Write(ReadOnlySpan<byte> bytes) => _bytes.Write(bytes);
    }

    /// <summary>The outputs and sequence numbers of iterator contexts made for .NET runs, by the id their context holds.</summary>
    internal static class IteratorRuns
    {
        private static readonly object Gate = new object();
        private static readonly Dictionary<ulong, (WeakReference<IteratorOutput> Output, ulong SequenceNumber)> ById = new();
        private static ulong s_next;

        public static ulong Register(IteratorOutput output, ulong sequenceNumber)
        {
            ArgumentNullException.ThrowIfNull(output);
            lock (Gate)
            {
                ulong id = ++s_next;
                ById[id] = (new WeakReference<IteratorOutput>(output), sequenceNumber);
                return id;
            }
        }

        public static ulong SequenceNumber(ulong id)
        {
            lock (Gate) return ById.TryGetValue(id, out var run) ? run.SequenceNumber : 0;
        }

        /// <summary>Appends to the output of the context whose first 8 bytes hold <paramref name="id"/>; false when it has none.</summary>
        public static bool Write(ulong id, ReadOnlySpan<byte> bytes)
        {
            IteratorOutput? output;
            lock (Gate)
            {
                if (!ById.TryGetValue(id, out var run) || !run.Output.TryGetTarget(out output)) return false;
            }
            output.Write(bytes);
            return true;
        }
    }

    public static partial class Bpf
    {
        /// <summary>
        /// <c>bpf_seq_write</c>: appends the bytes of <paramref name="value"/> (a struct, or a byte span) to what the iterator
        /// gives its reader. Iterator programs only; needs a GPL-compatible license. Returns 0, or a negative errno
        /// (-EOVERFLOW where the kernel's buffer for this object is full). As .NET code on a context made with
        /// <c>ForObject</c> or <c>ForElement</c>, the bytes go to its <see cref="IteratorOutput"/>.
        /// </summary>
        /// <param name="context">The program's iterator context.</param>
        /// <param name="value">What to write.</param>
        public static long SeqWrite<TContext, T>(ref TContext context, in T value) where TContext : unmanaged where T : unmanaged
            => SeqOut(ref context, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

        /// <inheritdoc cref="SeqWrite{TContext, T}(ref TContext, in T)"/>
        public static long SeqWrite<TContext>(ref TContext context, ReadOnlySpan<byte> value) where TContext : unmanaged => SeqOut(ref context, value);

        private static long SeqOut<TContext>(ref TContext context, ReadOnlySpan<byte> bytes) where TContext : unmanaged
            => Unsafe.SizeOf<TContext>() >= 8 && IteratorRuns.Write(Unsafe.As<TContext, ulong>(ref context), bytes) ? 0 : -EOPNOTSUPP;

        /// <summary>
        /// <c>bpf_seq_printf</c>: appends <paramref name="format"/> with its arguments to what the iterator gives its reader,
        /// formatted as <see cref="Snprintf(Span{byte}, string)"/> formats (the same conversions, checked at build time).
        /// Iterator programs only; needs a GPL-compatible license. Returns 0, or a negative errno. As .NET code on a context
        /// made with <c>ForObject</c> or <c>ForElement</c>, the text goes to its <see cref="IteratorOutput"/>.
        /// </summary>
        public static long SeqPrintf<TContext>(ref TContext context, string format) where TContext : unmanaged => SeqFormat(ref context, format, ReadOnlySpan<long>.Empty);

        /// <inheritdoc cref="SeqPrintf{TContext}(ref TContext, string)"/>
        public static long SeqPrintf<TContext>(ref TContext context, string format, long a) where TContext : unmanaged => SeqFormat(ref context, format, stackalloc long[] { a });

        /// <inheritdoc cref="SeqPrintf{TContext}(ref TContext, string)"/>
        public static long SeqPrintf<TContext>(ref TContext context, string format, long a, long b) where TContext : unmanaged => SeqFormat(ref context, format, stackalloc long[] { a, b });

        /// <inheritdoc cref="SeqPrintf{TContext}(ref TContext, string)"/>
        public static long SeqPrintf<TContext>(ref TContext context, string format, long a, long b, long c) where TContext : unmanaged => SeqFormat(ref context, format, stackalloc long[] { a, b, c });

        /// <inheritdoc cref="SeqPrintf{TContext}(ref TContext, string)"/>
        public static long SeqPrintf<TContext>(ref TContext context, string format, long a, long b, long c, long d) where TContext : unmanaged => SeqFormat(ref context, format, stackalloc long[] { a, b, c, d });

        /// <inheritdoc cref="SeqPrintf{TContext}(ref TContext, string)"/>
        public static long SeqPrintf<TContext>(ref TContext context, string format, long a, long b, long c, long d, long e) where TContext : unmanaged => SeqFormat(ref context, format, stackalloc long[] { a, b, c, d, e });

        /// <inheritdoc cref="SeqPrintf{TContext}(ref TContext, string)"/>
        public static long SeqPrintf<TContext>(ref TContext context, string format, long a, long b, long c, long d, long e, long f) where TContext : unmanaged => SeqFormat(ref context, format, stackalloc long[] { a, b, c, d, e, f });

        private static long SeqFormat<TContext>(ref TContext context, string format, ReadOnlySpan<long> arguments) where TContext : unmanaged
        {
            ArgumentNullException.ThrowIfNull(format);
            if (KernelModel.PrintfFormat.Problem(format, arguments.Length, out _) is not null) return -EINVAL;
            return SeqOut(ref context, Encoding.ASCII.GetBytes(KernelModel.PrintfFormat.Format(format, arguments)));
        }
    }
}
