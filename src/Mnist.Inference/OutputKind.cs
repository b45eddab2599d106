namespace Mnist.Inference;

/// <summary>What a model's [N,10] output holds.</summary>
public enum OutputKind
{
    /// <summary>Decide when the model loads (see <see cref="OnnxDigitClassifier"/>).</summary>
    Auto,

    /// <summary>Softmax probabilities: used as they are.</summary>
    Probabilities,

    /// <summary>Unnormalized scores: the classifier applies a softmax.</summary>
    Logits,
}
