namespace BpfDotnet
{
    /// <summary>
    /// Questions about the running kernel's types that the loader answers when it loads a program (CO-RE), for programs that
    /// read through kernel types (<c>[BtfName]</c> structs) and must run on kernels that differ.
    /// </summary>
    public static class Core
    {
        /// <summary>
        /// True when the running kernel's struct has the member <paramref name="member"/> reads (<c>task-&gt;LoginUid</c>,
        /// which is not read here): <c>if (Core.FieldExists(task-&gt;LoginUid)) uid = task-&gt;LoginUid;</c> loads on kernels
        /// without the member, where the unguarded read would be refused at load. As .NET code: true.
        /// </summary>
        public static bool FieldExists<T>(T member) => true;
    }
}
