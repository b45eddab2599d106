using System.Text.Json;

namespace Mnist.Cli.Tests;

/// <summary><c>mnist eval --non-digits</c> and the selective figures of <c>eval --drawn</c>, with the shipped model.</summary>
public sealed class EvalNonDigitsTests
{
    private static string ShippedModel => Path.Combine(MnistCli.RepoRoot, "models", "mnist.onnx");

    [Fact]
    public void Json_names_every_held_out_category_with_its_count_and_accepted_share()
    {
        var (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "eval", "--model", ShippedModel, "--non-digits", "--non-digit-count", "5", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        var rows = doc.RootElement.GetProperty("non_digits").EnumerateArray().ToArray();
        string[] names = [.. rows.Select(r => r.GetProperty("name").GetString()!)];
        Assert.Equal(["A", "E", "H", "M", "W", "star", "heart", "smiley", "hash", "plus", "triangle", "all shapes"], names.Take(12));
        Assert.All(rows.Take(11), r => Assert.Equal(5, r.GetProperty("count").GetInt32()));
        Assert.Equal(55, rows[11].GetProperty("count").GetInt32());
        Assert.All(rows, r => Assert.InRange(r.GetProperty("accepted").GetDouble(), 0, 1));
        double mean = rows.Take(11).Average(r => r.GetProperty("accepted").GetDouble());
        Assert.Equal(mean, rows[11].GetProperty("accepted").GetDouble(), 9);
    }

    [Fact]
    public void Categories_a_run_left_out_of_training_can_be_measured_by_name()
    {
        var (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "eval", "--model", ShippedModel, "--non-digits", "--non-digit-count", "4",
            "--non-digit-categories", "K, pi", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        var rows = doc.RootElement.GetProperty("non_digits").EnumerateArray().ToArray();
        Assert.Equal(["K", "pi", "all shapes"], rows.Take(3).Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(8, rows[2].GetProperty("count").GetInt32());
    }

    [Fact]
    public void Non_digit_options_are_checked()
    {
        // Usage errors: the message may go to either stream.
        var (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "eval", "--model", ShippedModel, "--non-digit-count", "5");
        Assert.NotEqual(0, code);
        Assert.Contains("--non-digit-count needs --non-digits", stdout + stderr, StringComparison.Ordinal);
        (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "train", "--non-digits", "-3", "--out", Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N")));
        Assert.NotEqual(0, code);
        Assert.Contains("--non-digits must be", stdout + stderr, StringComparison.Ordinal);
        (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "train", "--non-digit-pairs", "100", "--out", Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(2, code);
        Assert.Contains("--non-digit-pairs needs --drawn", stdout + stderr, StringComparison.Ordinal);
        (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "train", "--non-digit-collages", "100", "--out", Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(2, code);
        Assert.Contains("--non-digit-collages needs --drawn", stdout + stderr, StringComparison.Ordinal);
        (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "train", "--non-digit-collages", "-1", "--out", Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(2, code);
        Assert.Contains("--non-digit-collages must be 0–1000000", stdout + stderr, StringComparison.Ordinal);
        (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "train", "--non-digits", "100", "--non-digit-categories", "K,H", "--out", Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(2, code);
        Assert.Contains("'H' is a held-out non-digit category", stdout + stderr, StringComparison.Ordinal);
        (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), "eval", "--model", ShippedModel, "--non-digits", "--non-digit-categories", "seven");
        Assert.Equal(2, code);
        Assert.Contains("unknown category 'seven'", stdout + stderr, StringComparison.Ordinal);
    }
}
