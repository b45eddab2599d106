namespace Mnist.Engine.Data;

/// <summary>Which half of an MNIST-style dataset.</summary>
public enum MnistSplit
{
    /// <summary>The training set (60,000 samples in MNIST and Fashion-MNIST): files <c>train-*</c>.</summary>
    Train,

    /// <summary>The test set (10,000 samples): files <c>t10k-*</c>.</summary>
    Test,
}
