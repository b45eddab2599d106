using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Mnist.Engine.Formats.Onnx;

namespace Mnist.Formats.Bench;

/// <summary>The repository's models folder, found upwards from the benchmark's folder.</summary>
internal static class Models
{
    public static byte[] Read(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "models", name);
            if (File.Exists(path) && Directory.Exists(Path.Combine(dir.FullName, "src"))) return File.ReadAllBytes(path);
        }
        throw new FileNotFoundException($"models/{name} above {AppContext.BaseDirectory}");
    }
}

/// <summary>Decoding the shipped float model (models/mnist.onnx, ~0.97 MB) and its int8 companion (~0.25 MB).</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private byte[] _bytes = [];

    /// <summary>The file decoded.</summary>
    [Params("mnist.onnx", "mnist.int8.onnx")]
    public string File { get; set; } = "";

    /// <summary>Reads the file once.</summary>
    [GlobalSetup]
    public void Setup() => _bytes = Models.Read(File);

    /// <summary>The engine's codec (OnnxModel: Formats/Protobuf, Formats/Onnx).</summary>
    [Benchmark(Baseline = true)]
    public ModelProto HandWritten() => OnnxModel.Parse(_bytes);

    /// <summary>Google.Protobuf with generated classes.</summary>
    [Benchmark]
    public Generated.ModelProto GoogleProtobuf() => Generated.ModelProto.Parser.ParseFrom(_bytes);
}

/// <summary>Encoding the shipped float model back to bytes.</summary>
[MemoryDiagnoser]
public class EncodeBenchmarks
{
    private ModelProto _hand = null!;
    private Generated.ModelProto _google = null!;

    /// <summary>Decodes the file once with each codec.</summary>
    [GlobalSetup]
    public void Setup()
    {
        byte[] bytes = Models.Read("mnist.onnx");
        _hand = OnnxModel.Parse(bytes);
        _google = Generated.ModelProto.Parser.ParseFrom(bytes);
    }

    /// <summary>The engine's codec.</summary>
    [Benchmark(Baseline = true)]
    public byte[] HandWritten() => OnnxModel.Serialize(_hand);

    /// <summary>Google.Protobuf.</summary>
    [Benchmark]
    public byte[] GoogleProtobuf() => _google.ToByteArray();
}
