using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Mnist.Cli.Tests;

/// <summary>
/// The command-line contract of every command: strict parsing with "did you mean", the exit codes (0 ok, 1 failure,
/// 2 usage) and the error style (<c>error: …</c>, then what to do next; no exception names, no stack traces).
/// </summary>
public class CommandLineTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(1);

    private static string Models => Path.Combine(MnistCli.RepoRoot, "models");

    private static string ShippedOnnx => Path.Combine(Models, "mnist.onnx");

    private static string ShippedTfLite => Path.Combine(Models, "mnist.tflite");

    /// <summary>Asserts the one error style: the first stderr line is <c>error: …</c>, a hint follows, and nothing of
    /// .NET shows (type names, stack frames); returns the error line.</summary>
    private static string AssertErrorStyle(string stderr)
    {
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length is >= 1 and <= 3, "expected an error line and a hint, got:\n" + stderr);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex(@"^\s*at \S+\(", RegexOptions.Multiline), stderr);
        Assert.DoesNotContain("`1", stderr, StringComparison.Ordinal);
        return lines[0];
    }

    [Theory]
    [InlineData("--arhc", "--arch", "train")]
    [InlineData("--epoch", "--epochs", "train")]
    [InlineData("--modle", "--model", "predict", "x.png")]
    [InlineData("--jsno", "--json", "predict", "x.png")]
    [InlineData("--modle", "--model", "read", "x.png")]
    [InlineData("--jsno", "--json", "eval", "--model", "m.onnx")]
    [InlineData("--fromat", "--format", "export")]
    [InlineData("--datset", "--dataset", "data")]
    [InlineData("--precison", "--precision", "serve")]
    [InlineData("--arhc", "--arch", "bench", "engine")]
    public void An_unknown_option_is_a_usage_error_that_suggests_the_nearest_option(string typo, string meant, params string[] command)
    {
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, [.. command, typo, "x"]);
        Assert.True(code == 2, $"exit {code}; stderr: {stderr}");
        string error = AssertErrorStyle(stderr);
        Assert.Contains($"unknown option '{typo}'", error, StringComparison.Ordinal);
        Assert.Contains($"did you mean '{meant}'?", error, StringComparison.Ordinal);
        Assert.Contains("--help", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout.Trim());
    }

    [Fact]
    public void An_unknown_command_suggests_the_nearest_command()
    {
        var (code, _, stderr) = MnistCli.Run(s_timeout, "trian", "--arch", "seed");
        Assert.Equal(2, code);
        Assert.Contains("did you mean 'train'?", AssertErrorStyle(stderr), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--epochs two", "--epochs expects a whole number, not 'two'")]
    [InlineData("--epochs=two", "--epochs expects a whole number, not 'two'")]
    [InlineData("--epochs 0", "--epochs must be at least 1")]
    [InlineData("--arch fats", "unknown recipe 'fats'")]
    [InlineData("--arch", "--arch needs a value")]
    [InlineData("--seed -3", "--seed expects a whole number ≥ 0, not '-3'")]
    public void Bad_train_values_are_usage_errors_in_the_commands_terms(string args, string expected)
    {
        var (code, _, stderr) = MnistCli.Run(s_timeout, ["train", .. args.Split(' ')]);
        Assert.True(code == 2, $"exit {code}; stderr: {stderr}");
        Assert.Contains(expected, AssertErrorStyle(stderr), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("predict")]
    [InlineData("read")]
    [InlineData("eval")]
    [InlineData("export", "--model", "m.onnx")]
    [InlineData("serve", "--engine", "tensorflow")]
    [InlineData("serve", "--precision", "double")]
    [InlineData("serve", "--threads", "0")]
    [InlineData("bench", "engine", "--arch", "resnet")]
    [InlineData("data", "--dataset", "cifar")]
    [InlineData("data", "--mirror", "ftp://example.org/")]
    public void Missing_or_invalid_arguments_exit_2(params string[] args)
    {
        var (code, _, stderr) = MnistCli.Run(s_timeout, args);
        Assert.True(code == 2, $"mnist {string.Join(' ', args)}: exit {code}; stderr: {stderr}");
        AssertErrorStyle(stderr);
    }

    [Theory]
    [InlineData]
    [InlineData("bench")]
    public void An_incomplete_command_line_shows_the_commands_and_exits_2(params string[] args)
    {
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, args);
        Assert.Equal(2, code);
        Assert.Contains("COMMANDS", stdout, StringComparison.Ordinal);
        AssertErrorStyle(stderr);
    }

    [Fact]
    public void Version_prints_the_version_and_exits_0()
    {
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "--version");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout.Trim());
    }

    [Theory]
    [InlineData("data")]
    [InlineData("train")]
    [InlineData("eval")]
    [InlineData("export")]
    [InlineData("predict")]
    [InlineData("read")]
    [InlineData("serve")]
    [InlineData("bench", "engine")]
    public void Help_of_every_command_exits_0(params string[] command)
    {
        var (code, stdout, _) = MnistCli.Run(s_timeout, [.. command, "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("USAGE", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_help_documents_the_jsonl_format()
    {
        var (_, stdout, _) = MnistCli.Run(s_timeout, "predict", "--help");
        string flat = Regex.Replace(stdout, @"\s+", " ");
        Assert.Contains(".jsonl", flat, StringComparison.Ordinal);
        Assert.Contains("\"strokes\"", flat, StringComparison.Ordinal);
        Assert.Contains("\"label\"", flat, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("predict", "--model", "{models}", "x.png")]
    [InlineData("read", "--model", "{models}", "x.png")]
    [InlineData("eval", "--model", "{models}")]
    [InlineData("export", "--model", "{models}", "--out", "{tmp}/x.onnx")]
    [InlineData("serve", "--model", "{models}")]
    public void A_folder_given_as_a_model_is_named_as_a_folder(params string[] args)
    {
        using var tmp = new TempDir();
        var (code, _, stderr) = MnistCli.Run(s_timeout, [.. args.Select(a => a.Replace("{models}", Models, StringComparison.Ordinal).Replace("{tmp}", tmp.Path, StringComparison.Ordinal))]);
        Assert.True(code == 1, $"exit {code}; stderr: {stderr}");
        Assert.Contains("is a folder; --model needs a file", AssertErrorStyle(stderr), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("predict", "--model", "{tflite}", "x.png")]
    [InlineData("read", "--model", "{tflite}", "x.png")]
    [InlineData("eval", "--model", "{tflite}")]
    [InlineData("export", "--model", "{tflite}", "--out", "{tmp}/x.onnx")]
    [InlineData("serve", "--model", "{tflite}")]
    public void A_tflite_file_given_as_onnx_is_named_as_tflite(params string[] args)
    {
        using var tmp = new TempDir();
        var (code, _, stderr) = MnistCli.Run(s_timeout, [.. args.Select(a => a.Replace("{tflite}", ShippedTfLite, StringComparison.Ordinal).Replace("{tmp}", tmp.Path, StringComparison.Ordinal))]);
        Assert.True(code == 1, $"exit {code}; stderr: {stderr}");
        Assert.Contains("is a TFLite model", AssertErrorStyle(stderr), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(tmp.Path, "x.onnx")));
    }

    [Fact]
    public void Export_to_a_folder_is_refused_and_the_format_is_inferred_from_the_out_extension()
    {
        using var tmp = new TempDir();
        var (code, _, stderr) = MnistCli.Run(s_timeout, "export", "--model", ShippedOnnx, "--format", "onnx", "--out", tmp.Path);
        Assert.True(code == 2, $"exit {code}; stderr: {stderr}");
        Assert.Contains("is a folder", AssertErrorStyle(stderr), StringComparison.Ordinal);

        (code, _, stderr) = MnistCli.Run(s_timeout, "export", "--model", ShippedOnnx, "--out", tmp.File("model.bin"));
        Assert.Equal(2, code);
        Assert.Contains("cannot tell the format", AssertErrorStyle(stderr), StringComparison.Ordinal);

        string tflite = tmp.File("model.tflite");
        (code, _, stderr) = MnistCli.Run(s_timeout, "export", "--model", ShippedOnnx, "--out", tflite);
        Assert.True(code == 0, stderr);
        Assert.Equal("TFL3"u8.ToArray(), File.ReadAllBytes(tflite)[4..8]);
    }

    [Fact]
    public void A_model_that_does_not_load_fails_with_exit_1_in_predict_and_serve()
    {
        using var tmp = new TempDir();
        string broken = tmp.File("broken.onnx");
        File.WriteAllBytes(broken, [0x08, 0x07, 0x12, 0x00, 0xFF, 0xFF]);
        foreach (string[] args in new[] { new[] { "predict", "--model", broken, "x.png" }, ["serve", "--model", broken, "--urls", "http://127.0.0.1:0"] })
        {
            var (code, _, stderr) = MnistCli.Run(s_timeout, args);
            Assert.True(code == 1, $"mnist {args[0]}: exit {code}; stderr: {stderr}");
            Assert.Contains("cannot load model", AssertErrorStyle(stderr), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Serve_on_a_busy_port_says_so_in_two_lines()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var (code, _, stderr) = MnistCli.Run(s_timeout, "serve", "--urls", $"http://127.0.0.1:{port}");
        Assert.True(code == 1, $"exit {code}; stderr: {stderr}");
        string error = AssertErrorStyle(stderr);
        Assert.Contains("address already in use", error, StringComparison.Ordinal);
        Assert.Contains("--urls", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_accepts_the_server_options_and_passes_them_on()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var server = MnistCli.Start(s_timeout, "serve", "--urls", $"http://127.0.0.1:{port}", "--precision", "float",
            "--threads", "1", "--max-batch", "8", "--max-delay-us", "0", "--workers", "1");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
        string? model = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(40); model is null && DateTime.UtcNow < deadline && !server.Process.HasExited;)
        {
            try
            {
                model = await http.GetStringAsync(new Uri("v1/model", UriKind.Relative));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(250);
            }
        }
        Assert.True(model is not null, "the server did not answer; stderr: " + server.StdErr);
        using var card = System.Text.Json.JsonDocument.Parse(model);
        // --precision float: the int8 companion beside models/mnist.onnx is not used.
        Assert.Equal("float", card.RootElement.GetProperty("inference").GetProperty("precision").GetString());

        // SIGTERM is how a server is stopped: a graceful shutdown, exit 0.
        if (OperatingSystem.IsWindows()) return;
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", server.Process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        server.Process.StandardOutput.ReadToEnd();
        int code = server.WaitForExit();
        Assert.True(code == 0, $"exit {code} after SIGTERM; stderr: {server.StdErr}");
    }

    [Fact]
    public void Train_without_data_says_how_to_fetch_it_and_leaves_no_run_folder()
    {
        using var tmp = new TempDir();
        string run = tmp.File("run");
        var (code, _, stderr) = MnistCli.Run(s_timeout, "train", "--arch", "seed", "--data", tmp.File("no-data"), "--out", run);
        Assert.True(code == 1, $"exit {code}; stderr: {stderr}");
        AssertErrorStyle(stderr);
        Assert.Contains("mnist data", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run), "a failed start left the run folder behind");
    }

    [Fact]
    public void Data_without_a_network_says_how_to_use_local_files()
    {
        using var tmp = new TempDir();
        // Every download goes through a proxy that refuses connections: offline, deterministically.
        var offline = new Dictionary<string, string> { ["HTTPS_PROXY"] = "http://127.0.0.1:9", ["HTTP_PROXY"] = "http://127.0.0.1:9", ["NO_PROXY"] = "" };
        var (code, _, stderr) = MnistCli.Run(s_timeout, offline, "data", "--data", tmp.Path);
        Assert.True(code == 1, $"exit {code}; stderr: {stderr}");
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains("Offline?", stderr, StringComparison.Ordinal);
        Assert.Contains("--data DIR", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Sigterm_stops_predict_with_exit_130()
    {
        if (OperatingSystem.IsWindows()) return; // POSIX signals
        using var tmp = new TempDir();
        string file = tmp.File("many.jsonl");
        // Long enough (tens of seconds) that the signal arrives while lines are still being predicted.
        File.WriteAllLines(file, Enumerable.Repeat("""{"strokes":[[[50,10],[50,30],[50,50],[50,70],[50,90]]]}""", 100_000));
        using var p = MnistCli.Start(s_timeout, "predict", "--json", file);
        Assert.NotNull(p.ReadLine());
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", p.Process.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
        p.Process.StandardOutput.ReadToEnd();
        int code = p.WaitForExit();
        Assert.True(code == 130, $"exit {code}; stderr: {p.StdErr}");
        Assert.Contains("interrupted", p.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_and_bench_succeed_with_exit_0()
    {
        using var tmp = new TempDir();
        string file = tmp.File("number.jsonl");
        File.WriteAllLines(file, ["""{"strokes":[[[50,10],[50,90]],[[100,10],[130,10],[115,50],[100,90]]]}"""]);
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "read", "--json", file);
        Assert.True(code == 0, stderr);
        using (var line = System.Text.Json.JsonDocument.Parse(stdout.Trim()))
            Assert.Equal(System.Text.Json.JsonValueKind.String, line.RootElement.GetProperty("number").ValueKind);

        (code, stdout, stderr) = MnistCli.Run(s_timeout, "bench", "engine", "--arch", "seed", "--seconds", "0.2", "--threads", "1", "--json");
        Assert.True(code == 0, stderr);
        using var bench = System.Text.Json.JsonDocument.Parse(stdout.Trim());
        Assert.Equal("seed", bench.RootElement.GetProperty("arch").GetString());
    }

    [Fact]
    public void Predict_of_a_missing_image_or_a_folder_exits_1_and_names_the_problem()
    {
        using var tmp = new TempDir();
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "predict", "--json", "does-not-exist.png", tmp.Path);
        Assert.True(code == 1, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"error\":\"file not found\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("a folder, not an image file", lines[1], StringComparison.Ordinal);
    }
}

/// <summary>Commands that need the MNIST files.</summary>
public class CommandLineDataTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void Eval_scores_the_shipped_int8_model_with_onnx_runtime()
    {
        string int8 = Path.Combine(MnistCli.RepoRoot, "models", "mnist.int8.onnx");
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "eval", "--model", int8, "--data", MnistCli.MnistFolder(), "--json");
        Assert.True(code == 0, stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(10_000, doc.RootElement.GetProperty("count").GetInt32());
        Assert.InRange(doc.RootElement.GetProperty("accuracy").GetDouble(), 0.99, 1.0);
    }

    [Fact]
    public void Data_counts_samples_not_files()
    {
        var (code, stdout, stderr) = MnistCli.Run(s_timeout, "data", "--data", MnistCli.MnistFolder());
        Assert.True(code == 0, stderr);
        // 60,000 training + 10,000 test images; each has an image and a label entry, which must not be counted twice.
        Assert.Contains("(70,000 samples)", stdout, StringComparison.Ordinal);
    }
}
