using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mnist.Engine.Formats;

namespace Mnist.Cli.Tests;

/// <summary>
/// <c>mnist export --unseen-writers FOLDS --drawn FILE</c>: tiny folds trained with <c>--drawn-writers</c> on a two-writer
/// fixture, the figures the card records against what <c>mnist eval --drawn --drawn-writers</c> prints for each fold, and
/// the refusals. One class fixture trains the three models once (a few seconds each).
/// </summary>
public sealed class ExportUnseenWritersTests : IClassFixture<ExportUnseenWritersTests.Folds>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);
    private readonly Folds _folds;

    public ExportUnseenWritersTests(Folds folds) => _folds = folds;

    /// <summary>A drawn-digit fixture of writers 1 and 2; a model trained on both ("shipped") and one fold leaving out each.</summary>
    public sealed class Folds : IDisposable
    {
        private readonly TempDir _dir = new();

        public Folds()
        {
            Drawn = _dir.File("drawn.jsonl");
            System.IO.File.WriteAllLines(Drawn,
            [
                """{"label":1,"writer":1,"strokes":[[[50,10],[50,30],[50,50],[50,70],[50,90]]]}""",
                """{"label":7,"writer":1,"strokes":[[[10,10],[40,10],[70,10],[60,40],[50,70],[40,100]]]}""",
                """{"label":0,"writer":1,"strokes":[[[50,10],[80,30],[85,60],[70,90],[50,100],[30,90],[15,60],[20,30],[50,10]]]}""",
                """{"label":1,"writer":2,"strokes":[[[30,5],[31,40],[32,80],[33,120]]]}""",
                """{"label":7,"writer":2,"strokes":[[[5,20],[60,15],[45,60],[35,110]]]}""",
            ]);
            Shipped = Train("all", []);
            // The folds' commands are written differently from the model's where a card must still see one recipe:
            // an --out name with a space (quoted on the card) and --drawn-writers=N.
            LeavesOut1 = Train("fold a", ["--drawn-writers", "2"]);
            LeavesOut2 = Train("fold-b", ["--drawn-writers=1"]);
        }

        public string Drawn { get; }

        public string Shipped { get; }

        public string LeavesOut1 { get; }

        public string LeavesOut2 { get; }

        public string File(string name) => _dir.File(name);

        private string Train(string name, string[] writers)
        {
            string outDir = _dir.File(name);
            string[] args = ["train", "--arch", "lenet", "--epochs", "1", "--limit", "200", "--test-limit", "100", "--seed", "3",
                "--data", MnistCli.MnistFolder(), "--drawn", Drawn, "--out", outDir, "--json"];
            args = [.. args, .. writers];
            var (code, _, stderr) = MnistCli.Run(s_timeout, args);
            Assert.True(code == 0, stderr);
            return Path.Combine(outDir, "model.onnx");
        }

        public void Dispose() => _dir.Dispose();
    }

    private static (double Accuracy, int Count) Eval(string model, string drawn, string writers)
    {
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "eval", "--model", model, "--drawn", drawn, "--drawn-writers", writers, "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        return (doc.RootElement.GetProperty("accuracy").GetDouble(), doc.RootElement.GetProperty("count").GetInt32());
    }

    [Fact]
    public void The_card_records_each_folds_figure_on_its_unseen_writers_as_eval_prints_it()
    {
        string output = _folds.File("out.onnx");
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "export", "--model", _folds.Shipped, "--out", output,
            "--unseen-writers", _folds.LeavesOut1 + "," + _folds.LeavesOut2, "--drawn", _folds.Drawn, "--card", _folds.File("out.json"));
        Assert.True(code == 0, stderr + stdout);
        Assert.DoesNotContain("note:", stdout, StringComparison.Ordinal); // the folds' commands differ from the model's only in --drawn-writers and --out

        var shippedCard = OnnxImporter.Load(_folds.Shipped).Card!;
        var card = OnnxImporter.Load(output).Card!;
        string line = card.UnseenWriters!;
        Assert.StartsWith("leave-writers-out on drawn.jsonl: ", line, StringComparison.Ordinal);
        Assert.Contains("each fold trained by the command of this card with --drawn-writers leaving its writers out", line, StringComparison.Ordinal);
        Assert.Equal(shippedCard, card with { UnseenWriters = null }); // the rest of the card is the model's own
        Assert.Equal(card, ModelCard.Load(_folds.File("out.json"))); // --card: the file's own card as JSON

        var ic = CultureInfo.InvariantCulture;
        var (a, aCount) = Eval(_folds.LeavesOut1, _folds.Drawn, "1");
        var (b, bCount) = Eval(_folds.LeavesOut2, _folds.Drawn, "2");
        Assert.Equal((3, 2), (aCount, bCount));
        int aCorrect = (int)Math.Round(a * aCount), bCorrect = (int)Math.Round(b * bCount);
        Assert.Contains(string.Create(ic, $"writers 1 {a * 100:F2} % ({aCorrect} of 3; fold trained on 2), "), line, StringComparison.Ordinal);
        Assert.Contains(string.Create(ic, $"writers 2 {b * 100:F2} % ({bCorrect} of 2; fold trained on 1); "), line, StringComparison.Ordinal);
        Assert.Contains(string.Create(ic, $"; all 2 writers {(aCorrect + bCorrect) * 100.0 / 5:F2} % ({aCorrect + bCorrect} of 5 digits), worst writer "), line, StringComparison.Ordinal);

        // The int8 companion of the new file names it by its own hash, and does not carry the float model's fold figures.
        string int8 = _folds.File("out.int8.onnx");
        (code, _, stderr) = MnistCli.Run(s_timeout, "export", "--model", output, "--int8", "--out", int8, "--calibration", "50",
            "--data", MnistCli.MnistFolder(), "--card", _folds.File("out.int8.json"));
        Assert.True(code == 0, stderr);
        var int8Card = ModelCard.FromMetadata(Engine.Formats.Onnx.OnnxModel.Load(int8).MetadataProps.ToDictionary(e => e.Key, e => e.Value))!;
        Assert.Equal(int8Card, ModelCard.Load(_folds.File("out.int8.json")));
        Assert.NotNull(int8Card.Quantization);
        Assert.Equal($"out.onnx sha256:{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(output)))}", int8Card.QuantizedFrom);
        Assert.Null(int8Card.UnseenWriters);
        Assert.Equal(card.TrainingData, int8Card.TrainingData);
    }

    /// <summary>Runs <c>export --unseen-writers</c> and asserts it is refused (exit 1) with every one of
    /// <paramref name="expected"/> in stderr and no <paramref name="output"/> written.</summary>
    private static void AssertRefused(string model, string folds, string drawn, string output, params string[] expected)
    {
        var (code, _, stderr) = MnistCli.Run(s_timeout, "export", "--model", model, "--out", output, "--unseen-writers", folds, "--drawn", drawn);
        Assert.True(code == 1, $"exit {code}\n{stderr}");
        foreach (string e in expected) Assert.Contains(e, stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    /// <summary>fold-a's network saved under <paramref name="name"/> with its card changed by <paramref name="change"/>.</summary>
    private string FoldWithCard(string name, Func<ModelCard, ModelCard> change)
    {
        var imported = OnnxImporter.Load(_folds.LeavesOut1);
        string path = _folds.File(name);
        OnnxExporter.Save(imported.Model, change(imported.Card!), path);
        return path;
    }

    [Fact]
    public void A_fold_trained_by_another_recipe_is_named_in_a_note()
    {
        string fold = FoldWithCard("seed-4.onnx", c => c with { CommandLine = c.CommandLine!.Replace("--seed 3", "--seed 4", StringComparison.Ordinal) });
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "export", "--model", _folds.Shipped, "--out", _folds.File("noted.onnx"),
            "--unseen-writers", fold + "," + _folds.LeavesOut2, "--drawn", _folds.Drawn);
        Assert.True(code == 0, stderr + stdout);
        string text = Regex.Replace(stdout, @"\s+", " "); // as wrapped to any width
        Assert.Contains("note:", text, StringComparison.Ordinal);
        Assert.Contains("--seed 4", text, StringComparison.Ordinal);
        Assert.Contains("more differs than the writers", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Folds_that_leave_out_the_same_writers_are_refused() =>
        AssertRefused(_folds.Shipped, _folds.LeavesOut1 + "," + _folds.LeavesOut1, _folds.Drawn, _folds.File("overlap.onnx"),
            "both leave out writers 1");

    [Fact]
    public void A_fold_without_drawn_training_data_is_refused()
    {
        // fold-a's network with a card that names no drawn digits, as a model trained without --drawn has.
        string plain = FoldWithCard("plain.onnx", card => card with { TrainingData = null }), output = _folds.File("plain-out.onnx");
        AssertRefused(_folds.Shipped, plain + "," + _folds.LeavesOut2, _folds.Drawn, output,
            "plain.onnx's model card records no drawn training digits");

        string damaged = _folds.File("damaged.onnx");
        File.WriteAllBytes(damaged, [0x08, 0x07, 0xFF, 0xFF, 0xFF]);
        AssertRefused(_folds.Shipped, damaged, _folds.Drawn, output, "--unseen-writers: cannot read", "damaged.onnx");

        // The same card on the model itself: its folds' figures would describe another way of training.
        AssertRefused(plain, _folds.LeavesOut1 + "," + _folds.LeavesOut2, _folds.Drawn, output,
            "the model's card records no training on drawn digits from drawn.jsonl");
    }

    [Fact]
    public void A_drawn_file_of_another_name_or_a_fold_that_saw_every_writer_is_refused()
    {
        string other = _folds.File("other.jsonl"), output = _folds.File("other-out.onnx");
        File.Copy(_folds.Drawn, other, overwrite: true);
        AssertRefused(_folds.Shipped, _folds.LeavesOut1, other, output,
            "the model's card records no training on drawn digits from other.jsonl (it names drawn.jsonl)");

        // A fold whose card names another file than --drawn.
        string renamed = FoldWithCard("renamed.onnx", card => card with
        {
            TrainingData = card.TrainingData!.Replace("drawn digits: drawn.jsonl", "drawn digits: other.jsonl", StringComparison.Ordinal),
        });
        AssertRefused(_folds.Shipped, renamed, _folds.Drawn, output, "from other.jsonl, not drawn.jsonl");

        AssertRefused(_folds.Shipped, _folds.Shipped, _folds.Drawn, output, "covers every writer of drawn.jsonl");
    }

    [Theory]
    [InlineData("out.txt")]
    [InlineData("card-is-out.json")]
    public void A_card_that_is_not_json_or_is_the_output_is_a_usage_error(string card)
    {
        string output = _folds.File(card == "out.txt" ? "y.onnx" : card);
        var (code, _, stderr) = MnistCli.Run(s_timeout, "export", "--model", _folds.Shipped, "--out", output, "--format", "onnx", "--card", _folds.File(card));
        Assert.Equal(2, code);
        Assert.Contains("--card", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("--int8")]
    [InlineData("--format", "tflite")]
    public void Unseen_writers_are_for_the_float_onnx_re_export_only(params string[] extra)
    {
        var (code, _, stderr) = MnistCli.Run(s_timeout, ["export", "--model", _folds.Shipped, "--out", _folds.File("x.onnx"),
            "--unseen-writers", _folds.LeavesOut1, "--drawn", _folds.Drawn, .. extra]);
        Assert.Equal(2, code);
        Assert.Contains("--unseen-writers", stderr, StringComparison.Ordinal);
    }
}
