using System.Buffers;
using System.Collections.ObjectModel;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Mnist.Inference;

/// <summary>
/// An <see cref="IDigitClassifier"/> backed by ONNX Runtime: any ONNX model with the contract's I/O.
/// </summary>
/// <remarks>
/// <para><b>Input.</b> Exactly one float32 input of shape [N,1,28,28] (NCHW), [N,28,28,1] (NHWC), [N,28,28] or [N,784],
/// read from the model's input metadata. With one channel all four hold the same 784 values per image in the same
/// order, so the caller's span is handed to ONNX Runtime in place (pinned, no copy) under the declared shape.
/// The batch axis may be dynamic (symbolic or -1) or fixed: with a fixed batch B, calls are split into runs of B and
/// the last partial run is padded with zero images whose outputs are dropped.</para>
/// <para><b>Output.</b> The output named <c>probabilities</c> if there is one, else the first float32 output of shape
/// [N,10]. Whether it holds probabilities or logits is decided once, at load, in this order:
/// <see cref="OnnxClassifierOptions.OutputKind"/> when not Auto; else the model card entry <c>output_kind</c>
/// (<c>probabilities</c> or <c>logits</c>); else a probe: three fixed images (black, mid-grey, a seeded pattern) are
/// run, and the output is read as probabilities when every row is ≥ 0 and sums to 1 within 1e-3, otherwise as logits,
/// to which a softmax is applied on every call. A logits model passing that test by chance on all three probes is
/// not a realistic risk; set the option to be explicit. The probe also proves at load time that the model runs.</para>
/// <para><b>Threads.</b> One <see cref="InferenceSession"/> serves all callers; ONNX Runtime's Run is thread-safe, and
/// each call creates its own two <see cref="OrtValue"/> views over the caller's buffers, so calls run concurrently
/// without locks. <see cref="Dispose"/> may be called while calls are in flight (hot reload): they finish first.</para>
/// </remarks>
public sealed class OnnxDigitClassifier : IDigitClassifier
{
    private const int Pixels = ClassifierMath.Pixels;
    private const int Classes = ClassifierMath.Classes;

    /// <summary>
    /// The largest fixed batch a model file may declare: 4096 images are 12.8 MB of input per run, 16× the server's
    /// default batch; real exports fix 1 or leave the axis dynamic.
    /// </summary>
    public const int MaxFixedBatch = 4096;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _applySoftmax;
    private readonly int _runBatch;
    private readonly bool _fixedBatch;
    private readonly UsageGuard _guard;

    private OnnxDigitClassifier(InferenceSession session, RunOptions runOptions, ModelInfo info, bool applySoftmax, int runBatch, bool fixedBatch)
    {
        _session = session;
        _runOptions = runOptions;
        _inputNames = [info.InputName];
        _outputNames = [info.OutputName];
        _applySoftmax = applySoftmax;
        _runBatch = runBatch;
        _fixedBatch = fixedBatch;
        Model = info;
        _guard = new UsageGuard(() => { _session.Dispose(); _runOptions.Dispose(); }, nameof(OnnxDigitClassifier));
    }

    /// <inheritdoc/>
    public ModelInfo Model { get; }

    /// <summary>Loads a model file.</summary>
    /// <exception cref="ModelLoadException">Missing or unreadable file, not an ONNX model, or a model without the
    /// contract's I/O; the message names the problem.</exception>
    public static OnnxDigitClassifier Load(string path, OnnxClassifierOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ModelLoadException($"Cannot read model file '{path}': {e.Message}", e);
        }
        return Load(bytes, options, Path.GetFileNameWithoutExtension(path));
    }

    /// <summary>Loads a model from its bytes (e.g. a download or an embedded resource).</summary>
    /// <param name="modelBytes">The .onnx file's contents.</param>
    /// <param name="options">Settings; null for <see cref="OnnxClassifierOptions.Default"/>.</param>
    /// <param name="fallbackName">Name used when the model card and graph give none.</param>
    /// <exception cref="ModelLoadException">Not an ONNX model, or a model without the contract's I/O.</exception>
    public static OnnxDigitClassifier Load(byte[] modelBytes, OnnxClassifierOptions? options = null, string? fallbackName = null)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        options ??= OnnxClassifierOptions.Default;
        options.Validate();
        if (modelBytes.Length == 0) throw new ModelLoadException("The model file is empty.");

        var so = new SessionOptions();
        InferenceSession? session = null;
        RunOptions? runOptions = null;
        try
        {
            so.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
            so.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
            so.IntraOpNumThreads = options.IntraOpThreads;
            so.InterOpNumThreads = 1;
            so.EnableMemoryPattern = true;
            so.EnableCpuMemArena = true;
            so.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
            try
            {
                session = new InferenceSession(modelBytes, so);
            }
            catch (OnnxRuntimeException e)
            {
                throw new ModelLoadException($"Not a usable ONNX model: {FirstLine(e.Message)}", e);
            }
            runOptions = new RunOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };

            (string inputName, InputLayout layout, int? fixedBatch) = InspectInput(session);
            (string outputName, int? outputBatch) = InspectOutput(session);
            if (fixedBatch is int fb && outputBatch is int ob && fb != ob)
                throw new ModelLoadException($"Input batch is fixed at {fb} but output '{outputName}' has batch {ob}.");

            var metadata = ReadMetadata(session, out string? graphName);
            string name = FirstNonEmpty(metadata.GetValueOrDefault("name"), metadata.GetValueOrDefault("architecture"), graphName, fallbackName) ?? "model";
            int runBatch = fixedBatch ?? options.MaxRunBatch;

            var probeInfo = new ModelInfo
            {
                Name = name, Runtime = "onnxruntime", InputName = inputName, OutputName = outputName, InputLayout = layout,
                FixedBatchSize = fixedBatch, OutputsProbabilities = true,
            };
            (bool probabilities, string source) = DecideOutputKind(options.OutputKind, metadata, session, runOptions, probeInfo);

            var info = probeInfo with
            {
                OutputsProbabilities = probabilities,
                OutputKindSource = source,
                Sha256 = ModelInfo.HashBytes(modelBytes),
                FileBytes = modelBytes.Length,
                Metadata = new ReadOnlyDictionary<string, string>(metadata),
            };
            var classifier = new OnnxDigitClassifier(session, runOptions, info, !probabilities, runBatch, fixedBatch.HasValue);
            session = null;
            runOptions = null;
            return classifier;
        }
        finally
        {
            // SessionOptions are copied into the session at creation; the session does not need them afterwards.
            so.Dispose();
            session?.Dispose();
            runOptions?.Dispose();
        }
    }

    /// <inheritdoc/>
    public void ClassifyBatch(ReadOnlySpan<float> pixels, int count, Span<float> probabilities)
    {
        ClassifierMath.CheckBatch(pixels, count, probabilities);
        _guard.Enter();
        try
        {
            for (int start = 0; start < count; start += _runBatch)
            {
                int n = Math.Min(_runBatch, count - start);
                ReadOnlySpan<float> x = pixels.Slice(start * Pixels, n * Pixels);
                Span<float> y = probabilities.Slice(start * Classes, n * Classes);
                if (_fixedBatch && n < _runBatch) RunPadded(x, n, y);
                else Run(x, n, y);
            }
        }
        finally
        {
            _guard.Exit();
        }
        if (_applySoftmax) ClassifierMath.SoftmaxInPlace(probabilities, count);
    }

    /// <inheritdoc/>
    public DigitPrediction Classify(float[] pixels784) => ClassifierMath.ClassifyOne(this, pixels784);

    /// <summary>Stops new calls and releases the session once the calls in flight have finished.</summary>
    public void Dispose() => _guard.Dispose();

    private void RunPadded(ReadOnlySpan<float> x, int n, Span<float> y)
    {
        float[] input = ArrayPool<float>.Shared.Rent(_runBatch * Pixels);
        float[] output = ArrayPool<float>.Shared.Rent(_runBatch * Classes);
        try
        {
            x.CopyTo(input);
            input.AsSpan(n * Pixels, (_runBatch - n) * Pixels).Clear();
            Run(input.AsSpan(0, _runBatch * Pixels), _runBatch, output.AsSpan(0, _runBatch * Classes));
            output.AsSpan(0, n * Classes).CopyTo(y);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
            ArrayPool<float>.Shared.Return(output);
        }
    }

    /// <summary>One Run over n images; <paramref name="x"/> and <paramref name="y"/> are pinned and wrapped, not copied.</summary>
    private unsafe void Run(ReadOnlySpan<float> x, int n, Span<float> y)
    {
        long[] inputShape = InputShape(Model.InputLayout, n);
        long[] outputShape = [n, Classes];
        fixed (float* px = x)
        fixed (float* py = y)
        {
            using OrtValue input = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                inputShape, (IntPtr)px, (long)n * Pixels * sizeof(float));
            using OrtValue output = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                outputShape, (IntPtr)py, (long)n * Classes * sizeof(float));
            _session.Run(_runOptions, _inputNames, [input], _outputNames, [output]);
        }
    }

    private static long[] InputShape(InputLayout layout, int n) => layout switch
    {
        InputLayout.Nchw => [n, 1, 28, 28],
        InputLayout.Nhwc => [n, 28, 28, 1],
        InputLayout.Hw => [n, 28, 28],
        _ => [n, Pixels],
    };

    private static (string Name, InputLayout Layout, int? FixedBatch) InspectInput(InferenceSession session)
    {
        IReadOnlyDictionary<string, NodeMetadata> inputs = session.InputMetadata;
        if (inputs.Count != 1)
            throw new ModelLoadException($"The model has {inputs.Count} inputs ({string.Join(", ", inputs.Keys)}); expected exactly one float32 image input.");
        (string name, NodeMetadata meta) = inputs.First();
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
            throw new ModelLoadException($"Input '{name}' is {Describe(meta)}; expected a float32 tensor [N,1,28,28], [N,28,28,1] or [N,784].");
        int[] d = meta.Dimensions;
        static bool Is(int actual, int wanted) => actual == wanted || actual < 0;
        InputLayout? layout = d.Length switch
        {
            4 when Is(d[1], 1) && Is(d[2], 28) && Is(d[3], 28) && !(d[1] < 0 && d[3] == 1) => InputLayout.Nchw,
            4 when Is(d[1], 28) && Is(d[2], 28) && d[3] == 1 => InputLayout.Nhwc,
            3 when Is(d[1], 28) && Is(d[2], 28) => InputLayout.Hw,
            2 when Is(d[1], Pixels) => InputLayout.Flat,
            _ => null,
        };
        if (layout is null)
            throw new ModelLoadException($"Input '{name}' has shape {Describe(meta)}; expected [N,1,28,28], [N,28,28,1], [N,28,28] or [N,784].");
        int? fixedBatch = d[0] > 0 ? d[0] : null;
        // A fixed batch sizes the probe and every padded run (batch × 784 floats); a crafted file declaring 1,000,000
        // made the load allocate gigabytes or overflow, and on hot reload that took the server down.
        if (fixedBatch > MaxFixedBatch)
            throw new ModelLoadException($"Input '{name}' fixes the batch at {fixedBatch}; at most {MaxFixedBatch} is accepted (export with a dynamic batch axis).");
        return (name, layout.Value, fixedBatch);
    }

    private static (string Name, int? FixedBatch) InspectOutput(InferenceSession session)
    {
        IReadOnlyDictionary<string, NodeMetadata> outputs = session.OutputMetadata;
        static bool Fits(NodeMetadata m) =>
            m.IsTensor && m.ElementDataType == TensorElementType.Float && m.Dimensions.Length == 2 && (m.Dimensions[1] == Classes || m.Dimensions[1] < 0);
        if (outputs.TryGetValue("probabilities", out NodeMetadata? named))
        {
            if (!Fits(named))
                throw new ModelLoadException($"Output 'probabilities' is {Describe(named)}; expected a float32 tensor [N,10].");
            return ("probabilities", named.Dimensions[0] > 0 ? named.Dimensions[0] : null);
        }
        foreach ((string name, NodeMetadata meta) in outputs)
        {
            if (Fits(meta)) return (name, meta.Dimensions[0] > 0 ? meta.Dimensions[0] : null);
        }
        throw new ModelLoadException(
            $"No output is a float32 [N,10] tensor (outputs: {string.Join(", ", outputs.Select(o => $"'{o.Key}' {Describe(o.Value)}"))}).");
    }

    private static Dictionary<string, string> ReadMetadata(InferenceSession session, out string? graphName)
    {
        ModelMetadata m = session.ModelMetadata;
        graphName = string.IsNullOrWhiteSpace(m.GraphName) ? null : m.GraphName;
        var result = new Dictionary<string, string>(m.CustomMetadataMap, StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(m.ProducerName)) result.TryAdd("producer_name", m.ProducerName);
        return result;
    }

    private static (bool Probabilities, string Source) DecideOutputKind(OutputKind option, Dictionary<string, string> metadata,
        InferenceSession session, RunOptions runOptions, ModelInfo info)
    {
        // The probe always runs: it proves that the model executes and really emits [n,10] before anyone relies on it.
        int n = info.FixedBatchSize ?? 3;
        float[] x = ProbeImages(n);
        float[] y = new float[n * Classes];
        try
        {
            ProbeRun(session, runOptions, info, x, n, y);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException($"The model failed on a test batch of {n} images: {FirstLine(e.Message)}", e);
        }
        if (!ClassifierMath.AllFinite(y))
            throw new ModelLoadException("The model produced non-finite outputs (NaN or infinity) on a test image.");

        if (option != OutputKind.Auto) return (option == OutputKind.Probabilities, "option");
        if (metadata.TryGetValue("output_kind", out string? kind))
        {
            if (string.Equals(kind, "probabilities", StringComparison.OrdinalIgnoreCase)) return (true, "metadata");
            if (string.Equals(kind, "logits", StringComparison.OrdinalIgnoreCase)) return (false, "metadata");
        }
        return (ClassifierMath.LooksLikeProbabilities(y, n), "probe");
    }

    private static void ProbeRun(InferenceSession session, RunOptions runOptions, ModelInfo info, float[] x, int n, float[] y)
    {
        // Unlike Run, the output is allocated by ONNX Runtime so that its real shape can be checked.
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x, InputShape(info.InputLayout, n));
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [info.InputName], [input], [info.OutputName]);
        OrtValue output = outputs.First();
        long[] shape = output.GetTensorTypeAndShape().Shape;
        if (shape.Length != 2 || shape[0] != n || shape[1] != Classes)
            throw new ModelLoadException($"Output '{info.OutputName}' has shape [{string.Join(',', shape)}] for a batch of {n}; expected [{n},10].");
        output.GetTensorDataAsSpan<float>().CopyTo(y);
    }

    /// <summary>n probe images cycling through black, mid-grey and a seeded pattern.</summary>
    private static float[] ProbeImages(int n)
    {
        var x = new float[n * Pixels];
        uint state = 12345;
        for (int i = 0; i < n; i++)
        {
            Span<float> img = x.AsSpan(i * Pixels, Pixels);
            switch (i % 3)
            {
                case 0: break;
                case 1: img.Fill(0.5f); break;
                default:
                    for (int k = 0; k < Pixels; k++)
                    {
                        state = state * 1664525u + 1013904223u;
                        img[k] = (state >> 8) / 16777216f;
                    }
                    break;
            }
        }
        return x;
    }

    private static string Describe(NodeMetadata m) =>
        m.IsTensor ? $"{m.ElementDataType} [{string.Join(',', m.Dimensions.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : (string.IsNullOrEmpty(m.SymbolicDimensions[i]) ? "?" : m.SymbolicDimensions[i])))}]" : m.OnnxValueType.ToString();

    private static string FirstLine(string message)
    {
        int nl = message.IndexOf('\n', StringComparison.Ordinal);
        return (nl < 0 ? message : message[..nl]).Trim();
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
