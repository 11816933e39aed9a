using System;
using System.ComponentModel;

namespace BpfDotnet
{
    /// <summary>What <see cref="BpfStackTraceMap.GetStackId{TContext}"/> records (<c>BPF_F_*</c> flags of <c>bpf_get_stackid</c>).</summary>
    [Flags]
    public enum StackTraceFlags : ulong
    {
        /// <summary>The kernel stack.</summary>
        Kernel = 0,
        /// <summary>The user-space stack of the current task instead (<c>BPF_F_USER_STACK</c>).</summary>
        UserStack = 1 << 8,
        /// <summary>Compare stacks by hash only (<c>BPF_F_FAST_STACK_CMP</c>).</summary>
        FastCompare = 1 << 9,
        /// <summary>On a hash collision, replace the stored stack (<c>BPF_F_REUSE_STACKID</c>) instead of failing.</summary>
        ReuseStackId = 1 << 10,
    }

    /// <summary>
    /// A stack-trace map (<c>BPF_MAP_TYPE_STACK_TRACE</c>): a program records the current kernel or user stack with
    /// <see cref="GetStackId{TContext}"/> and keeps the id (in another map, or an event); user space reads the frames with
    /// the loaded object's <see cref="BpfStackTraceMapHandle"/>, which resolves kernel addresses to symbols. Declare it as
    /// a static field with <see cref="BpfMapAttribute"/> (<see cref="BpfMapAttribute.MaxEntries"/> stacks of up to
    /// <see cref="MaxDepth"/> frames).
    /// </summary>
    public sealed class BpfStackTraceMap : IBpfMapStandIn
    {
        /// <summary>The frames kept per stack.</summary>
        public const int MaxDepth = 127;

        /// <summary>Creates the managed stand-in.</summary>
        public BpfStackTraceMap()
        {
        }

        void IBpfMapStandIn.SetMaxEntries(uint maxEntries)
        {
        }

        /// <summary>
        /// Records the current stack and returns its id, or a negative errno (<c>bpf_get_stackid</c>). As .NET code there
        /// is no kernel stack to record: it returns -EOPNOTSUPP.
        /// </summary>
        /// <param name="context">The program's context, which the helper needs.</param>
        /// <param name="flags">Which stack, and what to do on a collision.</param>
        public long GetStackId<TContext>(ref TContext context, StackTraceFlags flags = StackTraceFlags.Kernel)
            where TContext : unmanaged
            => -95;
    }
}
