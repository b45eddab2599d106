using Mnist.Engine.Layers;
using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>
/// One model, its loss and its optimizer: <see cref="Step"/> is the straight training step
/// (zero-grad, forward, loss, backward, update) and <see cref="Predict"/> runs inference.
/// </summary>
public sealed class Trainer
{
    private readonly SoftmaxCrossEntropyLoss<float> _loss;

    /// <summary>A trainer of <paramref name="model"/> by <paramref name="optimizer"/>, which must update this model's
    /// parameters, with softmax cross-entropy (<paramref name="labelSmoothing"/> in [0, 1)).</summary>
    public Trainer(Sequential<float> model, Optimizer<float> optimizer, double labelSmoothing = 0)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        if (!ReferenceEquals(optimizer.Parameters, model.Parameters))
            throw new ArgumentException("The optimizer must update this model's parameters.", nameof(optimizer));
        _loss = new SoftmaxCrossEntropyLoss<float>(labelSmoothing);
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

    /// <summary>Class probabilities [N,10] for x (inference mode). The result is reused by the next call.</summary>
    public Tensor<float> Predict(Tensor<float> x) => Predictions.Predict(Model, x);
}
