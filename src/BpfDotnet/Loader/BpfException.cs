using System;
using System.Linq;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>
    /// A failure while loading, attaching or using BPF objects. The message says what failed and what to do
    /// about it; <see cref="Errno"/> carries the kernel's error number when a system call failed.
    /// </summary>
    public class BpfException : Exception
    {
        /// <summary>Creates an exception with a message and no errno.</summary>
        /// <param name="message">What happened and what to do.</param>
        public BpfException(string message)
            : base(message)
        {
        }

        /// <summary>Creates an exception for a failed system call.</summary>
        /// <param name="message">What happened and what to do.</param>
        /// <param name="errno">The positive errno value returned by the kernel.</param>
        public BpfException(string message, int errno)
            : base(message)
        {
            Errno = errno;
        }

        /// <summary>Creates an exception wrapping another one.</summary>
        /// <param name="message">What happened and what to do.</param>
        /// <param name="innerException">The underlying failure.</param>
        public BpfException(string message, Exception innerException)
            : base(message, innerException)
        {
        }

        /// <summary>The positive errno value of the failed system call, or 0 when no system call failed.</summary>
        public int Errno { get; }
    }

    /// <summary>
    /// The kernel verifier rejected a program. <see cref="VerifierLog"/> holds the complete log; the message
    /// holds its last lines, which usually name the failing instruction and the reason.
    /// </summary>
    public sealed class BpfVerifierException : BpfException
    {
        /// <summary>Number of trailing log lines quoted in <see cref="Exception.Message"/>.</summary>
        private const int SummaryLines = 12;

        /// <summary>Creates the exception.</summary>
        /// <param name="programName">Name of the rejected program.</param>
        /// <param name="verifierLog">The full verifier log.</param>
        /// <param name="errno">The errno returned by BPF_PROG_LOAD.</param>
        public BpfVerifierException(string programName, string verifierLog, int errno)
            : base(BuildMessage(programName, verifierLog, errno), errno)
        {
            ProgramName = programName;
            VerifierLog = verifierLog;
        }

        /// <summary>Name of the program the verifier rejected.</summary>
        public string ProgramName { get; }

        /// <summary>The complete verifier log (log level 1 or 2), as the kernel wrote it.</summary>
        public string VerifierLog { get; }

        private static string BuildMessage(string programName, string log, int errno)
        {
            string[] lines = log.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string tail = string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - SummaryLines)).Select(l => "  " + l));
            string cause = log.Contains("BPF program is too large", StringComparison.Ordinal) || log.Contains("is too complex", StringComparison.Ordinal)
                ? "The program is too large for the verifier: following every path, it reached one of its limits (1,000,000 instructions " +
                  "walked, or 8,192 branches pending); each iteration of a loop is walked again and nested loops multiply, so lower loop " +
                  "bounds, shrink loop bodies or move work out of loops. "
                : "";
            return $"The kernel verifier rejected program '{programName}' ({Native.ErrnoName(errno)}). " + cause +
                   $"Last lines of the verifier log (full log in {nameof(VerifierLog)}):" + Environment.NewLine + tail;
        }
    }

    /// <summary>Builds exceptions with actionable messages from errno values.</summary>
    internal static class BpfErrors
    {
        internal static BpfException FromErrno(int errno, string operation, string? hint = null)
        {
            string advice = hint ?? Advice(errno);
            string msg = $"Failed {operation}: {Native.ErrnoName(errno)} ({Native.ErrnoText(errno)}).";
            if (advice.Length > 0) msg += " " + advice;
            return new BpfException(msg, errno);
        }

        /// <summary>
        /// An rtnetlink request the kernel refused: the errno, the kernel's own words for it (its extended-ack message)
        /// when it gave them, and <paramref name="hint"/> or the errno's usual advice.
        /// </summary>
        internal static BpfException FromNetlink(int errno, string operation, string? kernelMessage, string? hint = null)
        {
            string msg = $"Failed {operation}: {Native.ErrnoName(errno)} ({Native.ErrnoText(errno)}).";
            if (kernelMessage is not null) msg += $" The kernel says: \"{kernelMessage}\".";
            string advice = hint ?? (errno == Native.EPERM ? "Run as root, or grant the process CAP_NET_ADMIN." : Advice(errno));
            if (advice.Length > 0) msg += " " + advice;
            return new BpfException(msg, errno);
        }

        internal static string Advice(int errno) => errno switch
        {
            Native.EPERM => "Run as root, or grant the process CAP_BPF and CAP_PERFMON (plus CAP_NET_ADMIN for networking programs, CAP_SYS_ADMIN on kernels before 5.8); also check kernel.unprivileged_bpf_disabled, RLIMIT_MEMLOCK on kernels before 5.11, and any LSM policy.",
            Native.EACCES => "The kernel refused the operation for this program or object; check privileges (CAP_BPF, CAP_PERFMON) and the program's type.",
            Native.E2BIG => "A size or count is above the kernel's limit (key/value size, max_entries, or instruction count).",
            Native.EINVAL => "The kernel rejected an argument; the object may use a feature this kernel does not support.",
            Native.ENOSPC => "The kernel's log or resource limit was exceeded.",
            38 => "This kernel has no bpf(2) system call (CONFIG_BPF_SYSCALL is off).",
            Native.ENOTSUPP or Native.EOPNOTSUPP => "This kernel does not support the requested feature.",
            _ => "",
        };
    }
}
