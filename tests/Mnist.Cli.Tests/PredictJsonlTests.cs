using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mnist.Cli.Tests;

/// <summary><c>mnist predict</c> on <c>.jsonl</c> stroke files: both point forms, labels scored, the model named, and
/// JSON lines as plain UTF-8 with the server's reason names.</summary>
public class PredictJsonlTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(1);

    [Fact]
    public void Both_point_forms_give_the_same_answer_labels_are_scored_and_the_model_is_named()
    {
        using var tmp = new TempDir();
        // A quote and a non-ASCII letter in the file name: they must appear as such in the JSON, not as \u0022 or \u00E9.
        string file = tmp.File("caf\u00e9 \"one\".jsonl");
        File.WriteAllLines(file,
        [
            """{"label":1,"strokes":[[[50,10],[50,30],[50,50],[50,70],[50,90]]]}""",
            """{"label":"7","strokes":[[{"x":50,"y":10},{"x":50,"y":30},{"x":50,"y":50},{"x":50,"y":70},{"x":50,"y":90}]]}""",
            """{"strokes":[]}""",
        ]);
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "predict", "--json", file);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("\\u00", stdout, StringComparison.Ordinal);
        Assert.Contains("caf\u00e9 \\\"one\\\".jsonl:1", stdout, StringComparison.Ordinal);

        JsonElement[] lines = [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
        Assert.Equal(3, lines.Length);
        float[] Probabilities(JsonElement e) => [.. e.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle())];
        Assert.Equal(Probabilities(lines[0]), Probabilities(lines[1]));
        Assert.Equal(1, lines[0].GetProperty("label").GetInt32());
        Assert.Equal(7, lines[1].GetProperty("label").GetInt32());
        Assert.Equal("default", lines[0].GetProperty("model").GetString());

        Assert.Equal(JsonValueKind.Null, lines[2].GetProperty("digit").ValueKind);
        Assert.Equal("no_ink", lines[2].GetProperty("no_digit").GetString());
        Assert.False(lines[2].TryGetProperty("label", out _));

        // The two labelled lines are scored against what was predicted for them.
        int right = lines.Take(2).Count(l => l.GetProperty("digit").GetInt32() == l.GetProperty("label").GetInt32());
        Assert.Matches(new Regex($@"accuracy: {right}/2 = "), stderr);
        Assert.Contains("model: ", stderr, StringComparison.Ordinal);
        Assert.Contains("mnist.onnx", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_with_a_bad_label_or_point_is_an_error_for_that_line_only()
    {
        using var tmp = new TempDir();
        string file = tmp.File("bad.jsonl");
        File.WriteAllLines(file,
        [
            """{"label":"x","strokes":[[[1,2],[3,4]]]}""",
            """{"strokes":[[{"x":1}]]}""",
            """{"strokes":[[["1","2"]]]}""",
            """{"strokes":[[[50,10],[50,90]]]}""",
        ]);
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "predict", "--json", file);
        Assert.True(code == 1, stderr);
        JsonElement[] lines = [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
        Assert.Equal(4, lines.Length);
        Assert.All(lines.Take(3), l => Assert.True(l.TryGetProperty("error", out _), l.ToString()));
        Assert.True(lines[3].TryGetProperty("digit", out _));
    }
}
