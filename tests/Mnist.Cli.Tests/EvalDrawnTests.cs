using System.Text.Json;

namespace Mnist.Cli.Tests;

/// <summary><c>mnist eval --drawn</c> on a small fixture, with the shipped model.</summary>
public sealed class EvalDrawnTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "eval-drawn-" + Guid.NewGuid().ToString("N"));

    public EvalDrawnTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string ShippedModel => Path.Combine(MnistCli.RepoRoot, "models", "mnist.onnx");

    private string Fixture()
    {
        // Writer 1: a one and a seven; writer 2: a one; writer 5: a zero.
        string path = Path.Combine(_folder, "drawn.jsonl");
        File.WriteAllLines(path,
        [
            """{"label":1,"writer":1,"strokes":[[[50,10],[50,30],[50,50],[50,70],[50,90]]]}""",
            """{"label":7,"writer":1,"strokes":[[[10,10],[40,10],[70,10],[60,40],[50,70],[40,100]]]}""",
            """{"label":1,"writer":2,"strokes":[[[30,5],[31,40],[32,80],[33,120]]]}""",
            """{"label":0,"writer":5,"strokes":[[[50,10],[80,30],[85,60],[70,90],[50,100],[30,90],[15,60],[20,30],[50,10]]]}""",
        ]);
        return path;
    }

    [Fact]
    public void Json_line_has_accuracy_count_per_writer_and_worst_writer()
    {
        var (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "eval", "--model", ShippedModel, "--drawn", Fixture(), "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        var root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("count").GetInt32());
        Assert.Equal("drawn.jsonl", root.GetProperty("file").GetString());
        double accuracy = root.GetProperty("accuracy").GetDouble();
        Assert.InRange(accuracy, 0.75, 1.0); // these are easy digits
        var perWriter = root.GetProperty("per_writer").EnumerateArray().ToArray();
        Assert.Equal([1, 2, 5], perWriter.Select(w => w.GetProperty("writer").GetInt32()));
        Assert.Equal([2, 1, 1], perWriter.Select(w => w.GetProperty("count").GetInt32()));
        var worst = root.GetProperty("worst_writer");
        double worstAccuracy = worst.GetProperty("accuracy").GetDouble();
        Assert.Equal(perWriter.Min(w => w.GetProperty("accuracy").GetDouble()), worstAccuracy);
        Assert.Equal(10, root.GetProperty("confusion").GetArrayLength());
        double accepted = root.GetProperty("accepted").GetDouble(), wrong = root.GetProperty("wrong_among_accepted").GetDouble();
        Assert.InRange(accepted, 0.25, 1.0);
        Assert.InRange(wrong, 0, 1);
        // Accepted and right cannot exceed the right ones: accepted·(1 − wrong) ≤ accuracy.
        Assert.True(accepted * (1 - wrong) <= accuracy + 1e-9, $"accepted {accepted}, wrong among them {wrong}, accuracy {accuracy}");
    }

    [Fact]
    public void Writers_restrict_the_digits_and_unknown_writers_are_an_error()
    {
        string file = Fixture();
        var (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "eval", "--model", ShippedModel, "--drawn", file, "--drawn-writers", "2-5", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        Assert.Equal(2, doc.RootElement.GetProperty("count").GetInt32());
        Assert.Equal("2,5", doc.RootElement.GetProperty("writers").GetString());

        (code, _, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "eval", "--model", ShippedModel, "--drawn", file, "--drawn-writers", "21-30");
        Assert.Equal(1, code);
        Assert.Contains("no digits of these writers", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_line_is_reported_with_its_number()
    {
        string path = Path.Combine(_folder, "bad.jsonl");
        File.WriteAllText(path, "{\"label\":1,\"writer\":1,\"strokes\":[[[1,2],[1,9]]]}\n{\"label\":1}\n");
        var (code, _, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "eval", "--model", ShippedModel, "--drawn", path);
        Assert.Equal(1, code);
        Assert.Contains("line 2", stderr, StringComparison.Ordinal);
    }
}
