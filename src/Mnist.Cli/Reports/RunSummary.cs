using Mnist.Engine.Data;
using Mnist.Engine.Training;

namespace Mnist.Cli.Reports;

/// <summary>Everything <c>metrics.json</c> and the report describe about a finished run.</summary>
internal sealed record RunSummary(
    TrainingRecipe Recipe,
    DatasetInfo Dataset,
    string DataFolder,
    int TrainCount,
    MnistDataset Test,
    ulong Seed,
    TrainingResult Result,
    int ParameterCount,
    string ModelPath,
    string OutDir,
    MachineInfo Machine,
    string CommandLine,
    DateTimeOffset StartedUtc,
    DateTimeOffset FinishedUtc,
    DrawnTrainingState? Drawn = null,
    DistillationState? Distillation = null);
