using System.Globalization;

namespace Mnist.Engine.Training;

/// <summary>
/// Knowledge distillation in a training run: the student learns from the mean soft targets of <see cref="Teachers"/>
/// on each augmented batch, mixed with the recipe's hard-label loss (<see cref="Layers.DistillationLoss{T}"/>).
/// </summary>
/// <param name="Teachers">The teachers whose averaged softmax is the soft target.</param>
/// <param name="Weight">w in [0, 1]: the share of the soft term (1 − w stays on the hard labels).</param>
/// <param name="Temperature">τ &gt; 0 of the teachers' and the student's softmax in the soft term.</param>
public sealed record Distillation(TeacherEnsemble Teachers, double Weight, double Temperature)
{
    /// <summary>What checkpoints, metrics and model cards record about it (and a resume compares).</summary>
    public DistillationState Describe() => new()
    {
        Teachers = [.. Teachers.Teachers.Select(t => new TeacherFile { File = t.File, Sha256 = t.Sha256 })],
        Weight = Weight,
        Temperature = Temperature,
    };
}

/// <summary>A teacher as recorded: file name (never a path) and SHA-256.</summary>
public sealed record TeacherFile
{
    /// <summary>File name of the teacher model.</summary>
    public string File { get; init; } = "";

    /// <summary>SHA-256 of that file, lower-case hex.</summary>
    public string Sha256 { get; init; } = "";
}

/// <summary>What a checkpoint records about distillation (<see cref="Distillation"/>); equal when teachers (in order), weight and temperature are.</summary>
public sealed record DistillationState
{
    /// <summary>The teachers, in the order given.</summary>
    public IReadOnlyList<TeacherFile> Teachers { get; init; } = [];

    /// <summary>Share of the soft term.</summary>
    public double Weight { get; init; }

    /// <summary>Temperature of the soft term.</summary>
    public double Temperature { get; init; }

    /// <inheritdoc/>
    public bool Equals(DistillationState? other) =>
        other is not null && Weight.Equals(other.Weight) && Temperature.Equals(other.Temperature) && Teachers.SequenceEqual(other.Teachers);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Weight, Temperature, Teachers.Count);

    /// <summary>One line for model cards and reports.</summary>
    public string ToSummary() => string.Create(CultureInfo.InvariantCulture,
        $"distilled from the mean softmax of {string.Join(", ", Teachers.Select(t => $"{t.File} (sha256:{t.Sha256})"))} " +
        $"at temperature {Temperature}, weight {Weight} (1 − weight on the hard labels)");
}
