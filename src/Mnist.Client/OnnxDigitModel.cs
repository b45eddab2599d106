using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Mnist.Client;

/// <summary>
/// One loaded ONNX model with the contract's I/O (docs/design.md): float32 input [N,1,28,28] (or [N,784]), output
/// <c>probabilities</c> [N,10], else the first [N,10] output; a softmax is applied when a row is not a
/// probability distribution (a logits model). Reference-counted so that a model swapped out during an update is
/// disposed only after the calls running on it have finished.
/// </summary>
/// <remarks>
/// Mnist.Client deliberately does not use Mnist.Inference's classifier: that project brings SkiaSharp's native
/// image decoders, which a phone app drawing strokes does not need. This class is the small part of it an app
/// needs (a batch of images per call, for a number's candidate segments; NCHW or flat input).
/// </remarks>
internal sealed class OnnxDigitModel
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly long[] _inputShape;
    private readonly bool _fixedBatchOfOne;
    private readonly RunOptions _runOptions = new() { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
    private int _references = 1;

    private OnnxDigitModel(InferenceSession session, string inputName, string outputName, long[] inputShape, bool fixedBatchOfOne, string name, string sha256, long bytes)
    {
        _fixedBatchOfOne = fixedBatchOfOne;
        _session = session;
        _inputName = inputName;
        _outputName = outputName;
        _inputShape = inputShape;
        Name = name;
        Sha256 = sha256;
        FileBytes = bytes;
    }

    public string Name { get; }

    public string Sha256 { get; }

    public long FileBytes { get; }

    /// <summary>Loads and checks a model (one probe run proves it executes and emits 10 values).</summary>
    /// <exception cref="MnistClientException">Not a usable ONNX model.</exception>
    public static OnnxDigitModel Load(byte[] bytes, string fallbackName)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = 1, // one digit is ~1 MFLOP: threads cost more than they save, and a phone has other work
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        InferenceSession? session = null;
        try
        {
            session = new InferenceSession(bytes, options);
            if (session.InputMetadata.Count != 1) throw new MnistClientException($"The model has {session.InputMetadata.Count} inputs; expected one.");
            (string inputName, NodeMetadata input) = session.InputMetadata.First();
            if (input.ElementDataType != TensorElementType.Float) throw new MnistClientException($"Input '{inputName}' is not float32.");
            long[] shape = input.Dimensions.Length switch
            {
                4 when input.Dimensions[3] == 1 && input.Dimensions[1] == 28 => [1, 28, 28, 1],
                4 => [1, 1, 28, 28],
                2 => [1, 784],
                _ => throw new MnistClientException($"Input '{inputName}' has rank {input.Dimensions.Length}; expected [N,1,28,28] or [N,784]."),
            };
            string outputName = session.OutputMetadata.ContainsKey("probabilities")
                ? "probabilities"
                : session.OutputMetadata.FirstOrDefault(o => o.Value.Dimensions.Length == 2).Key
                  ?? throw new MnistClientException("No [N,10] output.");
            string name = session.ModelMetadata.CustomMetadataMap.TryGetValue("architecture", out string? arch) && arch.Length > 0 ? arch : fallbackName;
            bool fixedBatchOfOne = input.Dimensions[0] == 1; // a batch dimension fixed at 1 (else symbolic, -1)
            var model = new OnnxDigitModel(session, inputName, outputName, shape, fixedBatchOfOne, name, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), bytes.Length);
            session = null;
            float[] probe = new float[10];
            model.Run(new float[784], probe);
            return model;
        }
        catch (OnnxRuntimeException e)
        {
            throw new MnistClientException($"Not a usable ONNX model: {e.Message.Split('\n')[0]}", e);
        }
        finally
        {
            options.Dispose();
            session?.Dispose();
        }
    }

    /// <summary>Takes a reference for one call; false when the model has already been released.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            int r = Volatile.Read(ref _references);
            if (r == 0) return false;
            if (Interlocked.CompareExchange(ref _references, r + 1, r) == r) return true;
        }
    }

    /// <summary>Drops a reference; the last one disposes the session.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        _session.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>Runs one 784-value image; writes 10 probabilities.</summary>
    public void Run(ReadOnlySpan<float> pixels, Span<float> probabilities) => Run(pixels, 1, probabilities);

    /// <summary>Runs <paramref name="count"/> images ([count, 784]) in one session run; writes [count, 10]
    /// probabilities. A model whose batch dimension is fixed at 1 runs them one by one.</summary>
    public void Run(ReadOnlySpan<float> pixels, int count, Span<float> probabilities)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "At least one image.");
        if (pixels.Length < count * 784 || probabilities.Length < count * 10)
            throw new ArgumentException($"Spans too short for {count} images.", nameof(pixels));
        if (_fixedBatchOfOne && count > 1)
        {
            for (int i = 0; i < count; i++) Run(pixels.Slice(i * 784, 784), 1, probabilities.Slice(i * 10, 10));
            return;
        }
        long[] shape = (long[])_inputShape.Clone();
        shape[0] = count;
        using var input = OrtValue.CreateTensorValueFromMemory(pixels[..(count * 784)].ToArray(), shape);
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [_inputName], [input], [_outputName]);
        ReadOnlySpan<float> y = outputs[0].GetTensorDataAsSpan<float>();
        if (y.Length < count * 10) throw new MnistClientException($"Output '{_outputName}' has {y.Length} values; expected {count * 10}.");
        y[..(count * 10)].CopyTo(probabilities);
        for (int i = 0; i < count; i++) SoftmaxUnlessProbabilities(probabilities.Slice(i * 10, 10));
    }

    private static void SoftmaxUnlessProbabilities(Span<float> p)
    {
        double sum = 0;
        bool negative = false;
        foreach (float v in p) { sum += v; negative |= v < 0; }
        if (!negative && Math.Abs(sum - 1) <= 1e-3) return;
        float max = float.NegativeInfinity;
        foreach (float v in p) max = Math.Max(max, v);
        double total = 0;
        for (int i = 0; i < p.Length; i++) total += p[i] = MathF.Exp(p[i] - max);
        for (int i = 0; i < p.Length; i++) p[i] = (float)(p[i] / total);
    }
}
