using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using BpfDotnet;

// dotnet bpf types <type>... [--btf PATH] [--namespace NAME] [-o FILE]: C# declarations of kernel types from BTF.

var typesArgument = new Argument<string[]>("types") { Description = "The kernel types to declare, by their BTF names (task_struct, file, sock, ...)", Arity = ArgumentArity.OneOrMore };
var btfOption = new Option<string>("--btf") { Description = "The BTF to read (default: the running kernel's, " + KernelTypes.KernelBtfPath + ")", DefaultValueFactory = _ => KernelTypes.KernelBtfPath };
var namespaceOption = new Option<string>("--namespace") { Description = "The namespace of the declarations (default: Kernel)", DefaultValueFactory = _ => "Kernel" };
var outputOption = new Option<string?>("--output", "-o") { Description = "The file to write (default: standard output)" };
var types = new Command("types", "Write C# declarations of kernel types, with the BTF's layout, for eBPF programs to read through (CO-RE).")
{
    typesArgument, btfOption, namespaceOption, outputOption,
};
types.SetAction(result =>
{
    try
    {
        string source = KernelTypes.GenerateCSharp(result.GetValue(typesArgument)!.ToList(), result.GetValue(btfOption)!, result.GetValue(namespaceOption)!);
        string? output = result.GetValue(outputOption);
        if (output is null) Console.Out.Write(source);
        else File.WriteAllText(output, source);
        return 0;
    }
    catch (Exception e) when (e is BpfException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine("dotnet bpf types: " + e.Message);
        return 1;
    }
});
var root = new RootCommand("BpfDotnet's command-line tool.") { types };
return root.Parse(args).Invoke();
