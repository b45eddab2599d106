using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// Softmax followed by cross-entropy against integer labels, averaged over the batch, with optional
/// label smoothing ε (targets (1−ε)·onehot + ε/classes), as torch.nn.CrossEntropyLoss on logits.
/// Taking logits avoids the original script's softmax-on-softmax mistake. A sample labelled <see cref="NoClass"/>
/// is none of the classes and has the uniform target (outlier exposure: Hendrycks, Mazeika and Dietterich, 2019),
/// which teaches the network a flat, unconfident answer to input that is no digit.
/// </summary>
public sealed class SoftmaxCrossEntropyLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _probabilities, _logitsGrad;

    /// <summary>The loss with <paramref name="labelSmoothing"/> in [0, 1): the target puts 1 − s on the label and s spread evenly over all classes.</summary>
    public SoftmaxCrossEntropyLoss(double labelSmoothing = 0)
    {
        if (labelSmoothing is < 0 or >= 1 || double.IsNaN(labelSmoothing))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), "Label smoothing must be in [0, 1).");
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>The share of the target spread over all classes.</summary>
    public double LabelSmoothing { get; }

    /// <summary>The label of a sample that belongs to none of the classes.</summary>
    public const int NoClass = -1;

    /// <summary>Softmax probabilities [N,classes] of the last <see cref="Forward"/>.</summary>
    public Tensor<T> Probabilities => _probabilities ?? throw new InvalidOperationException("Forward not called.");

    /// <summary>Mean loss for logits [N,classes] and labels [N]; prepares <see cref="Backward"/>.</summary>
    public double Forward(Tensor<T> logits, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank != 2) throw new ArgumentException("Logits must be [N,classes].");
        int n = logits.Dim(0), k = logits.Dim(1);
        if (labels.Length != n) throw new ArgumentException($"{labels.Length} labels for a batch of {n}.");
        foreach (int l in labels)
            if (l < NoClass || l >= k) throw new ArgumentOutOfRangeException(nameof(labels), $"Label {l} is outside [0,{k}) and not {NoClass} (none).");
        _probabilities = Tensor<T>.Reuse(_probabilities, n, k);
        _logitsGrad = Tensor<T>.Reuse(_logitsGrad, n, k);
        return Softmax.SoftmaxCrossEntropy<T>(logits.Span, labels, n, k, LabelSmoothing, _probabilities.Span, _logitsGrad.Span);
    }

    /// <summary>∂loss/∂logits [N,classes] for the last <see cref="Forward"/>.</summary>
    public Tensor<T> Backward() => _logitsGrad ?? throw new InvalidOperationException("Forward not called.");
}
