using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Kernels;
using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Formats;

/// <summary>
/// An ONNX model read into the managed engine by <see cref="OnnxImporter"/>: a <see cref="Sequential{T}"/> in
/// inference mode computing the network up to (not including) a final Softmax, plus what the file declared.
/// </summary>
/// <remarks>Like every <see cref="Sequential{T}"/>, the model reuses its activation buffers: use one instance per thread.</remarks>
public sealed class ImportedModel
{
    internal ImportedModel(Sequential<float> model, string inputName, string outputName, IReadOnlyList<OnnxDim> declaredInputShape,
        bool outputIsProbabilities, IReadOnlyDictionary<string, string> metadata, string producerName, string producerVersion, long opsetVersion)
    {
        Model = model;
        InputName = inputName;
        OutputName = outputName;
        DeclaredInputShape = declaredInputShape;
        OutputIsProbabilities = outputIsProbabilities;
        Metadata = metadata;
        Card = ModelCard.FromMetadata(metadata);
        ProducerName = producerName;
        ProducerVersion = producerVersion;
        OpsetVersion = opsetVersion;
    }

    /// <summary>The network in inference mode. Its input item shape is [1,28,28] for any file whose input holds 784 values per item
    /// (whatever layout the file declares); its output is the logits (the file's final Softmax, if any, is not part of it).</summary>
    public Sequential<float> Model { get; }

    /// <summary>Name of the file's graph input, e.g. <c>input</c>.</summary>
    public string InputName { get; }

    /// <summary>Name of the file's graph output, e.g. <c>probabilities</c>.</summary>
    public string OutputName { get; }

    /// <summary>The input shape the file declares, e.g. [N,1,28,28] or a fixed [10,1,28,28]. The batch size actually used is the input's.</summary>
    public IReadOnlyList<OnnxDim> DeclaredInputShape { get; }

    /// <summary>True when the file ends in Softmax (its output is probabilities); false when it outputs logits, so callers apply softmax.</summary>
    public bool OutputIsProbabilities { get; }

    /// <summary>The file's <c>metadata_props</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The model card from the metadata, or null for files this project did not write.</summary>
    public ModelCard? Card { get; }

    /// <summary><c>producer_name</c> of the file, e.g. <c>pytorch</c>.</summary>
    public string ProducerName { get; }

    /// <summary><c>producer_version</c> of the file.</summary>
    public string ProducerVersion { get; }

    /// <summary>Default-domain opset the file imports.</summary>
    public long OpsetVersion { get; }

    /// <summary>Logits [N,classes] for a batch given as [N,1,28,28], [N,28,28,1], [N,784] or any shape with the model's item size.</summary>
    /// <exception cref="ArgumentException">The input's item size does not match.</exception>
    public Tensor<float> Logits(Tensor<float> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int item = Tensor<float>.ElementCount(Model.InputItemShape);
        if (input.Rank < 1 || input.ItemLength != item)
            throw new ArgumentException($"Expected [N,{string.Join(',', Model.InputItemShape)}] (or any [N,…] with {item} values per item), got [{string.Join(',', input.Shape)}].", nameof(input));
        var x = input.HasShape([input.Dim(0), .. Model.InputItemShape]) ? input : input.Reshape([input.Dim(0), .. Model.InputItemShape]);
        Model.Training = false;
        return Model.Forward(x);
    }

    /// <summary>Softmax probabilities [N,classes] (a new tensor), whether or not the file ends in Softmax.</summary>
    public Tensor<float> Predict(Tensor<float> input)
    {
        var logits = Logits(input);
        var probs = new Tensor<float>(logits.Shape);
        Softmax.SoftmaxRows<float>(logits.Span, probs.Span, logits.Dim(0), logits.Dim(1));
        return probs;
    }

    /// <summary>What the file computes (a new tensor): probabilities when <see cref="OutputIsProbabilities"/>, else logits.</summary>
    public Tensor<float> Run(Tensor<float> input) => OutputIsProbabilities ? Predict(input) : Logits(input).Clone();
}
