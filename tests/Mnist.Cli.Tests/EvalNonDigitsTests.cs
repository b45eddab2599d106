using System.Globalization;
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
        // Which digits the accepted ones were read as: digit keys whose counts add up to the accepted ones.
        foreach (var r in rows)
        {
            var readAs = r.GetProperty("read_as").EnumerateObject().ToArray();
            Assert.All(readAs, d => Assert.InRange(int.Parse(d.Name, CultureInfo.InvariantCulture), 0, 9));
            Assert.Equal(r.GetProperty("accepted").GetDouble() * r.GetProperty("count").GetInt32(), readAs.Sum(d => d.Value.GetInt32()), 6);
        }
        var all = rows[11].GetProperty("read_as").EnumerateObject().ToDictionary(d => d.Name, d => d.Value.GetInt32());
        var summed = rows.Take(11).SelectMany(r => r.GetProperty("read_as").EnumerateObject()).GroupBy(d => d.Name).ToDictionary(g => g.Key, g => g.Sum(d => d.Value.GetInt32()));
        Assert.Equal(summed.OrderBy(x => x.Key), all.OrderBy(x => x.Key));
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

    [Theory]
    [InlineData("--non-digit-count needs --non-digits", "eval", "--model", "SHIPPED", "--non-digit-count", "5")]
    [InlineData("--non-digits must be", "train", "--non-digits", "-3")]
    [InlineData("--non-digit-pairs needs --drawn", "train", "--non-digit-pairs", "100")]
    [InlineData("--non-digit-collages needs --drawn", "train", "--non-digit-collages", "100")]
    [InlineData("--non-digit-collages must be 0–1000000", "train", "--non-digit-collages", "-1")]
    [InlineData("--non-digit-turned needs --drawn", "train", "--non-digit-turned", "100")]
    [InlineData("--non-digit-turned must be 0–1000000", "train", "--non-digit-turned", "-1")]
    [InlineData("--non-digit-mining must be 1–16", "train", "--non-digits", "100", "--non-digit-mining", "0")]
    [InlineData("--non-digit-mining must be 1–16", "train", "--non-digits", "100", "--non-digit-mining", "17")]
    [InlineData("--non-digit-mining needs non-digits to mine", "train", "--non-digit-mining", "4")]
    [InlineData("'H' is a held-out non-digit category", "train", "--non-digits", "100", "--non-digit-categories", "K,H")]
    [InlineData("unknown category 'seven'", "eval", "--model", "SHIPPED", "--non-digits", "--non-digit-categories", "seven")]
    public void Non_digit_options_are_checked(string message, params string[] args)
    {
        // A usage error (exit 2) whose message may go to either stream; a train run that got past it would write --out.
        string[] command = [.. args.Select(a => a == "SHIPPED" ? ShippedModel : a),
            .. args[0] == "train" ? ["--out", Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N"))] : Array.Empty<string>()];
        var (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2), command);
        Assert.Equal(2, code);
        Assert.Contains(message, stdout + stderr, StringComparison.Ordinal);
    }
}
