using BenchmarkDotNet.Running;

// Each kernel of the engine against its plain scalar reference (Mnist.Engine.Kernels.Reference, the oracle of the
// parity tests) as the baseline, on the shapes the MNIST networks use. Run all, or pick with --filter:
//   dotnet run -c Release --project bench/Mnist.Kernels.Bench -- --filter '*Gemm*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>The entry point's type, for BenchmarkSwitcher.</summary>
public partial class Program;
