using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Probes compiled by <c>dotnet build</c>, loaded through their generated classes.</summary>
    [Collection("kernel")]
    public class EndToEndTests
    {
        [KernelFact]
        public void GeneratedClassCountsOpenatAndDisposeLeavesNothingBehind()
        {
            Kernel.Require();
            uint[] programIds, mapIds, linkIds;
            using (var probe = OpenCounter.Load())
            {
                var links = probe.AttachAll();
                Assert.Single(links);
                const int n = 40;
                for (int i = 0; i < n; i++) File.OpenHandle("/proc/self/stat").Dispose();
                uint pid = (uint)Environment.ProcessId;
                Assert.True(probe.Counts.TryGetValue(pid, out ulong seen), "no count for this process");
                Assert.True(seen >= n, $"counted {seen} openat calls, expected at least {n}");
                Assert.Contains(probe.Counts, kv => kv.Key == pid);

                programIds = probe.Object.Programs.Values.Select(p => p.Id).ToArray();
                mapIds = probe.Object.Maps.Values.Select(m => m.Id).ToArray();
                linkIds = links.Select(l => l.Id).ToArray();
                Assert.All(programIds, id => Assert.Contains(id, BpfSystem.GetProgramIds()));
                Assert.All(mapIds, id => Assert.Contains(id, BpfSystem.GetMapIds()));
                Assert.All(linkIds, id => Assert.Contains(id, BpfSystem.GetLinkIds()));
            }
            // The kernel releases maps shortly after their last reference goes; allow it a moment.
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline && (mapIds.Intersect(BpfSystem.GetMapIds()).Any() || programIds.Intersect(BpfSystem.GetProgramIds()).Any()))
            {
                System.Threading.Thread.Sleep(50);
            }
            Assert.Empty(programIds.Intersect(BpfSystem.GetProgramIds()));
            Assert.Empty(mapIds.Intersect(BpfSystem.GetMapIds()));
            Assert.Empty(linkIds.Intersect(BpfSystem.GetLinkIds()));
        }

        [Fact]
        public void ObjectFileNextToAssemblyIsTheEmbeddedObject()
        {
            var path = Path.Combine(AppContext.BaseDirectory, "OpenCounter.bpf.o");
            Assert.True(File.Exists(path), path + " was not written by the build");
            Assert.Equal(OpenCounter.BpfObjectBytes.ToArray(), File.ReadAllBytes(path));
            var sample = Path.Combine(Repo.SampleOutput, "OpenatProbe.bpf.o");
            Assert.True(File.Exists(sample), sample + " was not written by the build");
        }

        [KernelFact]
        public void BpftoolLoadsTheSampleObject()
        {
            Kernel.Require();
            var sample = Path.Combine(Repo.SampleOutput, "OpenatProbe.bpf.o");
            var pinDir = "/sys/fs/bpf/bpfdotnet-e2e-" + Environment.ProcessId;
            try
            {
                var (code, output) = Repo.Run("bpftool", $"prog loadall {sample} {pinDir}");
                Assert.True(code == 0, "bpftool prog loadall failed:\n" + output);
                Assert.True(File.Exists(Path.Combine(pinDir, "OnOpenat")), "program not pinned under " + pinDir);
            }
            finally
            {
                if (Directory.Exists(pinDir)) Directory.Delete(pinDir, recursive: true);
            }
        }

        [KernelFact]
        public void BtfOfTheSampleShowsProgramAndMapTypes()
        {
            Kernel.Require();
            var sample = Path.Combine(Repo.SampleOutput, "OpenatProbe.bpf.o");
            var (code, btf) = Repo.Run("bpftool", $"btf dump file {sample}");
            Assert.True(code == 0, btf);
            Assert.Matches(new Regex(@"FUNC 'OnOpenat' type_id=\d+ linkage=global"), btf);
            Assert.Matches(new Regex(@"FUNC_PROTO '\(anon\)' ret_type_id=\d+ vlen=1\s+'ctx' type_id=\d+"), btf);
            Assert.Matches(new Regex(@"STRUCT 'SysEnterArgs' size=64"), btf);
            Assert.Matches(new Regex(@"INT 'uint' size=4 bits_offset=0 nr_bits=32 encoding=\(none\)"), btf);
            Assert.Matches(new Regex(@"INT 'ulong' size=8 bits_offset=0 nr_bits=64 encoding=\(none\)"), btf);
            Assert.Matches(new Regex(@"VAR 'Counts' type_id=\d+, linkage=global"), btf);
            Assert.Matches(new Regex(@"DATASEC '\.maps' size=\d+ vlen=1"), btf);
        }

        [Fact]
        public void ObjdumpDisassemblesEveryProgramSection()
        {
            var sample = Path.Combine(Repo.SampleOutput, "OpenatProbe.bpf.o");
            var (code, text) = Repo.Run("llvm-objdump-14", $"-d {sample}");
            Assert.True(code == 0, text);
            Assert.Contains("Disassembly of section tracepoint/syscalls/sys_enter_openat:", text);
            Assert.Contains("<OnOpenat>:", text);
            Assert.Contains("call 14", text);
            Assert.Contains("lock *(u64 *)", text);
            // llvm-objdump-14 prints store-immediate instructions (BPF_ST) as <unknown>; everything else decodes.
            var lines = Regex.Matches(text, @"(?m)^\s*\d+:\s+([0-9a-f]{2})((?: [0-9a-f]{2})+)\s+(.*)$");
            Assert.NotEmpty(lines);
            foreach (Match line in lines)
            {
                if (line.Groups[3].Value.Contains("<unknown>")) Assert.Contains(line.Groups[1].Value, new[] { "62", "6a", "72", "7a" });
            }
        }

        [KernelFact]
        public void SamplePrintsItsOwnProcess()
        {
            Kernel.Require();
            var dll = Path.Combine(Repo.SampleOutput, "OpenatCounter.dll");
            var (code, output) = Repo.Run("dotnet", $"{dll} --duration 2 --top 100000", timeoutSeconds: 60);
            Assert.True(code == 0, "sample failed:\n" + output);
            var pid = Regex.Match(output, @"\(pid (\d+)\)");
            Assert.True(pid.Success, "the sample did not print its pid:\n" + output);
            Assert.Matches(new Regex(@"(?m)^\s*" + pid.Groups[1].Value + @"\s+\S+\s+\d+\s*$"), output);
            Assert.Contains("--- 2 s", output);
        }

        /// <summary>
        /// opensnoop runs for 3 s with <c>-x</c> (failed opens only) and <c>-p</c> (this process) while this test fails to
        /// open a path no file has: the line shows this process, ENOENT and the path.
        /// </summary>
        [KernelFact]
        public void OpenSnoopSample_PrintsAFailedOpenWithItsPath()
        {
            Kernel.Require();
            var dll = Path.Combine(Repo.OutputOf("OpenSnoop"), "OpenSnoop.dll");
            string missing = "/tmp/bpfdotnet-opensnoop-missing-" + Guid.NewGuid().ToString("N");
            var run = System.Threading.Tasks.Task.Run(() => Repo.Run("dotnet", $"{dll} -x -p {Environment.ProcessId} -d 3", timeoutSeconds: 60));
            var until = DateTime.UtcNow.AddSeconds(2.5);
            while (DateTime.UtcNow < until && !run.IsCompleted)
            {
                Assert.False(File.Exists(missing));
                try
                {
                    using var stream = File.OpenRead(missing);
                }
                catch (FileNotFoundException)
                {
                }
                System.Threading.Thread.Sleep(100);
            }
            var (code, output) = run.Result;
            Assert.True(code == 0, "opensnoop failed:\n" + output);
            Assert.StartsWith("PID", output.TrimStart());
            // The command is the opening thread's name (up to 16 characters, which may hold spaces).
            Assert.Matches(new Regex(@"(?m)^" + Environment.ProcessId + @"\s+.{1,16}\s+-1\s+2\s+[0-9a-f]{8} " + Regex.Escape(missing) + "$"), output);
            // -x: no successful open is shown.
            Assert.DoesNotMatch(new Regex(@"(?m)^\d+\s+\S+\s+\d+\s+0\s"), output);
        }

        /// <summary>
        /// execsnoop runs for 3 s while this test runs <c>/bin/echo</c> with a unique argument and tries a program that does
        /// not exist: the first shows with its arguments, read from the caller's memory, and 0; the second with ENOENT.
        /// </summary>
        [KernelFact]
        public void ExecSnoopSample_PrintsExecsWithTheirArguments()
        {
            Kernel.Require();
            var dll = Path.Combine(Repo.OutputOf("ExecSnoop"), "ExecSnoop.dll");
            string marker = "bpfdotnet-" + Guid.NewGuid().ToString("N");
            string missing = "/tmp/bpfdotnet-execsnoop-missing-" + Guid.NewGuid().ToString("N");
            var run = System.Threading.Tasks.Task.Run(() => Repo.Run("dotnet", $"{dll} -d 3", timeoutSeconds: 60));
            var until = DateTime.UtcNow.AddSeconds(2.5);
            while (DateTime.UtcNow < until && !run.IsCompleted)
            {
                Repo.Run("/bin/echo", marker + " second-argument");
                // The shell calls execve(2) on the path, which fails with ENOENT.
                Repo.Run("/bin/sh", "-c " + missing);
                System.Threading.Thread.Sleep(200);
            }
            var (code, output) = run.Result;
            Assert.True(code == 0, "execsnoop failed:\n" + output);
            Assert.StartsWith("COMM", output.TrimStart());
            // The parent pid comes from the kernel's task_struct (CO-RE): this process started echo.
            Assert.Matches(new Regex(@"(?m)^echo\s+\d+\s+" + Environment.ProcessId + @"\s+0 /bin/echo " + marker + " second-argument$"), output);
            Assert.Matches(new Regex(@"(?m)\s-2 " + Regex.Escape(missing) + "$"), output);
        }

        /// <summary>
        /// runqlat prints two 1-second histograms of the whole system's run-queue latency, as bcc prints them, while a
        /// thread of this test sleeps and wakes: each histogram has lines of power-of-two ranges with counts and stars.
        /// </summary>
        [KernelFact]
        public void RunqLatSample_PrintsALog2HistogramPerInterval()
        {
            Kernel.Require();
            var (code, output) = WhileWaking(() => Repo.Run("dotnet", $"{Path.Combine(Repo.OutputOf("RunqLat"), "RunqLat.dll")} 1 2", timeoutSeconds: 60));
            Assert.True(code == 0, "runqlat failed:\n" + output);
            Assert.Equal(2, Regex.Matches(output, @"(?m)^\s+usecs\s+: count\s+distribution$").Count);
            var lines = Regex.Matches(output, @"(?m)^\s+(\d+) -> (\d+)\s+: (\d+)\s+\|(\**)\s*\|$");
            Assert.NotEmpty(lines);
            foreach (Match line in lines)
            {
                ulong low = ulong.Parse(line.Groups[1].Value), high = ulong.Parse(line.Groups[2].Value);
                Assert.True(low == 0 ? high == 1 : high == low * 2 - 1, line.Value);
            }
            Assert.True(lines.Sum(l => long.Parse(l.Groups[3].Value)) > 0, output);
            Assert.Contains(lines, l => l.Groups[4].Value.Length == 40);
        }

        /// <summary>With <c>-m -p</c>, runqlat counts only this process's threads, in milliseconds: a thread that sleeps 1 ms at a time is counted.</summary>
        [KernelFact]
        public void RunqLatSample_CountsOneProcessInMilliseconds()
        {
            Kernel.Require();
            var (code, output) = WhileWaking(() => Repo.Run("dotnet", $"{Path.Combine(Repo.OutputOf("RunqLat"), "RunqLat.dll")} -m -p {Environment.ProcessId} 2 1", timeoutSeconds: 60));
            Assert.True(code == 0, "runqlat failed:\n" + output);
            Assert.Matches(new Regex(@"(?m)^\s+msecs\s+: count\s+distribution$"), output);
            var zero = Regex.Match(output, @"(?m)^\s+0 -> 1\s+: (\d+)\s");
            Assert.True(zero.Success && long.Parse(zero.Groups[1].Value) > 100, output);
        }

        /// <summary>
        /// xdpprotocount on loopback in generic mode counts the UDP datagrams this test sends while it runs (and the ICMP
        /// port-unreachable replies they draw), per protocol, in its two reports.
        /// </summary>
        [KernelFact]
        public void XdpProtoCountSample_CountsPacketsPerProtocol()
        {
            Kernel.Require();
            var (code, output) = WhileSendingUdp(9, () => Repo.Run("dotnet", $"{Path.Combine(Repo.OutputOf("XdpProtoCount"), "XdpProtoCount.dll")} --interface lo --mode Generic 1 2", timeoutSeconds: 60));
            Assert.True(code == 0, "xdpprotocount failed:\n" + output);
            Assert.Equal(2, Regex.Matches(output, @"(?m)^PROTOCOL\s+PACKETS\s+BYTES$").Count);
            var udp = Regex.Matches(output, @"(?m)^UDP\s+(\d+)\s+(\d+)$");
            Assert.True(udp.Count > 0, output);
            var last = udp[^1];
            Assert.True(long.Parse(last.Groups[1].Value) >= 20 && long.Parse(last.Groups[2].Value) >= 20 * 42, output);
        }

        /// <summary>tcmarker on loopback's egress marks the datagrams this test sends to port 9, and not those to port 10.</summary>
        [KernelFact]
        public void TcMarkerSample_MarksThePacketsToItsPort()
        {
            Kernel.Require();
            var (code, output) = WhileSendingUdp(9, () => Repo.Run("dotnet", $"{Path.Combine(Repo.OutputOf("TcMarker"), "TcMarker.dll")} --interface lo --port 9 --mark 42 1 2", timeoutSeconds: 60), otherPort: 10);
            Assert.True(code == 0, "tcmarker failed:\n" + output);
            var reports = Regex.Matches(output, @"(?m)^marked (\d+) packets \((\d+) bytes\) of (\d+) sent$");
            Assert.Equal(2, reports.Count);
            long marked = long.Parse(reports[1].Groups[1].Value), sent = long.Parse(reports[1].Groups[3].Value);
            Assert.True(marked >= 20, output);
            Assert.True(sent >= marked + 20, output);
        }

        /// <summary>
        /// mallocstat, counting this process while one of its threads allocates 100,000 bytes at a time with libc's malloc,
        /// prints this process with those calls and bytes, and the sizes' histogram with them in the 65536 -> 131071 slot.
        /// </summary>
        [KernelFact]
        public void MallocStatSample_CountsThisProcesssMallocCallsAndSizes()
        {
            Kernel.Require();
            using var stop = new System.Threading.CancellationTokenSource();
            long allocated = 0;
            var allocator = new System.Threading.Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    System.Runtime.InteropServices.Marshal.FreeHGlobal(System.Runtime.InteropServices.Marshal.AllocHGlobal(100_000));
                    System.Threading.Interlocked.Increment(ref allocated);
                    System.Threading.Thread.Sleep(20);
                }
            }) { IsBackground = true };
            allocator.Start();
            (int code, string output) result;
            try
            {
                result = Repo.Run("dotnet", $"{Path.Combine(Repo.OutputOf("MallocStat"), "MallocStat.dll")} --pid {Environment.ProcessId} --duration 2", timeoutSeconds: 60);
            }
            finally
            {
                stop.Cancel();
                allocator.Join();
            }
            Assert.True(result.code == 0, "mallocstat failed:\n" + result.output);
            Assert.Matches(new Regex(@"(?m)^PID\s+COMM\s+CALLS\s+BYTES$"), result.output);
            var own = Regex.Match(result.output, $@"(?m)^{Environment.ProcessId}\s+\S.*?\s+(\d+)\s+(\d+)$");
            Assert.True(own.Success, result.output);
            long calls = long.Parse(own.Groups[1].Value), bytes = long.Parse(own.Groups[2].Value);
            Assert.True(calls >= 20 && bytes >= 20 * 100_000L, result.output);
            Assert.True(calls <= System.Threading.Interlocked.Read(ref allocated) + 100_000, result.output);
            var slot = Regex.Match(result.output, @"(?m)^\s+65536 -> 131071\s+: (\d+)\s+\|\**\s*\|$");
            Assert.True(slot.Success && long.Parse(slot.Groups[1].Value) >= 20, result.output);
        }

        /// <summary>
        /// tcplife prints a TCP connection this process opens, sends 5,000 bytes on, gets 300 back on and closes: its ports,
        /// and bytes read from the kernel's tcp_sock through CO-RE (the kernel counts the SYN and FIN in bytes_acked too).
        /// </summary>
        [KernelFact]
        public void TcpLifeSample_PrintsAClosedConnectionWithItsPortsAndBytes()
        {
            Kernel.Require();
            using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            listener.Listen(4);
            int serverPort = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
            var run = System.Threading.Tasks.Task.Run(() => Repo.Run("dotnet", $"{Path.Combine(Repo.OutputOf("TcpLife"), "TcpLife.dll")} -p {serverPort} -d 4", timeoutSeconds: 60));
            System.Threading.Thread.Sleep(2000);
            int clientPort;
            using (var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
            {
                client.Connect(listener.LocalEndPoint!);
                clientPort = ((System.Net.IPEndPoint)client.LocalEndPoint!).Port;
                using var accepted = listener.Accept();
                client.Send(new byte[5000]);
                var buffer = new byte[8192];
                int received = 0;
                while (received < 5000) received += accepted.Receive(buffer);
                accepted.Send(new byte[300]);
                received = 0;
                while (received < 300) received += client.Receive(buffer);
            }
            var (code, output) = run.Result;
            Assert.True(code == 0, "tcplife failed:\n" + output);
            var line = Regex.Match(output, $@"(?m)^{Environment.ProcessId}\s+.+?\s+127\.0\.0\.1\s+{clientPort}\s+127\.0\.0\.1\s+{serverPort}\s+(\d+)\s+(\d+)\s+[\d.]+$");
            Assert.True(line.Success, output);
            Assert.InRange(long.Parse(line.Groups[1].Value), 5000, 5002);
            Assert.InRange(long.Parse(line.Groups[2].Value), 300, 301);
        }

        /// <summary>tcpconnect prints the TCP connects this process makes while it runs, over IPv4 with their port.</summary>
        [KernelFact]
        public void TcpConnectSample_PrintsThisProcesssConnects()
        {
            Kernel.Require();
            using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            listener.Listen(64);
            int port = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
            using var stop = new System.Threading.CancellationTokenSource();
            var connector = new System.Threading.Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                    client.Connect(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
                    listener.Accept().Dispose();
                    System.Threading.Thread.Sleep(50);
                }
            }) { IsBackground = true };
            connector.Start();
            (int code, string output) result;
            try
            {
                result = Repo.Run("dotnet", $"{Path.Combine(Repo.OutputOf("TcpConnect"), "TcpConnect.dll")} --pid {Environment.ProcessId} --duration 2", timeoutSeconds: 60);
            }
            finally
            {
                stop.Cancel();
                connector.Join();
            }
            Assert.True(result.code == 0, "tcpconnect failed:\n" + result.output);
            Assert.Matches(new Regex(@"(?m)^PID\s+COMM\s+IP\s+DADDR\s+DPORT$"), result.output);
            var lines = Regex.Matches(result.output, $@"(?m)^{Environment.ProcessId}\s+.+?\s+4\s+127\.0\.0\.1\s+{port}$");
            Assert.True(lines.Count >= 5, result.output);
        }

        /// <summary>
        /// profile, sampling this process while one of its threads spins in a method of this test, prints folded stacks
        /// ("comm;outer;...;inner count") among which that method, named from the runtime's perf map.
        /// </summary>
        [KernelFact]
        public void ProfileSample_PrintsFoldedStacksWithThisProcesssMethods()
        {
            Kernel.Require();
            using var stop = new System.Threading.CancellationTokenSource();
            var spinner = new System.Threading.Thread(() => SpinUntil(stop.Token)) { IsBackground = true, Name = "spinner" };
            spinner.Start();
            (int code, string output) result;
            try
            {
                result = Repo.Run("dotnet", $"{Path.Combine(Repo.OutputOf("Profile"), "Profile.dll")} --pid {Environment.ProcessId} 2", timeoutSeconds: 60);
            }
            finally
            {
                stop.Cancel();
                spinner.Join();
            }
            Assert.True(result.code == 0, "profile failed:\n" + result.output);
            var stacks = Regex.Matches(result.output, @"(?m)^(\S[^;\n]*(;[^;\n]+)+) (\d+)$");
            Assert.True(stacks.Count > 0, result.output);
            Assert.True(stacks.Sum(m => long.Parse(m.Groups[3].Value)) >= 50, result.output); // 2 s at 99 Hz of one busy thread
            Assert.Contains(stacks, m => m.Groups[1].Value.Contains(nameof(SpinUntil), StringComparison.Ordinal));
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static long SpinUntil(System.Threading.CancellationToken stop)
        {
            long x = 0;
            while (!stop.IsCancellationRequested) x = unchecked(x * 31 + 7);
            return x;
        }

        /// <summary>Runs <paramref name="tool"/> while this process sends a UDP datagram to loopback port <paramref name="port"/> (and <paramref name="otherPort"/>) every 10 ms.</summary>
        private static (int Code, string Output) WhileSendingUdp(int port, Func<(int, string)> tool, int otherPort = 0)
        {
            using var stop = new System.Threading.CancellationTokenSource();
            var sender = new System.Threading.Thread(() =>
            {
                using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
                while (!stop.IsCancellationRequested)
                {
                    socket.SendTo(new byte[14], new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
                    if (otherPort != 0) socket.SendTo(new byte[14], new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, otherPort));
                    System.Threading.Thread.Sleep(10);
                }
            }) { IsBackground = true };
            sender.Start();
            try
            {
                return tool();
            }
            finally
            {
                stop.Cancel();
                sender.Join();
            }
        }

        /// <summary>Runs <paramref name="tool"/> while a thread of this process, started first, sleeps 1 ms at a time.</summary>
        private static (int Code, string Output) WhileWaking(Func<(int, string)> tool)
        {
            using var stop = new System.Threading.CancellationTokenSource();
            var sleeper = new System.Threading.Thread(() =>
            {
                while (!stop.IsCancellationRequested) System.Threading.Thread.Sleep(1);
            }) { IsBackground = true };
            sleeper.Start();
            System.Threading.Thread.Sleep(200);
            try
            {
                return tool();
            }
            finally
            {
                stop.Cancel();
                sleeper.Join();
            }
        }
    }
}
