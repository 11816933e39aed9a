namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// The fields of <c>struct __sk_buff</c> a program may write, by program type (the kernel's <c>*_is_valid_access</c>
    /// for <c>BPF_WRITE</c>): the one table the compiler reads before it lets a program assign a context field. Every other
    /// context, and every other field, is read-only.
    /// </summary>
    internal static class ContextWrites
    {
        /// <summary>A writable field: its offset, its size and its name in <c>SkBuff</c>.</summary>
        internal readonly record struct Field(int Offset, int Size, string Name);

        private static readonly Field Mark = new(8, 4, "Mark");
        private static readonly Field QueueMapping = new(12, 4, "QueueMapping");
        private static readonly Field Priority = new(32, 4, "Priority");
        private static readonly Field TcIndex = new(44, 4, "TcIndex");
        private static readonly Field ControlBuffer = new(48, 20, "ControlBuffer");
        private static readonly Field TcClassid = new(72, 4, "TcClassid");

        /// <summary>The <c>__sk_buff</c> fields programs of <paramref name="type"/> may write (empty for other types).</summary>
        public static Field[] SkBuffFields(ProgramType type) => type switch
        {
            ProgramType.SchedCls or ProgramType.SchedAct => new[] { Mark, QueueMapping, Priority, TcIndex, ControlBuffer, TcClassid },
            ProgramType.CgroupSkb or ProgramType.LwtIn or ProgramType.LwtOut or ProgramType.LwtXmit => new[] { Mark, Priority, ControlBuffer },
            ProgramType.SkSkb => new[] { Priority, TcIndex },
            ProgramType.SocketFilter => new[] { ControlBuffer },
            _ => System.Array.Empty<Field>(),
        };

        /// <summary>True when a program of <paramref name="type"/> may write the <paramref name="size"/> bytes at <paramref name="offset"/> of its <c>__sk_buff</c>.</summary>
        public static bool AllowsSkBuff(ProgramType type, int offset, int size)
        {
            foreach (var field in SkBuffFields(type))
            {
                if (offset >= field.Offset && offset + size <= field.Offset + field.Size && (offset - field.Offset) % 4 == 0 && size == 4) return true;
            }
            return false;
        }
    }
}
