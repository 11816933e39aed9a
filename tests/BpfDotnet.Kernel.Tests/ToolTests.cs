using System;
using System.IO;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>The dotnet bpf tool, run as its own process.</summary>
    public class ToolTests
    {
        private static string Tool => Path.Combine(Repo.Root, "src", "BpfDotnet.Tool", "bin", Repo.Configuration, "net8.0", "dotnet-bpf.dll");

        [Fact]
        public void BpfTypes_WritesTheDeclarationsKernelTypesGenerates()
        {
            string output = Path.Combine(Path.GetTempPath(), "bpfdotnet-kernel-" + Guid.NewGuid().ToString("N") + ".cs");
            try
            {
                var (code, text) = Repo.Run("dotnet", $"{Tool} types task_struct sock --namespace MyKernel -o {output}");
                Assert.True(code == 0, text);
                Assert.Equal(KernelTypes.GenerateCSharp(new[] { "task_struct", "sock" }, KernelTypes.KernelBtfPath, "MyKernel"), File.ReadAllText(output));
            }
            finally
            {
                File.Delete(output);
            }
        }

        [Fact]
        public void BpfTypes_OfATypeTheKernelDoesNotHave_FailsNamingIt()
        {
            var (code, text) = Repo.Run("dotnet", $"{Tool} types no_such_kernel_type");
            Assert.Equal(1, code);
            Assert.Contains("'no_such_kernel_type'", text);
        }
    }
}
