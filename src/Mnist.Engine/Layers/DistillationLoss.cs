using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// Knowledge distillation (Hinton, Vinyals and Dean, 2015, "Distilling the Knowledge in a Neural Network",
/// arXiv:1503.02531): the student's logits z [N,K] are trained towards a teacher's soft targets t [N,K] (probabilities
/// at temperature τ) beside the usual hard labels.
/// </summary>
/// <remarks>
/// <para>Per row r with a class label, with q = softmax(z/τ), p = softmax(z) and y the label-smoothed one-hot target of
/// <see cref="SoftmaxCrossEntropyLoss{T}"/>:</para>
/// <code>
/// loss_r = w·τ²·KL(t ‖ q) + (1 − w)·CE(y, p),   KL(t ‖ q) = Σ_c t_c·(log t_c − log q_c)   (0·log 0 = 0)
/// ∂loss_r/∂z = w·τ·(q − t) + (1 − w)·(p − y)
/// </code>
/// <para>The τ² keeps the soft term's gradient at the same scale for every temperature (the paper's §2). A row labelled
/// <see cref="SoftmaxCrossEntropyLoss{T}.NoClass"/> (no digit: a uniform target) takes only the hard term, at full
/// weight: teachers trained on digits have nothing to say about non-digits. The result is the mean over the rows, as
/// torch's <c>kl_div(log_softmax(z/τ), t, reduction="batchmean")·τ²</c> mixed with <c>cross_entropy</c>. Computed in
/// double per element (a batch is N×10 values).</para>
/// </remarks>
public sealed class DistillationLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _probabilities, _logitsGrad;

    /// <summary>A loss with soft-target weight <paramref name="weight"/> in [0, 1], temperature <paramref name="temperature"/>
    /// &gt; 0 and the hard term's label smoothing in [0, 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range (or NaN).</exception>
    public DistillationLoss(double weight, double temperature, double labelSmoothing = 0)
    {
        if (!(weight >= 0 && weight <= 1))
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "The distillation weight must be in [0, 1].");
        if (!(temperature > 0 && double.IsFinite(temperature)))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a positive number.");
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must be in [0, 1).");
        Weight = weight;
        Temperature = temperature;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>w: the share of the soft (teacher) term.</summary>
    public double Weight { get; }

    /// <summary>τ: the temperature of the soft targets and of the student's soft-term softmax.</summary>
    public double Temperature { get; }

    /// <summary>Label smoothing of the hard term.</summary>
    public double LabelSmoothing { get; }

    /// <summary>Softmax probabilities (temperature 1) [N,classes] of the last <see cref="Forward"/>.</summary>
    public Tensor<T> Probabilities => _probabilities ?? throw new InvalidOperationException("Forward not called.");

    /// <summary>Mean loss for logits [N,K], labels [N] and soft targets [N,K] (rows summing to 1); prepares <see cref="Backward"/>.</summary>
    /// <exception cref="ArgumentException">Shapes that do not match, or a label outside [0, K) that is not <c>NoClass</c>.</exception>
    public double Forward(Tensor<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<T> softTargets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank != 2) throw new ArgumentException("Logits must be [N,classes].", nameof(logits));
        int n = logits.Dim(0), k = logits.Dim(1);
        if (labels.Length != n) throw new ArgumentException($"{labels.Length} labels for a batch of {n}.", nameof(labels));
        if (softTargets.Length != n * k) throw new ArgumentException($"{softTargets.Length} soft targets for [{n},{k}] logits.", nameof(softTargets));
        foreach (int l in labels)
            if (l < SoftmaxCrossEntropyLoss<T>.NoClass || l >= k)
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {l} is outside [0,{k}) and not {SoftmaxCrossEntropyLoss<T>.NoClass} (none).");
        _probabilities = Tensor<T>.Reuse(_probabilities, n, k);
        _logitsGrad = Tensor<T>.Reuse(_logitsGrad, n, k);
        ReadOnlySpan<T> z = logits.Span;
        Span<T> probs = _probabilities.Span, grad = _logitsGrad.Span;
        double[] rowP = new double[k], rowQ = new double[k];
        double tau = Temperature, total = 0;
        for (int r = 0; r < n; r++)
        {
            var zr = z.Slice(r * k, k);
            LogSoftmax(zr, 1, rowP);
            LogSoftmax(zr, tau, rowQ);
            bool none = labels[r] < 0;
            double hardWeight = none ? 1 : 1 - Weight, softWeight = none ? 0 : Weight;
            double onTarget = none ? 0 : 1 - LabelSmoothing, uniform = none ? 1.0 / k : LabelSmoothing / k;
            double hard = 0, soft = 0;
            for (int c = 0; c < k; c++)
            {
                // rowP/rowQ hold log-probabilities here.
                double y = uniform + (c == labels[r] ? onTarget : 0);
                hard -= y * rowP[c];
                double t = double.CreateChecked(softTargets[r * k + c]);
                if (t > 0) soft += t * (Math.Log(t) - rowQ[c]);
                double pc = Math.Exp(rowP[c]), qc = Math.Exp(rowQ[c]);
                probs[r * k + c] = T.CreateChecked(pc);
                grad[r * k + c] = T.CreateChecked((softWeight * tau * (qc - t) + hardWeight * (pc - y)) / n);
            }
            total += softWeight * tau * tau * soft + hardWeight * hard;
        }
        return total / n;
    }

    /// <summary>∂loss/∂logits [N,classes] for the last <see cref="Forward"/>.</summary>
    public Tensor<T> Backward() => _logitsGrad ?? throw new InvalidOperationException("Forward not called.");

    // log softmax(z/τ) of one row into destination.
    private static void LogSoftmax(ReadOnlySpan<T> z, double tau, Span<double> destination)
    {
        double max = double.NegativeInfinity;
        for (int c = 0; c < z.Length; c++) max = Math.Max(max, double.CreateChecked(z[c]) / tau);
        double sum = 0;
        for (int c = 0; c < z.Length; c++) sum += Math.Exp(double.CreateChecked(z[c]) / tau - max);
        double lse = max + Math.Log(sum);
        for (int c = 0; c < z.Length; c++) destination[c] = double.CreateChecked(z[c]) / tau - lse;
    }
}
