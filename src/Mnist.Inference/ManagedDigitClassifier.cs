using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Inference;

/// <summary>
/// An <see cref="IDigitClassifier"/> running a <see cref="Sequential{T}"/> of the managed engine (no native code):
/// the same model as the ONNX file, imported, or one trained in-process.
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> Engine layers keep their activation buffers between calls, so one model instance must not
/// run two forward passes at once. This class owns a pool of instances: with one instance (the single-model
/// constructor) calls are serialized; with a factory, up to <c>instances</c> calls run in parallel, each on its own
/// copy, and further callers wait for a free one. Each instance is switched to inference mode once.</para>
/// <para><b>Output.</b> When the model ends in logits (the engine's architectures do: the softmax lives in the loss),
/// a softmax is applied; when it already emits probabilities they are passed through.</para>
/// <para><b>Memory.</b> Calls are split into forward passes of at most <see cref="MaxForwardBatch"/> images, so the
/// layers' cached buffers stay bounded.</para>
/// </remarks>
public sealed class ManagedDigitClassifier : IDigitClassifier
{
    /// <summary>Largest number of images in one forward pass.</summary>
    public const int MaxForwardBatch = 256;

    private const int Pixels = ClassifierMath.Pixels;
    private const int Classes = ClassifierMath.Classes;

    private readonly ConcurrentBag<Sequential<float>> _free = [];
    private readonly SemaphoreSlim _available;
    private readonly bool _applySoftmax;
    private readonly UsageGuard _guard;

    /// <summary>Wraps one model; concurrent calls are serialized.</summary>
    /// <param name="model">A model taking 784 values per item (e.g. [1,28,28]) and giving 10.</param>
    /// <param name="outputsProbabilities">True when the model ends in a softmax; false for logits.</param>
    /// <param name="info">Describes the model (name, file hash, model card); null for a default description.</param>
    /// <exception cref="ModelLoadException">The model's input or output shape is not the contract's.</exception>
    public ManagedDigitClassifier(Sequential<float> model, bool outputsProbabilities, ModelInfo? info = null)
        : this(SingleFactory(model), 1, outputsProbabilities, info)
    {
    }

    /// <summary>Builds a pool of <paramref name="instances"/> models from <paramref name="factory"/> (called that many
    /// times, e.g. an importer reading the same file) so that as many calls run in parallel.</summary>
    /// <exception cref="ModelLoadException">A model's input or output shape is not the contract's.</exception>
    public ManagedDigitClassifier(Func<Sequential<float>> factory, int instances, bool outputsProbabilities, ModelInfo? info = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(instances, 64);
        int[]? inputShape = null;
        for (int i = 0; i < instances; i++)
        {
            Sequential<float> model = factory() ?? throw new ModelLoadException("The model factory returned null.");
            Check(model);
            if (_free.Any(m => ReferenceEquals(m, model)))
                throw new ArgumentException("The factory must return a new model instance on every call.", nameof(factory));
            model.Training = false;
            inputShape ??= model.InputItemShape;
            _free.Add(model);
        }
        _available = new SemaphoreSlim(instances, instances);
        _applySoftmax = !outputsProbabilities;
        Instances = instances;
        Model = info ?? new ModelInfo
        {
            Name = "managed",
            Runtime = "managed",
            InputName = "input",
            OutputName = outputsProbabilities ? "probabilities" : "logits",
            InputLayout = Layout(inputShape!),
            OutputsProbabilities = outputsProbabilities,
            OutputKindSource = "option",
            Metadata = ReadOnlyDictionary<string, string>.Empty,
        };
        _guard = new UsageGuard(_available.Dispose, nameof(ManagedDigitClassifier));
    }

    /// <inheritdoc/>
    public ModelInfo Model { get; }

    /// <summary>Number of model instances, i.e. of calls that can run at the same time.</summary>
    public int Instances { get; }

    /// <inheritdoc/>
    public void ClassifyBatch(ReadOnlySpan<float> pixels, int count, Span<float> probabilities)
    {
        ClassifierMath.CheckBatch(pixels, count, probabilities);
        if (count == 0) return;
        _guard.Enter();
        try
        {
            _available.Wait();
            _free.TryTake(out Sequential<float>? model);
            try
            {
                for (int start = 0; start < count; start += MaxForwardBatch)
                {
                    int n = Math.Min(MaxForwardBatch, count - start);
                    var x = new Tensor<float>(pixels.Slice(start * Pixels, n * Pixels).ToArray(), [n, .. model!.InputItemShape]);
                    Tensor<float> y = model.Forward(x);
                    y.Span[..(n * Classes)].CopyTo(probabilities.Slice(start * Classes, n * Classes));
                }
            }
            finally
            {
                _free.Add(model!);
                _available.Release();
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

    /// <summary>Stops new calls; calls in flight finish.</summary>
    public void Dispose() => _guard.Dispose();

    private static Func<Sequential<float>> SingleFactory(Sequential<float> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return () => model;
    }

    private static void Check(Sequential<float> model)
    {
        if (Tensor<float>.ElementCount(model.InputItemShape) != Pixels)
            throw new ModelLoadException($"Model input item is [{string.Join(',', model.InputItemShape)}]; expected 784 values ([1,28,28], [28,28,1] or [784]).");
        if (model.OutputItemShape.Length != 1 || model.OutputItemShape[0] != Classes)
            throw new ModelLoadException($"Model output item is [{string.Join(',', model.OutputItemShape)}]; expected [10].");
    }

    private static InputLayout Layout(int[] item) => item switch
    {
        [1, 28, 28] => InputLayout.Nchw,
        [28, 28, 1] => InputLayout.Nhwc,
        [28, 28] => InputLayout.Hw,
        _ => InputLayout.Flat,
    };
}
