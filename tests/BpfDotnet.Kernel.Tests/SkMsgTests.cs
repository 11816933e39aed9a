using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>sk_msg programs on a sockmap, running on the sendmsg calls of a real TCP connection.</summary>
    [Collection("kernel")]
    public class SkMsgTests
    {
        [KernelFact]
        public void AnSkMsgProgram_CountsPassesRefusesAndRedirectsTheMessagesOfItsSockets()
        {
            Kernel.Require();
            using var connection = new LoopbackConnection();
            Socket client = connection.Client, server = connection.Server;
            var linksBefore = BpfSystem.GetLinkIds().Count();
            using (var filter = MessageFilter.Load())
            {
                var manual = Assert.Throws<BpfException>(() => filter.AttachAll());
                Assert.Contains("AttachToSockMap(map)", manual.Message);
                using (filter.OnSend.AttachToSockMap(filter.Sockets))
                {
                    filter.Sockets[0] = (uint)client.Handle;
                    filter.Sockets[1] = (uint)server.Handle;
                    var buffer = new byte[64];

                    Assert.Equal(5, client.Send(Encoding.ASCII.GetBytes("hello")));
                    Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, server.Receive(buffer)));


                    // Redirected out of the server's socket: it comes back to the client.
                    Assert.Equal(4, client.Send(Encoding.ASCII.GetBytes("Echo")));
                    Assert.Equal("Echo", Encoding.ASCII.GetString(buffer, 0, client.Receive(buffer)));
                    Assert.Equal(1, filter.Counts[1]);
                    Assert.True(filter.Counts[0] >= 9, "bytes seen: " + filter.Counts[0]);

                    // Refused: sendmsg fails with EACCES (and, as the kernel keeps a drop verdict, so do the socket's later sends).
                    var refused = Assert.Throws<SocketException>(() => client.Send(Encoding.ASCII.GetBytes("Xnope")));
                    Assert.Equal(SocketError.AccessDenied, refused.SocketErrorCode);
                }
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count());
        }

        /// <summary>The same on a sockhash: sockets put in under keys of the program's choosing, a message redirected by key.</summary>
        [KernelFact]
        public void AnSkMsgProgramOnASockhash_RedirectsByKey()
        {
            Kernel.Require();
            using var connection = new LoopbackConnection();
            Socket client = connection.Client, server = connection.Server;
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var filter = HashedMessageFilter.Load())
            {
                Assert.Equal(BpfMapType.Sockhash, filter.Sockets.Handle.Type);
                using (filter.OnSend.AttachToSockMap(filter.Sockets))
                {
                    filter.Sockets[3] = (uint)client.Handle;
                    filter.Sockets[7] = (uint)server.Handle;
                    var buffer = new byte[64];
                    Assert.Equal(5, client.Send(Encoding.ASCII.GetBytes("hello")));
                    Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, server.Receive(buffer)));
                    // Out of the server's socket (key 7): back to the client.
                    Assert.Equal(4, client.Send(Encoding.ASCII.GetBytes("Echo")));
                    Assert.Equal("Echo", Encoding.ASCII.GetString(buffer, 0, client.Receive(buffer)));
                    Assert.Equal(1, filter.Redirected[0]);
                }
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        [Fact]
        public void AnSkMsgProgram_RunsAsDotNetOnAMessage()
        {
            var refused = SkMsgContext.ForMessage(Encoding.ASCII.GetBytes("Xyz"));
            Assert.Equal((int)SkAction.Drop, MessageFilter.OnSend(ref refused));
            var passed = SkMsgContext.ForMessage(Encoding.ASCII.GetBytes("abc"));
            Assert.Equal((int)SkAction.Pass, MessageFilter.OnSend(ref passed));
        }
    }
}
