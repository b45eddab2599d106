namespace Mnist.Engine.Preprocessing;

/// <summary>What <see cref="PredictionQuality.Assess"/> concluded about one probability vector.</summary>
/// <param name="Digit">Index of the largest probability (the lowest index on ties).</param>
/// <param name="Confidence">The largest probability.</param>
/// <param name="Margin">Largest minus second-largest probability.</param>
/// <param name="IsConfident">False when the prediction is ambiguous and should be shown as a guess or not at all.</param>
public readonly record struct PredictionAssessment(int Digit, float Confidence, float Margin, bool IsConfident);
