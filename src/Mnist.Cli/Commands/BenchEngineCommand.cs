using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Mnist.Cli.Cli;
using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Networks;
using Mnist.Engine.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mnist.Cli.Commands;

/// <summary><c>mnist bench engine --arch NAME [--json] [--no-winograd] [--no-sparse-pool-backward]</c>: the managed engine's speed, in the libtorch peer's fields.</summary>
internal sealed class BenchEngineCommand : Command<BenchEngineCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--arch <NAME>")]
        [Description("Architecture: seed or lenet (repeat the option or separate by commas for several).")]
        public string[] Arch { get; init; } = ["seed", "lenet"];

        [CommandOption("--json")]
        [Description("One JSON object per architecture, with the libtorch peer's field names.")]
        public bool Json { get; init; }

        [CommandOption("--threads <N>")]
        [Description("Threads (default: all cores).")]
        public int? Threads { get; init; }

        [CommandOption("--seconds <S>")]
        [Description("Training measurement time per arch (default 8, as the peer).")]
        public double Seconds { get; init; } = 8;

        [CommandOption("--no-winograd")]
        [Description("Run 3×3 convolutions as im2col + GEMM even where Winograd pays (for A/B runs in one build).")]
        public bool NoWinograd { get; init; }

        [CommandOption("--no-sparse-pool-backward")]
        [Description("Run the backward pass of convolution → ReLU → 2×2 max pool densely, not from the pooled gradient (for A/B runs).")]
        public bool NoSparsePoolBackward { get; init; }

        public override ValidationResult Validate()
        {
            foreach (var a in Archs)
                if (!Architectures.Names.Contains(a)) return ValidationResult.Error($"Unknown architecture '{a}'. Known: {string.Join(", ", Architectures.Names)}.");
            if (Threads is < 1) return ValidationResult.Error("--threads must be at least 1.");
            if (Seconds is <= 0 or > 600) return ValidationResult.Error("--seconds must be in (0, 600].");
            return ValidationResult.Success();
        }

        public IEnumerable<string> Archs => Arch.SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Threads is int t) Parallelism.Degree = t;
        var convolution = new ConvolutionOptions { Winograd = !settings.NoWinograd, SparsePoolBackward = !settings.NoSparsePoolBackward };
        foreach (var arch in settings.Archs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var r = EngineBenchmark.Run(arch, TimeSpan.FromSeconds(settings.Seconds), convolution: convolution);
            if (settings.Json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["engine"] = "mnist-cs",
                    ["arch"] = r.Arch,
                    ["threads"] = r.Threads,
                    ["train_batch"] = r.TrainBatch,
                    ["train_samples_per_s"] = Math.Round(r.TrainSamplesPerSecond),
                    ["infer_b1_us"] = Math.Round(r.InferBatch1Microseconds, 1),
                    ["infer_b256_samples_per_s"] = Math.Round(r.InferBatch256SamplesPerSecond),
                    ["peak_working_set_mb"] = Math.Round(r.PeakWorkingSetBytes / 1048576.0, 1),
                    ["isa"] = r.Isa,
                }, CliJson.SerializerOptions));
            }
            else
            {
                var table = new Table().AddColumns("arch", "threads", "train batch", "train samples/s", "infer b1 µs", "infer b256 samples/s", "peak MB");
                table.AddRow(r.Arch, r.Threads.ToString(CultureInfo.InvariantCulture), r.TrainBatch.ToString(CultureInfo.InvariantCulture),
                    r.TrainSamplesPerSecond.ToString("F0", CultureInfo.InvariantCulture), r.InferBatch1Microseconds.ToString("F1", CultureInfo.InvariantCulture),
                    r.InferBatch256SamplesPerSecond.ToString("F0", CultureInfo.InvariantCulture), (r.PeakWorkingSetBytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture));
                AnsiConsole.Write(table);
            }
        }
        return 0;
    }
}
