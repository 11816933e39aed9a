using System;
using System.Runtime.InteropServices;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// Loads raw BPF instructions into the kernel without an ELF object: the escape hatch for tests and tools
    /// that produce bytecode directly.
    /// </summary>
    public static class BpfProgramLoader
    {
        /// <summary>Loads a program given as 64-bit instruction words (one <see cref="ulong"/> per 8-byte slot, little-endian).</summary>
        /// <param name="type">The program type.</param>
        /// <param name="instructions">The instructions; <c>ld_imm64</c> takes two words.</param>
        /// <param name="license">The license string; GPL-only helpers need a GPL-compatible one.</param>
        /// <param name="options">Verifier log options; null for defaults.</param>
        /// <returns>The program's file descriptor; dispose it to release the program.</returns>
        /// <exception cref="BpfVerifierException">The verifier rejected the program; the exception carries its log.</exception>
        /// <exception cref="BpfException">The load failed for another reason (privileges, invalid arguments).</exception>
        public static BpfFileDescriptor LoadRaw(BpfProgramType type, ReadOnlySpan<ulong> instructions, string license = "GPL", BpfLoadOptions? options = null)
            => LoadRaw(type, MemoryMarshal.AsBytes(instructions), license, options);

        /// <summary>Loads a program given as raw bytes (a multiple of 8: the instruction encoding of RFC 9669).</summary>
        /// <param name="type">The program type.</param>
        /// <param name="instructions">The encoded instructions.</param>
        /// <param name="license">The license string; GPL-only helpers need a GPL-compatible one.</param>
        /// <param name="options">Verifier log options; null for defaults.</param>
        /// <returns>The program's file descriptor; dispose it to release the program.</returns>
        /// <exception cref="BpfVerifierException">The verifier rejected the program; the exception carries its log.</exception>
        /// <exception cref="BpfException">The load failed for another reason (privileges, invalid arguments).</exception>
        public static BpfFileDescriptor LoadRaw(BpfProgramType type, ReadOnlySpan<byte> instructions, string license = "GPL", BpfLoadOptions? options = null)
        {
            if (instructions.Length == 0 || instructions.Length % 8 != 0)
                throw new ArgumentException("Instructions must be a non-empty multiple of 8 bytes.", nameof(instructions));
            var args = new BpfSyscalls.ProgLoadArgs
            {
                ProgType = (uint)type,
                Name = "raw_prog",
                Instructions = instructions.ToArray(),
                License = license ?? "",
                BtfFd = -1,
            };
            return Load(args, "raw_prog", options ?? new BpfLoadOptions());
        }

        /// <summary>Reads the kernel's information about any loaded program (BPF_OBJ_GET_INFO_BY_FD), such as one from <see cref="LoadRaw(BpfProgramType, ReadOnlySpan{ulong}, string, BpfLoadOptions?)"/>.</summary>
        /// <param name="program">The program's file descriptor.</param>
        /// <returns>Id, sizes, verifier statistics and run statistics.</returns>
        /// <exception cref="BpfException">The descriptor is not a BPF program.</exception>
        public static BpfProgramInfo GetInfo(BpfFileDescriptor program) => BpfProgramHandle.ReadInfo(program);

        /// <summary>BPF_PROG_LOAD with the log retry policy of <see cref="BpfLoadOptions.LogLevel"/>.</summary>
        internal static BpfFileDescriptor Load(in BpfSyscalls.ProgLoadArgs args, string displayName, BpfLoadOptions options)
            => Load(args, displayName, options, out _);

        /// <summary>As <see cref="Load(in BpfSyscalls.ProgLoadArgs, string, BpfLoadOptions)"/>; <paramref name="successLog"/> is the
        /// verifier log of the successful load at <see cref="BpfLoadOptions.LogLevel"/> (empty at level 0).</summary>
        internal static BpfFileDescriptor Load(in BpfSyscalls.ProgLoadArgs args, string displayName, BpfLoadOptions options, out string successLog)
        {
            uint level = (uint)Math.Max(0, options.LogLevel);
            uint size = Math.Max(options.LogBufferSize, 4096u);
            successLog = "";
            int fd = BpfSyscalls.ProgLoad(args, level, size, out string log, out int errno);
            if (fd >= 0)
            {
                successLog = log;
                return new BpfFileDescriptor(fd);
            }

            if (errno == Native.ENOSPC && level > 0 && log.Length > 0)
                throw new BpfVerifierException(displayName, log + Environment.NewLine + $"(log truncated: raise {nameof(BpfLoadOptions)}.{nameof(BpfLoadOptions.LogBufferSize)})", errno);

            int firstErrno = errno;
            if (log.Length == 0)
            {
                // Retry to capture the verifier log: level 1 first, then 2 when level 1 says nothing.
                foreach (uint retry in new uint[] { 1, 2 })
                {
                    if (retry <= level) continue;
                    fd = BpfSyscalls.ProgLoad(args, retry, size, out log, out errno);
                    if (fd >= 0) return new BpfFileDescriptor(fd);
                    if (log.Length > 0) break;
                }
            }
            // The retry's errno may only say its log buffer filled (ENOSPC); the first load's errno is the refusal. A log of
            // statistics alone (no instruction walked) is a refusal before verification, which the log does not explain.
            if (log.Length > 0 && !StatisticsOnly(log))
                throw new BpfVerifierException(displayName, log, firstErrno);
            string? hint = null;
            if (firstErrno == Native.EPERM && Native.geteuid() == 0 && args.ExpectedAttachType == (uint)KernelModel.AttachType.TraceIter)
            {
                hint = "The kernel refuses this iterator even to root before verifying it: it may lack the target, or keep it from BPF programs in "
                    + "this configuration (the kernel this suite runs on refuses bpf_map_elem iterators so, and runs task iterators). Read the map "
                    + "from user space (its handle enumerates it) or walk another target.";
            }
            else if (firstErrno == Native.EPERM && Native.geteuid() == 0
                && (BpfProgramType)args.ProgType is BpfProgramType.Tracing or BpfProgramType.Lsm)
            {
                // Root was refused: not a privilege, but something the kernel was built or configured without.
                hint = "The kernel refuses this kind of program even to root: fentry, fexit and fmod_ret programs need ftrace's direct calls "
                    + "(CONFIG_FUNCTION_TRACER, CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS), LSM programs CONFIG_BPF_LSM and 'bpf' in the lsm= boot "
                    + "parameter, and a lockdown policy can forbid them all. Where they cannot run, a tracepoint, a raw tracepoint or a tp_btf program "
                    + "can often observe the same event.";
            }
            throw BpfErrors.FromErrno(firstErrno, $"to load program '{displayName}' (BPF_PROG_LOAD, type {(BpfProgramType)args.ProgType})", hint);
        }

        /// <summary>True when the verifier's log holds only its statistics: it refused the program before walking an instruction.</summary>
        private static bool StatisticsOnly(string log)
        {
            foreach (string line in log.Split('\n'))
            {
                string l = line.Trim();
                if (l.Length == 0 || l.StartsWith("func#", StringComparison.Ordinal) || l.StartsWith("verification time", StringComparison.Ordinal)
                    || l.StartsWith("stack depth", StringComparison.Ordinal) || l.StartsWith("processed 0 insns", StringComparison.Ordinal)) continue;
                return false;
            }
            return log.Contains("processed 0 insns", StringComparison.Ordinal);
        }
    }
}
