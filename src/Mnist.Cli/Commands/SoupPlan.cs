using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnist.Cli.Cli;
using Mnist.Engine.IO;

namespace Mnist.Cli.Commands;

/// <summary>
/// What <c>mnist train --branches K</c> was asked for, kept in the run folder (<see cref="FileName"/>) so that
/// <c>--resume</c> continues the same soup: how many branches, after which epoch they part, and the run's seed.
/// </summary>
/// <param name="Branches">Branches averaged, the run itself included.</param>
/// <param name="BranchAfter">The epoch after which the branches part.</param>
/// <param name="Seed">The run's seed (branch 1's).</param>
internal sealed record SoupPlan(int Branches, int BranchAfter, ulong Seed)
{
    public const string FileName = "soup.json", BranchPointFileName = "branch-point.bin";

    private static readonly JsonSerializerOptions Indented = new(CliJson.SerializerOptions) { WriteIndented = true };

    /// <summary>The most branches a soup may have.</summary>
    public const int MaxBranches = 8;

    /// <summary>The seed drawing branch <paramref name="branch"/>'s data (1 for the run itself): S + 100·(b−1).</summary>
    public ulong SeedOf(int branch) => Seed + 100UL * (ulong)(branch - 1);

    public void Save(string runDir) =>
        AtomicFile.WriteAllBytes(Path.Combine(runDir, FileName), Encoding.UTF8.GetBytes(new JsonObject
        {
            ["branches"] = Branches,
            ["branch_after"] = BranchAfter,
            ["seed"] = Seed,
        }.ToJsonString(Indented) + "\n"));

    /// <exception cref="InvalidDataException">The file is damaged.</exception>
    public static SoupPlan Load(string runDir)
    {
        string path = Path.Combine(runDir, FileName);
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var plan = new SoupPlan(json["branches"]!.GetValue<int>(), json["branch_after"]!.GetValue<int>(), json["seed"]!.GetValue<ulong>());
            if (plan.Branches is < 2 or > MaxBranches || plan.BranchAfter < 1)
                throw new InvalidDataException($"{path}: {plan.Branches} branches after epoch {plan.BranchAfter} is not a soup this build trains.");
            return plan;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new InvalidDataException($"{path} is damaged ({e.Message}); train the soup again in a new --out.", e);
        }
    }

    /// <summary>The soup's <c>metrics.json</c>: each branch's accuracy and training time, the soup's, and how it was made.</summary>
    public static void WriteMetrics(string path, SoupPlan plan, IEnumerable<(int Branch, ulong Seed, double Accuracy, double Seconds)> branches,
        double accuracy, double seconds, string commandLine, DateTimeOffset started, DateTimeOffset finished)
    {
        var json = new JsonObject
        {
            ["command_line"] = commandLine,
            ["branch_after"] = plan.BranchAfter,
            ["branches"] = new JsonArray(branches.Select(b => (JsonNode)new JsonObject
            {
                ["folder"] = string.Create(CultureInfo.InvariantCulture, $"branch-{b.Branch}"),
                ["seed"] = b.Seed,
                ["test_accuracy"] = Math.Round(b.Accuracy, 6),
                ["training_seconds"] = Math.Round(b.Seconds, 3),
            }).ToArray()),
            ["test_accuracy"] = Math.Round(accuracy, 6),
            ["training_seconds"] = Math.Round(seconds, 3),
            ["started_utc"] = started.ToString("o", CultureInfo.InvariantCulture),
            ["finished_utc"] = finished.ToString("o", CultureInfo.InvariantCulture),
        };
        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(json.ToJsonString(Indented) + "\n"));
    }
}
