using Mnist.Engine.Preprocessing;

namespace Mnist.Inference;

/// <summary>Settings of <see cref="DigitPipeline"/>.</summary>
public sealed record DigitPipelineOptions
{
    /// <summary>The defaults.</summary>
    public static DigitPipelineOptions Default { get; } = new();


    /// <summary>Preprocessing knobs; the defaults are the definition the shipped model was trained for.</summary>
    public PreprocessOptions Preprocess { get; init; } = PreprocessOptions.Default;

    /// <summary>Return the preprocessed 28×28 pixels with each <see cref="Recognition"/> (for display or debugging).</summary>
    public bool IncludePixels { get; init; }
}
