using System.Net;
using System.Text;
using System.Text.Json;
using Mnist.Inference;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>The int8 companion (<c>model.int8.onnx</c> beside <c>model.onnx</c>): it answers predictions only when its
/// card says it was quantized from the served float file, unless float is forced; the float file stays the served
/// model (card, download, ETag). Runs on a real Kestrel.</summary>
public class Int8ServingTests
{
    private const int DigitIndex = 3;

    [Fact]
    public async Task MatchingCompanionAnswers_WhileTheFloatFileStaysTheServedModel()
    {
        byte[] floating = TestModels.RandomLenet(11);
        byte[] int8 = TestModels.Int8Of(floating);
        string path = WritePair(floating, int8);
        await using KestrelHost host = await KestrelHost.StartAsync(path);

        JsonElement model = await ModelAsync(host.Client);
        Assert.Equal(Sha(floating), model.GetProperty("sha256").GetString());
        Assert.False(model.GetProperty("card").TryGetProperty("quantized_from", out _)); // the float file's card
        JsonElement inference = model.GetProperty("inference");
        Assert.Equal("int8", inference.GetProperty("precision").GetString());
        Assert.Equal("model.int8.onnx", inference.GetProperty("file").GetString());
        Assert.Equal(Sha(int8), inference.GetProperty("sha256").GetString());
        Assert.StartsWith("int8", inference.GetProperty("quantization").GetString(), StringComparison.Ordinal);

        // The probabilities are the int8 file's, not the float file's.
        float[] answered = await PredictAsync(host.Client, "int8");
        float[] fromInt8 = Run(int8), fromFloat = Run(floating);
        Assert.True(MaxDiff(fromInt8, fromFloat) > 1e-5f, "the test model's int8 and float outputs should differ");
        Assert.True(MaxDiff(answered, fromInt8) < 1e-6f, $"answer differs from the int8 file by {MaxDiff(answered, fromInt8)}");

        Assert.Contains("precision=\"int8\"", await host.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
        using HttpResponseMessage download = await host.Client.GetAsync("/v1/models/current.onnx");
        Assert.Equal(floating, await download.Content.ReadAsByteArrayAsync());

        // The web app downloads the companion itself, brotli-compressed when asked, each form with its own ETag.
        using HttpResponseMessage plain = await host.Client.GetAsync("/v1/models/current.int8.onnx");
        Assert.Equal(int8, await plain.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{Sha(int8)}\"", plain.Headers.ETag!.Tag);
        using var compressedRequest = new HttpRequestMessage(HttpMethod.Get, "/v1/models/current.int8.onnx");
        compressedRequest.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        using HttpResponseMessage compressed = await host.Client.SendAsync(compressedRequest);
        Assert.Equal("br", Assert.Single(compressed.Content.Headers.ContentEncoding));
        byte[] body = await compressed.Content.ReadAsByteArrayAsync();
        Assert.True(body.Length < int8.Length, $"brotli {body.Length} bytes, file {int8.Length}");
        using (var decoder = new System.IO.Compression.BrotliStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress))
        using (var decoded = new MemoryStream())
        {
            decoder.CopyTo(decoded);
            Assert.Equal(int8, decoded.ToArray());
        }
        using var again = new HttpRequestMessage(HttpMethod.Get, "/v1/models/current.int8.onnx");
        again.Headers.AcceptEncoding.ParseAdd("br");
        again.Headers.IfNoneMatch.Add(compressed.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await host.Client.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task CompanionOfAnotherModelIsIgnored()
    {
        byte[] floating = TestModels.RandomLenet(12);
        string path = WritePair(floating, TestModels.Int8Of(TestModels.RandomLenet(13)));
        await using KestrelHost host = await KestrelHost.StartAsync(path);

        JsonElement inference = (await ModelAsync(host.Client)).GetProperty("inference");
        Assert.Equal("float", inference.GetProperty("precision").GetString());
        Assert.Equal(Sha(floating), inference.GetProperty("sha256").GetString());
        Assert.Contains("another model", inference.GetProperty("reason").GetString(), StringComparison.Ordinal);
        float[] answered = await PredictAsync(host.Client, "float");
        Assert.True(MaxDiff(answered, Run(floating)) < 1e-6f);
        // No int8 download either: the web app then runs the float model, as the server does.
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/v1/models/current.int8.onnx")).StatusCode);
    }

    [Fact]
    public async Task PrecisionFloatIgnoresAMatchingCompanion()
    {
        byte[] floating = TestModels.RandomLenet(14);
        string path = WritePair(floating, TestModels.Int8Of(floating));
        await using KestrelHost host = await KestrelHost.StartAsync(path, "--precision", "float");

        Assert.Equal("float", (await ModelAsync(host.Client)).GetProperty("inference").GetProperty("precision").GetString());
        float[] answered = await PredictAsync(host.Client, "float");
        Assert.True(MaxDiff(answered, Run(floating)) < 1e-6f);
    }

    [Fact]
    public async Task PrecisionInt8WithoutACompanionServesNothing()
    {
        string path = TestModels.PrivateFile(TestModels.RandomLenet(15));
        await using KestrelHost host = await KestrelHost.StartAsync(path, "--precision", "int8");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.GetAsync("/readyz")).StatusCode);
        JsonElement problem = await HttpAssert.ProblemAsync(await host.Client.GetAsync("/v1/model"), HttpStatusCode.ServiceUnavailable);
        Assert.Contains("model.int8.onnx", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplacingTheFloatFileFallsBackToFloat_UntilItsOwnCompanionArrives()
    {
        byte[] first = TestModels.RandomLenet(16);
        string path = WritePair(first, TestModels.Int8Of(first));
        await using KestrelHost host = await KestrelHost.StartAsync(path);
        Assert.Equal("int8", await PrecisionAsync(host.Client));

        // A new float file: the old companion was quantized from the old one, so predictions run on the new float file.
        byte[] second = TestModels.RandomLenet(17);
        TestModels.AtomicReplace(path, second);
        await Eventually.WaitForAsync(async () => (await ModelAsync(host.Client)).GetProperty("sha256").GetString() == Sha(second), "the new float file");
        Assert.Equal("float", await PrecisionAsync(host.Client));
        Assert.True(MaxDiff(await PredictAsync(host.Client, "float"), Run(second)) < 1e-6f);

        // Its own companion arrives: int8 again.
        byte[] secondInt8 = TestModels.Int8Of(second);
        TestModels.AtomicReplace(Path.Combine(Path.GetDirectoryName(path)!, "model.int8.onnx"), secondInt8);
        await Eventually.WaitForAsync(async () => await PrecisionAsync(host.Client) == "int8", "the new companion");
        Assert.True(MaxDiff(await PredictAsync(host.Client, "int8"), Run(secondInt8)) < 1e-6f);
    }

    private static string WritePair(byte[] floating, byte[] int8)
    {
        string path = TestModels.PrivateFile(floating);
        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(path)!, "model.int8.onnx"), int8);
        return path;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    private static async Task<JsonElement> ModelAsync(HttpClient client) => await HttpAssert.JsonAsync(await client.GetAsync("/v1/model"));

    private static async Task<string?> PrecisionAsync(HttpClient client) =>
        (await ModelAsync(client)).GetProperty("inference").GetProperty("precision").GetString();

    /// <summary>Posts the test digit as pixels and returns the probabilities, checking the answer's precision field.</summary>
    private static async Task<float[]> PredictAsync(HttpClient client, string precision)
    {
        using var content = new StringContent(TestImages.PixelsJson(DigitIndex), Encoding.UTF8, "application/json");
        JsonElement r = await HttpAssert.JsonAsync(await client.PostAsync("/v1/predict", content));
        Assert.Equal(precision, r.GetProperty("precision").GetString());
        return [.. r.GetProperty("probabilities").EnumerateArray().Select(e => e.GetSingle())];
    }

    /// <summary>The test digit through ONNX Runtime directly.</summary>
    private static float[] Run(byte[] model)
    {
        using OnnxDigitClassifier classifier = OnnxDigitClassifier.Load(model);
        float[] x = [.. TestImages.Digit(DigitIndex).Select(b => b / 255f)];
        var y = new float[10];
        classifier.ClassifyBatch(x, 1, y);
        return y;
    }

    private static float MaxDiff(float[] a, float[] b) => a.Zip(b, (p, q) => MathF.Abs(p - q)).Max();
}
