using System;
using System.IO;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>Pinning BPF objects (links, maps, programs) on a BPF filesystem, and opening them again.</summary>
    internal static class Pins
    {
        public static void Pin(BpfFileDescriptor fd, string path, string what)
        {
            Check(path);
            int r, errno;
            using (BpfFileDescriptor.Lease lease = fd.Acquire())
            {
                r = BpfSyscalls.ObjPin(lease.Fd, path, out errno);
            }
            if (r < 0) throw BpfErrors.FromErrno(errno, $"to pin {what} at '{path}' (BPF_OBJ_PIN)", Hint(errno, path));
        }

        public static BpfFileDescriptor Open(string path, string what)
        {
            Check(path);
            int fd = BpfSyscalls.ObjGet(path, out int errno);
            if (fd < 0) throw BpfErrors.FromErrno(errno, $"to open the {what} pinned at '{path}' (BPF_OBJ_GET)", Hint(errno, path));
            return new BpfFileDescriptor(fd);
        }

        public static void Unpin(string path)
        {
            Check(path);
            try
            {
                if (!File.Exists(path)) throw new BpfException($"Nothing is pinned at '{path}'.", Native.ENOENT);
                File.Delete(path);
            }
            catch (IOException e)
            {
                throw new BpfException($"Failed to delete the pin at '{path}': {e.Message}", 0);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new BpfException($"Failed to delete the pin at '{path}': {e.Message} Pins are deleted as root.", Native.EPERM);
            }
        }

        private static void Check(string path)
        {
            if (string.IsNullOrEmpty(path) || path.IndexOf('\0') >= 0 || path.Length > 4095)
                throw new BpfException($"'{path}' is not a path a BPF object can be pinned at: give an absolute path on a BPF filesystem, such as /sys/fs/bpf/my-link.", Native.EINVAL);
        }

        private static string? Hint(int errno, string path) => errno switch
        {
            Native.EEXIST => "Something is pinned there already: unpin it first, or choose another name.",
            Native.ENOENT => "Nothing is there, or its directory does not exist (create it under /sys/fs/bpf first).",
            Native.EPERM or Native.EACCES => "Pinning needs root (or CAP_BPF), and a path on a BPF filesystem: mount one with 'mount -t bpf bpf /sys/fs/bpf'.",
            Native.EINVAL => $"'{Path.GetDirectoryName(path)}' is not on a BPF filesystem (mount one with 'mount -t bpf bpf /sys/fs/bpf'), or the path names no object of this kind.",
            _ => null,
        };
    }
}
