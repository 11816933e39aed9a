using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>sk_skb stream parser and verdict programs on a sockmap, running on what the sockets of a real TCP connection receive.</summary>
    [Collection("kernel")]
    public class SkSkbTests
    {
        [KernelFact]
        public void AStreamParserAndVerdict_CountPassDropAndRedirectWhatTheirSocketReceives()
        {
            Kernel.Require();
            using var connection = new LoopbackConnection();
            Socket client = connection.Client, server = connection.Server;
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var verdict = StreamVerdict.Load())
            {
                var manual = Assert.Throws<BpfException>(() => verdict.AttachAll());
                Assert.Contains("AttachToSockMap(map)", manual.Message);
                using (verdict.ParseMessage.AttachToSockMap(verdict.Sockets))
                using (verdict.OnReceive.AttachToSockMap(verdict.Sockets))
                {
                    // What the server receives is judged; redirected data goes into the client's receive queue.
                    verdict.Sockets[0] = (uint)server.Handle;
                    verdict.Sockets[1] = (uint)client.Handle;
                    var buffer = new byte[64];

                    Assert.Equal(5, client.Send(Encoding.ASCII.GetBytes("hello")));
                    Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, server.Receive(buffer)));

                    // Dropped: the server never receives it; what follows still arrives.
                    Assert.Equal(5, client.Send(Encoding.ASCII.GetBytes("Xdrop")));
                    WaitFor(() => verdict.Counts[1] == 1);
                    Assert.Equal(5, client.Send(Encoding.ASCII.GetBytes("after")));
                    Assert.Equal("after", Encoding.ASCII.GetString(buffer, 0, server.Receive(buffer)));

                    // Redirected into the client's socket: the client receives what it sent.
                    Assert.Equal(4, client.Send(Encoding.ASCII.GetBytes("Echo")));
                    Assert.Equal("Echo", Encoding.ASCII.GetString(buffer, 0, client.Receive(buffer)));
                    Assert.Equal(1, verdict.Counts[2]);
                    Assert.Equal(19, verdict.Counts[0]);
                    Assert.True(verdict.Counts[3] >= 4, "messages parsed: " + verdict.Counts[3]);
                }
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        [Fact]
        public void AStreamVerdictProgram_RunsAsDotNetOnAPacket()
        {
            StreamVerdict.Sockets.Set(1);
            var dropped = SkBuff.ForPacket(Encoding.ASCII.GetBytes("Xyz"));
            Assert.Equal((int)SkAction.Drop, StreamVerdict.OnReceive(ref dropped));
            var redirected = SkBuff.ForPacket(Encoding.ASCII.GetBytes("Echo"));
            Assert.Equal((int)SkAction.Pass, StreamVerdict.OnReceive(ref redirected));
            var passed = SkBuff.ForPacket(Encoding.ASCII.GetBytes("abc"));
            Assert.Equal((int)SkAction.Pass, StreamVerdict.OnReceive(ref passed));
        }

        private static void WaitFor(Func<bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, "timed out");
                System.Threading.Thread.Sleep(10);
            }
        }
    }
}
