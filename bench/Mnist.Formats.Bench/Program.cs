using BenchmarkDotNet.Running;

// The engine's hand-written protobuf codec for ONNX against Google.Protobuf with classes generated from the same
// messages (onnx_subset.proto), decoding the shipped models; plus how each treats crafted files (`crafted`).
//   dotnet run -c Release --project bench/Mnist.Formats.Bench -- --filter '*'
//   dotnet run -c Release --project bench/Mnist.Formats.Bench -- crafted
if (args is ["crafted"]) return Mnist.Formats.Bench.Crafted.Run();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>The entry point's type, for BenchmarkSwitcher.</summary>
public partial class Program;
