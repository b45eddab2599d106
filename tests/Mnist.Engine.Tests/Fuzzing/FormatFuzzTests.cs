using Mnist.Engine.Data;
using Mnist.Engine.Formats;
using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Formats.TfLite;
using Mnist.Engine.Tensors;
using Mnist.Engine.Tests.Data;
using Mnist.Engine.Tests.Formats;
using Mnist.Engine.Tests.Training;
using Mnist.Engine.Training;
using Mnist.Testing;

namespace Mnist.Engine.Tests.Fuzzing;

/// <summary>
/// Seeded mutation fuzzing of every file format the engine reads (issue 18). Each target runs up to
/// <see cref="Cases"/> cases within <see cref="Budget"/>, so the four together stay well under a minute in CI; the
/// seeds are fixed, so a failure message (seed, case) reproduces exactly. A case passes when the reader accepts the
/// bytes or refuses them with its documented exception type, and allocates at most a bounded amount doing so.
/// </summary>
public class FormatFuzzTests
{
    private const int Cases = 3000;
    private const int MinimumCases = 300;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(6);

    [Fact]
    public void Mutated_onnx_models_import_or_are_refused()
    {
        byte[] valid = OnnxModel.Serialize(TinyCnnExports.ToOnnx(new TinyCnn()));
        var x = new Tensor<float>(1, 1, 28, 28);
        TinyCnn.SampleInput().CopyTo(x.Data, 0);
        var (ran, accepted) = SeededMutator.Run(valid, seed: 18, Cases, Budget, MinimumCases, allocationLimit: 64L << 20, bytes =>
        {
            ImportedModel model = OnnxImporter.Load(bytes);
            // An accepted graph must also run: its shapes were validated, so a forward pass cannot fail.
            _ = Predictions.Predict(model.Model, x);
        }, typeof(InvalidDataException), typeof(NotSupportedException));
        Assert.True(ran >= MinimumCases && accepted > 0, $"{ran} cases, {accepted} accepted (a seed that never parses tests nothing)");
    }

    [Fact]
    public void Mutated_tflite_models_parse_or_are_refused()
    {
        byte[] valid = TfLiteExporter.Export(ExportFixtures.Create("seed"));
        var (ran, accepted) = SeededMutator.Run(valid, seed: 18, Cases, Budget, MinimumCases, allocationLimit: 64L << 20,
            bytes => TfLiteModel.Parse(bytes), typeof(InvalidDataException));
        Assert.True(ran >= MinimumCases && accepted > 0, $"{ran} cases, {accepted} accepted");
    }

    [Fact]
    public void Mutated_checkpoints_load_or_are_refused_also_behind_a_recomputed_checksum()
    {
        using var ms = new MemoryStream();
        Checkpoint.Capture(TrainingTestData.TinyNet(3), null, new TrainingState { Architecture = "tiny", Recipe = "tiny" }).WriteTo(ms);
        byte[] valid = ms.ToArray();
        int resealed = 0;
        var (ran, _) = SeededMutator.Run(valid, seed: 18, Cases, Budget, MinimumCases, allocationLimit: 64L << 20, bytes =>
        {
            // Most mutations only hit the SHA-256 check; resealing every other case fuzzes the parser behind it,
            // as a deliberately crafted file would.
            if (bytes.Length > 32 && (resealed++ & 1) == 0)
                System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
            _ = Checkpoint.ReadFrom(new MemoryStream(bytes));
        }, typeof(InvalidDataException));
        Assert.True(ran >= MinimumCases, $"{ran} cases");
    }

    [Fact]
    public void Mutated_idx_files_read_or_are_refused()
    {
        using var dir = new TempDir();
        var (images, _) = MnistTestData.Synthetic(3);
        string seedPath = dir.File("seed.idx");
        IdxFile.WriteImages(seedPath, images, 3, 28, 28);
        byte[] validRaw = File.ReadAllBytes(seedPath);
        string gzPath = dir.File("seed.idx.gz");
        IdxFile.WriteImages(gzPath, images, 3, 28, 28);
        byte[] validGz = File.ReadAllBytes(gzPath);
        string path = dir.File("case");
        foreach (byte[] valid in (byte[][])[validRaw, validGz])
        {
            var (ran, accepted) = SeededMutator.Run(valid, seed: 18, Cases / 2, Budget / 2, MinimumCases / 2, allocationLimit: 16L << 20, bytes =>
            {
                File.WriteAllBytes(path, bytes);
                _ = IdxFile.ReadImages(path);
            }, typeof(DataFormatException));
            Assert.True(ran >= MinimumCases / 2, $"{ran} cases");
        }
    }
}
