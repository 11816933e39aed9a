using System;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// A network namespace of its own for a test (<c>ip netns add</c>, its loopback up), so routes, qdiscs and devices it
    /// makes touch nothing else; deleted, with all it holds, on dispose. <see cref="Run"/> runs code inside it.
    /// </summary>
    internal sealed class NetworkNamespace : IDisposable
    {
        private const int CloneNewNet = 0x40000000;
        private static int s_count;

        private NetworkNamespace(string name) => Name = name;

        /// <summary>The namespace's name, unique to the test process (<c>/run/netns/NAME</c>).</summary>
        public string Name { get; }

        /// <summary>The namespace's file, for <c>AttachNetworkNamespace</c> and the like.</summary>
        public string Path => "/run/netns/" + Name;

        /// <summary>Makes a namespace named after <paramref name="purpose"/>, this process and a counter.</summary>
        public static NetworkNamespace Create(string purpose)
        {
            var ns = new NetworkNamespace($"bpfdotnet-{purpose}-{Environment.ProcessId}-{Interlocked.Increment(ref s_count)}");
            var (exitCode, output) = Repo.Run("ip", "netns add " + ns.Name, timeoutSeconds: 30);
            Assert.True(exitCode == 0, "ip netns add " + ns.Name + ": " + output);
            try
            {
                ns.Ip("link set lo up");
            }
            catch
            {
                ns.Dispose();
                throw;
            }
            return ns;
        }

        /// <summary>Runs <c>ip -n NAME ARGUMENTS</c>, asserting it succeeds; its output.</summary>
        public string Ip(string arguments)
        {
            var (exitCode, output) = Repo.Run("ip", $"-n {Name} {arguments}", timeoutSeconds: 30);
            Assert.True(exitCode == 0, $"ip -n {Name} {arguments}: {output}");
            return output;
        }

        /// <summary>Runs <c>ip netns exec NAME COMMAND</c>, asserting it succeeds; its output.</summary>
        public string Exec(string command)
        {
            var (exitCode, output) = Repo.Run("ip", $"netns exec {Name} {command}", timeoutSeconds: 30);
            Assert.True(exitCode == 0, $"ip netns exec {Name} {command}: {output}");
            return output;
        }

        /// <summary>
        /// Runs <paramref name="body"/> on a thread of its own that has entered the namespace (<c>setns</c>): the sockets it
        /// opens, and the routes the loader adds from it, are the namespace's. Its exception is rethrown here.
        /// </summary>
        public void Run(Action body)
        {
            ExceptionDispatchInfo? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    using (var file = File.OpenHandle(Path))
                    {
                        if (setns((int)file.DangerousGetHandle(), CloneNewNet) != 0)
                            throw new InvalidOperationException($"setns({Path}) failed: errno {Marshal.GetLastPInvokeError()}");
                    }
                    body();
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            });
            thread.Start();
            thread.Join();
            failure?.Throw();
        }

        /// <summary>Deletes the namespace; its devices, routes and qdiscs go with it.</summary>
        public void Dispose() => Repo.Run("ip", "netns delete " + Name, timeoutSeconds: 30);

        [DllImport("libc", SetLastError = true)]
        private static extern int setns(int fd, int nstype);
    }
}
