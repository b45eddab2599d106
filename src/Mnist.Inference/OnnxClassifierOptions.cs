namespace Mnist.Inference;

/// <summary>Settings of <see cref="OnnxDigitClassifier"/>.</summary>
public sealed record OnnxClassifierOptions
{
    /// <summary>The defaults: one intra-op thread, all graph optimizations, output kind decided at load.</summary>
    public static OnnxClassifierOptions Default { get; } = new();

    /// <summary>
    /// Threads ONNX Runtime may use inside one run. Default 1: a server runs several batches concurrently (one per
    /// caller), and one thread per run avoids oversubscribing the cores and the spin-waiting of a per-session pool.
    /// Use the core count for one large batch at a time (e.g. evaluation).
    /// </summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Whether the output holds probabilities or logits; <see cref="OutputKind.Auto"/> decides at load.</summary>
    public OutputKind OutputKind { get; init; } = OutputKind.Auto;

    /// <summary>Largest number of images given to one run of a dynamic-batch model; bigger calls are split so that
    /// ONNX Runtime's intermediate buffers stay bounded. Default 256.</summary>
    public int MaxRunBatch { get; init; } = 256;

    internal void Validate()
    {
        if (IntraOpThreads is < 1 or > 256) throw new ArgumentException($"IntraOpThreads must be 1..256; got {IntraOpThreads}.", nameof(IntraOpThreads));
        if (!Enum.IsDefined(OutputKind)) throw new ArgumentException($"Unknown output kind {OutputKind}.", nameof(OutputKind));
        if (MaxRunBatch is < 1 or > 65536) throw new ArgumentException($"MaxRunBatch must be 1..65536; got {MaxRunBatch}.", nameof(MaxRunBatch));
    }
}
