using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>The entry point, named so <see cref="BenchmarkSwitcher"/> can find this assembly.</summary>
internal sealed partial class Program;
