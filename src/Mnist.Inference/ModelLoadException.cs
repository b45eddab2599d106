namespace Mnist.Inference;

/// <summary>A model file that cannot be used: not a model, or a model without the contract's input and output
/// (float32 [N,1,28,28] / [N,28,28,1] / [N,784] in, float32 [N,10] out). The message names the problem.</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelLoadException() { }

    /// <summary>Creates the exception with a message naming the problem.</summary>
    public ModelLoadException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the runtime's own error.</summary>
    public ModelLoadException(string message, Exception innerException) : base(message, innerException) { }
}
