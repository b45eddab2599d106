using Mnist.Engine.Preprocessing;

namespace Mnist.Client;

/// <summary>The answer for one drawing.</summary>
public sealed record DigitResult
{
    /// <summary>The recognized digit, or null when the drawing holds none (<see cref="NoDigitReason"/> says why).</summary>
    public int? Digit { get; init; }

    /// <summary>Probability of <see cref="Digit"/>; 0 when there is none.</summary>
    public float Confidence { get; init; }

    /// <summary>The 10 class probabilities (softmax); all zeros when there is no digit.</summary>
    public required float[] Probabilities { get; init; }

    /// <summary>Why there is no digit, or <see cref="Mnist.Engine.Preprocessing.NoDigitReason.None"/>.</summary>
    public NoDigitReason NoDigitReason { get; init; }

    /// <summary>A sentence for people explaining <see cref="NoDigitReason"/>; null when a digit was found.</summary>
    public string? Message { get; init; }

    /// <summary>The model's name as its runtime reports it (the server's <c>model</c> field), when known.</summary>
    public string? Model { get; init; }

    /// <summary><c>device</c> or <c>server</c>.</summary>
    public required string Mode { get; init; }

    /// <summary>Wall time of the call in milliseconds: preprocessing and model on the device, the round trip for the server.</summary>
    public double ElapsedMilliseconds { get; init; }

    /// <summary>The server's own processing time (its <c>elapsed_ms</c>), for remote results.</summary>
    public double? ServerMilliseconds { get; init; }

    /// <summary>True when the drawing held no digit.</summary>
    public bool IsEmpty => Digit is null;

    internal static DigitResult Empty(PreprocessResult p, string mode, double elapsedMs) => new()
    {
        Probabilities = new float[10],
        NoDigitReason = p.Reason,
        Message = p.EmptyReason,
        Mode = mode,
        ElapsedMilliseconds = elapsedMs,
    };

    internal static DigitResult FromProbabilities(float[] probabilities, string mode, string? model, double elapsedMs, double? serverMs = null)
    {
        int best = 0;
        for (int i = 1; i < probabilities.Length; i++) if (probabilities[i] > probabilities[best]) best = i;
        return new DigitResult
        {
            Digit = best, Confidence = probabilities[best], Probabilities = probabilities, Mode = mode, Model = model,
            ElapsedMilliseconds = elapsedMs, ServerMilliseconds = serverMs,
        };
    }
}
