using System.Linq;
using System.Net;
using System.Net.Sockets;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>sk_lookup programs attached to this network namespace, handing connections to sockets of a sockmap.</summary>
    [Collection("kernel")]
    public class SkLookupTests
    {
        private static int FreePort()
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        private static SocketError Connect(int port)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                client.Connect(new IPEndPoint(IPAddress.Loopback, port));
                return SocketError.Success;
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode;
            }
        }

        [KernelFact]
        public void AnSkLookupProgram_HandsConnectionsToAPortNothingListensOn_ToASocketOfItsSockmap()
        {
            Kernel.Require();
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
            int steered = FreePort();
            Assert.Equal(SocketError.ConnectionRefused, Connect(steered));
            var linksBefore = BpfSystem.GetLinkIds().Count();
            using (var steering = Steering.Load(new() { FromPort = (uint)steered }))
            {
                var manual = Assert.Throws<BpfException>(() => steering.AttachAll());
                Assert.Contains("AttachNetworkNamespace(path)", manual.Message);
                steering.Sockets[0] = (uint)listener.Handle;
                using (steering.Steer.AttachNetworkNamespace())
                {
                    Assert.Equal(SocketError.Success, Connect(steered));
                    using var accepted = listener.Accept();
                    Assert.Equal(steered, ((IPEndPoint)accepted.LocalEndPoint!).Port);
                    Assert.Equal(1, steering.Results[0]);
                    Assert.Equal(0, steering.Results[1]);
                }
                // Detached: nothing answers on the port again.
                Assert.Equal(SocketError.ConnectionRefused, Connect(steered));
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count());
        }

        [KernelFact]
        public void AnEmptySockmapEntry_IsENOENT_AndTheKernelsOwnLookupGoesOn()
        {
            Kernel.Require();
            int steered = FreePort();
            using var steering = Steering.Load(new() { FromPort = (uint)steered });
            using (steering.Steer.AttachNetworkNamespace())
            {
                Assert.Equal(SocketError.ConnectionRefused, Connect(steered));
                Assert.Equal(-2, steering.Results[1]);
                Assert.Equal(0, steering.Results[0]);
            }
            var wrong = Assert.Throws<BpfException>(() => steering.Steer.AttachNetworkNamespace("/proc/self/ns/none"));
            Assert.Contains("/proc/self/ns/none", wrong.Message);
        }
    }
}
