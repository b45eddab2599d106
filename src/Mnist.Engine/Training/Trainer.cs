using Mnist.Engine.Layers;
using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>
/// One model, its loss and its optimizer: <see cref="Step(Tensor{float}, ReadOnlySpan{int})"/> is the straight training step
/// (zero-grad, forward, loss, backward, update) and <see cref="Predict"/> runs inference.
/// </summary>
public sealed class Trainer
{
    private readonly SoftmaxCrossEntropyLoss<float> _loss;
    private readonly DistillationLoss<float>? _distillation;

    /// <summary>A trainer of <paramref name="model"/> by <paramref name="optimizer"/>, which must update this model's
    /// parameters, with softmax cross-entropy (<paramref name="labelSmoothing"/> in [0, 1)) and, when
    /// <paramref name="distillation"/> is given, the distillation loss of <see cref="Step(Tensor{float}, ReadOnlySpan{int}, ReadOnlySpan{float})"/>.</summary>
    public Trainer(Sequential<float> model, Optimizer<float> optimizer, double labelSmoothing = 0, DistillationLoss<float>? distillation = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        if (!ReferenceEquals(optimizer.Parameters, model.Parameters))
            throw new ArgumentException("The optimizer must update this model's parameters.", nameof(optimizer));
        _loss = new SoftmaxCrossEntropyLoss<float>(labelSmoothing);
        _distillation = distillation;
    }

    /// <summary>The network being trained.</summary>
    public Sequential<float> Model { get; }

    /// <summary>The optimizer that updates <see cref="Model"/>'s parameters.</summary>
    public Optimizer<float> Optimizer { get; }

    /// <summary>One optimizer step on a batch x [N,1,28,28] with labels [N]; returns the mean loss.</summary>
    public double Step(Tensor<float> x, ReadOnlySpan<int> labels)
    {
        Model.Training = true;
        Optimizer.ZeroGrad();
        var logits = Model.Forward(x);
        double loss = _loss.Forward(logits, labels);
        Model.Backward(_loss.Backward());
        Optimizer.Step();
        return loss;
    }

    /// <summary>
    /// One optimizer step on a batch x [N,1,28,28] with labels [N] and a teacher's soft targets [N,classes] by the
    /// distillation loss given at construction; returns the mean loss.
    /// </summary>
    /// <exception cref="InvalidOperationException">The trainer was built without a distillation loss.</exception>
    public double Step(Tensor<float> x, ReadOnlySpan<int> labels, ReadOnlySpan<float> softTargets)
    {
        var distillation = _distillation ?? throw new InvalidOperationException("This trainer has no distillation loss.");
        Model.Training = true;
        Optimizer.ZeroGrad();
        var logits = Model.Forward(x);
        double loss = distillation.Forward(logits, labels, softTargets);
        Model.Backward(distillation.Backward());
        Optimizer.Step();
        return loss;
    }

    /// <summary>Class probabilities [N,10] for x (inference mode). The result is reused by the next call.</summary>
    public Tensor<float> Predict(Tensor<float> x) => Predictions.Predict(Model, x);
}
