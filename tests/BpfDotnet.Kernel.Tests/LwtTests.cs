using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// Lightweight-tunnel programs: the kernel loads each kind (lwt_xmit may set the mark); they attach through a route's
    /// BPF encapsulation, which this loader does not make, and AttachAll says so, naming each program, instead of attaching nothing.
    /// </summary>
    [Collection("kernel")]
    public class LwtTests
    {
        [KernelFact]
        public void TunnelPrograms_LoadAsTheKernelDecides_AndAttachAllNamesThem()
        {
            Kernel.Require();
            using var probe = TunnelPrograms.Load();
            Assert.Equal(BpfProgramType.LwtIn, probe.OnIn.Type);
            Assert.Equal(BpfProgramType.LwtOut, probe.OnOut.Type);
            Assert.Equal(BpfProgramType.LwtXmit, probe.OnXmit.Type);
            Assert.True(probe.OnXmit.Id > 0);
            var e = Assert.Throws<BpfException>(() => probe.AttachAll());
            Assert.Contains("OnIn", e.Message);
            Assert.Contains("route", e.Message);
        }
    }
}
