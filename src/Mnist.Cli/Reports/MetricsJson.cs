using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnist.Engine.Training;
using Mnist.Engine.IO;

namespace Mnist.Cli.Reports;

/// <summary>Writes a run's <c>metrics.json</c>: recipe, seed, per-epoch metrics, final and per-class accuracy, confusion matrix, times, machine.</summary>
internal static class MetricsJson
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>One epoch as a JSON object (the <c>--json</c> line uses the first four fields).</summary>
    public static JsonObject Epoch(EpochMetrics m) => new()
    {
        ["epoch"] = m.Epoch,
        ["train_loss"] = Math.Round(m.TrainLoss, 6),
        ["test_accuracy"] = Math.Round(m.TestAccuracy, 6),
        ["seconds"] = Math.Round(m.Seconds, 3),
        ["test_loss"] = Math.Round(m.TestLoss, 6),
        ["epoch_seconds"] = Math.Round(m.EpochSeconds, 3),
        ["wall_seconds"] = Math.Round(m.WallSeconds, 3),
        ["learning_rate"] = m.LearningRate,
        ["samples"] = m.Samples,
    };

    public static JsonObject Build(RunSummary s)
    {
        var final = s.Result.Final;
        var r = s.Recipe;
        var a = r.Augmentation;
        return new JsonObject
        {
            ["recipe"] = new JsonObject
            {
                ["name"] = r.Name,
                ["architecture"] = r.Architecture,
                ["epochs"] = s.Result.History.Count,
                ["batch_size"] = r.BatchSize,
                ["label_smoothing"] = r.LabelSmoothing,
                ["augmentation"] = new JsonObject
                {
                    ["rotation_degrees"] = a.RotationDegrees, ["scale_min"] = a.ScaleMin, ["scale_max"] = a.ScaleMax,
                    ["shift_pixels"] = a.ShiftPixels, ["shear_degrees"] = a.ShearDegrees,
                    ["elastic_alpha"] = a.ElasticAlpha, ["elastic_sigma"] = a.ElasticSigma,
                    ["thickness_probability"] = a.ThicknessProbability, ["thickness_max"] = a.ThicknessMax,
                    ["low_resolution_probability"] = a.LowResolutionProbability,
                    ["low_resolution_min"] = a.LowResolutionMin, ["low_resolution_max"] = a.LowResolutionMax,
                    ["horizontal_flip_probability"] = a.HorizontalFlipProbability,
                    ["stroke_style_probability"] = a.StrokeStyleProbability,
                    ["stroke_pen_radius_min"] = a.StrokePenRadiusMin, ["stroke_pen_radius_max"] = a.StrokePenRadiusMax,
                    ["one_flag_probability"] = a.OneFlagProbability,
                    ["one_flag_angle_min"] = a.OneFlagAngleMin, ["one_flag_angle_max"] = a.OneFlagAngleMax,
                    ["one_flag_length_min"] = a.OneFlagLengthMin, ["one_flag_length_max"] = a.OneFlagLengthMax,
                    ["photo_probability"] = a.PhotoProbability,
                    ["photo_scale_min"] = a.PhotoScaleMin, ["photo_scale_max"] = a.PhotoScaleMax,
                    ["photo_rotation_degrees"] = a.PhotoRotationDegrees, ["photo_noise_max"] = a.PhotoNoiseMax,
                },
                ["description"] = r.Description,
            },
            ["seed"] = s.Seed,
            ["dataset"] = s.Dataset.Id,
            ["data_folder"] = s.DataFolder,
            ["train_count"] = s.TrainCount,
            ["drawn"] = s.Drawn is not { } d ? null : new JsonObject
            {
                ["file"] = d.File,
                ["sha256"] = d.Sha256,
                ["writers"] = d.Writers,
                ["digits"] = d.Digits,
                ["copies_per_epoch"] = d.Copies,
                ["renderings_per_epoch"] = d.Digits * d.Copies,
                ["stroke_augmentation"] = d.Augmentation,
                ["protocol"] = d.ToSummary() + "; evaluate drawn accuracy only on writers outside " + d.Writers + " (leave-writers-out)",
            },
            ["distillation"] = s.Distillation is not { } t ? null : new JsonObject
            {
                ["teachers"] = new JsonArray([.. t.Teachers.Select(f => (JsonNode)new JsonObject { ["file"] = f.File, ["sha256"] = f.Sha256 })]),
                ["weight"] = t.Weight,
                ["temperature"] = t.Temperature,
                ["summary"] = t.ToSummary(),
            },
            ["test_count"] = final.Count,
            ["parameters"] = s.ParameterCount,
            ["model"] = s.ModelPath,
            ["epochs"] = new JsonArray([.. s.Result.History.Select(m => (JsonNode)Epoch(m))]),
            ["test_accuracy"] = final.Accuracy,
            ["test_loss"] = final.MeanLoss,
            ["correct"] = final.Correct,
            ["per_class_accuracy"] = new JsonArray([.. final.PerClassAccuracy.Select(v => (JsonNode)JsonValue.Create(v))]),
            ["per_class_count"] = new JsonArray([.. final.PerClassCount.Select(v => (JsonNode)JsonValue.Create(v))]),
            ["class_names"] = new JsonArray([.. s.Dataset.ClassNames.Select(v => (JsonNode)JsonValue.Create(v)!)]),
            ["confusion"] = new JsonArray([.. final.Confusion.ToRows().Select(row => (JsonNode)new JsonArray([.. row.Select(v => (JsonNode)JsonValue.Create(v))]))]),
            ["train_seconds"] = Math.Round(s.Result.TrainSeconds, 3),
            ["wall_seconds"] = Math.Round(s.Result.WallSeconds, 3),
            ["resumed_from_epoch"] = s.Result.ResumedFromEpoch,
            ["machine"] = new JsonObject
            {
                ["cores"] = s.Machine.Cores,
                ["threads"] = s.Machine.Threads,
                ["cpu"] = s.Machine.Cpu,
                ["os"] = s.Machine.Os,
                ["dotnet"] = s.Machine.DotNet,
                ["isa"] = s.Machine.Isa,
            },
            ["command_line"] = s.CommandLine,
            ["started_utc"] = s.StartedUtc.ToString("O", CultureInfo.InvariantCulture),
            ["finished_utc"] = s.FinishedUtc.ToString("O", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Writes <c>metrics.json</c> atomically.</summary>
    public static void Write(RunSummary summary, string path) =>
        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(Build(summary).ToJsonString(s_indented) + "\n"));
}
