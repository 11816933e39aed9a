using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Backend
{
    /// <summary>Block order and per-block live-in/live-out sets of virtual registers.</summary>
    internal sealed class Liveness
    {
        private Liveness(List<BasicBlock> order, Dictionary<BasicBlock, HashSet<int>> liveIn, Dictionary<BasicBlock, HashSet<int>> liveOut)
        {
            Order = order;
            LiveIn = liveIn;
            LiveOut = liveOut;
        }

        /// <summary>Reachable blocks in reverse postorder (entry first).</summary>
        public List<BasicBlock> Order { get; }
        public Dictionary<BasicBlock, HashSet<int>> LiveIn { get; }
        public Dictionary<BasicBlock, HashSet<int>> LiveOut { get; }

        /// <summary>Reachable blocks in reverse postorder.</summary>
        public static List<BasicBlock> ReversePostorder(IrFunction function)
        {
            var visited = new HashSet<BasicBlock>();
            var post = new List<BasicBlock>();
            var stack = new Stack<(BasicBlock Block, IEnumerator<BasicBlock> Successors)>();
            var entry = function.Blocks[0];
            visited.Add(entry);
            stack.Push((entry, entry.Successors().GetEnumerator()));
            while (stack.Count > 0)
            {
                var (block, successors) = stack.Peek();
                if (successors.MoveNext())
                {
                    var next = successors.Current;
                    if (visited.Add(next)) stack.Push((next, next.Successors().GetEnumerator()));
                }
                else
                {
                    stack.Pop();
                    post.Add(block);
                }
            }
            post.Reverse();
            return post;
        }

        public static Liveness Compute(IrFunction function)
        {
            var order = ReversePostorder(function);
            var use = new Dictionary<BasicBlock, HashSet<int>>();
            var def = new Dictionary<BasicBlock, HashSet<int>>();
            var liveIn = new Dictionary<BasicBlock, HashSet<int>>();
            var liveOut = new Dictionary<BasicBlock, HashSet<int>>();
            foreach (var block in order)
            {
                var u = new HashSet<int>();
                var d = new HashSet<int>();
                foreach (var ins in block.Instructions)
                {
                    foreach (var r in ins.Uses()) if (r >= 0 && !d.Contains(r)) u.Add(r);
                    if (ins.Def >= 0) d.Add(ins.Def);
                }
                use[block] = u;
                def[block] = d;
                liveIn[block] = new HashSet<int>();
                liveOut[block] = new HashSet<int>();
            }
            bool changed = true;
            while (changed)
            {
                changed = false;
                for (int i = order.Count - 1; i >= 0; i--)
                {
                    var block = order[i];
                    var outSet = liveOut[block];
                    foreach (var successor in block.Successors())
                    {
                        if (liveIn.TryGetValue(successor, out var succIn))
                        {
                            foreach (var r in succIn) if (outSet.Add(r)) changed = true;
                        }
                    }
                    var inSet = liveIn[block];
                    foreach (var r in use[block]) if (inSet.Add(r)) changed = true;
                    foreach (var r in outSet)
                    {
                        if (!def[block].Contains(r) && inSet.Add(r)) changed = true;
                    }
                }
            }
            return new Liveness(order, liveIn, liveOut);
        }
    }
}
