using System;
using System.Net;
using System.Net.Sockets;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A TCP connection over loopback: its listener, the client end and the accepted server end (5-s receive timeouts).</summary>
    internal sealed class LoopbackConnection : IDisposable
    {
        public LoopbackConnection()
        {
            Listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Listener.Listen(1);
            Client.Connect(Listener.LocalEndPoint!);
            Server = Listener.Accept();
            Server.ReceiveTimeout = Client.ReceiveTimeout = 5000;
        }

        public Socket Listener { get; } = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public Socket Client { get; } = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public Socket Server { get; }

        public void Dispose()
        {
            Server.Dispose();
            Client.Dispose();
            Listener.Dispose();
        }
    }
}
