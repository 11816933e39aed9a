using System.Runtime.InteropServices;
using BpfDotnet;

namespace BpfCore;

/// <summary>
/// The members of the kernel's task_struct this probe reads. The offsets are placeholders: the loader moves each read to
/// where the running kernel's BTF places the member (CO-RE), so one build runs on any kernel with BTF. For complete
/// declarations of kernel types, run: dotnet bpf types task_struct mm_struct -o Kernel.cs (the BpfDotnet.Tool package).
/// </summary>
[BtfName("task_struct")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
public unsafe struct TaskStruct
{
    [FieldOffset(0), BtfName("real_parent")] public TaskStruct* RealParent;
    [FieldOffset(8), BtfName("tgid")] public int Tgid;
}
