namespace BpfDotnet
{
    /// <summary>
    /// The arguments of a USDT probe (a static tracepoint a program built with <c>sys/sdt.h</c> declares), read in a
    /// <c>[Section("usdt/&lt;binary&gt;:&lt;provider&gt;:&lt;name&gt;")]</c> (or <c>[Section("usdt")]</c>) program taking
    /// <c>ref PtRegs</c>. Where each argument is (a register, memory at a register plus an offset, or a constant) differs
    /// between the probe's locations; the loader writes it per location when it attaches, and the program reads it by the
    /// location's attach cookie.
    /// </summary>
    public static class Usdt
    {
        /// <summary>
        /// Argument <paramref name="index"/> (a constant from 0 to 11) of the probe that fired, sign- or zero-extended from
        /// its size to 64 bits; 0 where the probe has no such argument or memory could not be read. A pointer argument is an
        /// address in the probed process: read it with <c>Bpf.ProbeReadUser</c>. As .NET code there is no probe: 0.
        /// </summary>
        public static long Arg(ref PtRegs context, int index) => 0;

        /// <summary>How many arguments the probe that fired has. As .NET code there is no probe: 0.</summary>
        public static long ArgumentCount(ref PtRegs context) => 0;
    }
}
