using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mnist.Engine.Formats.Onnx;
using Mnist.Server.Api;
using Mnist.Server.Hosting;
using Mnist.Server.Serving;
using Mnist.Server.Tests.TestSupport;
using Mnist.Testing;

namespace Mnist.Server.Tests;

/// <summary>The rows of issue 18 against the server: each crafted request or file costs little and gets a clear answer.</summary>
[Collection(TrainedServerCollection.Name)]
public class HardeningTests(TrainedServerFixture server)
{
    [Fact]
    public async Task A_small_png_declaring_40_megapixels_is_refused_from_its_header()
    {
        byte[] png = OneBitPng(8192, 4882);
        Assert.True(png.Length < 16 * 1024, $"{png.Length} bytes");
        using var content = new ByteArrayContent(png);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var clock = Stopwatch.StartNew();
        HttpResponseMessage r = await server.Client.PostAsync("/v1/predict", content);
        clock.Stop();
        // Before: 200 after 671 ms and ~160 MB of native memory per request.
        await HttpAssert.ProblemAsync(r, HttpStatusCode.RequestEntityTooLarge);
        Assert.True(clock.ElapsedMilliseconds < 300, $"{clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Image_decodes_run_at_most_the_configured_number_at_once()
    {
        using var factory = new MnistServerFactory(TestModels.PrivateFile(TestModels.RandomLenet(5)), new Dictionary<string, string?>
        {
            ["Mnist:Limits:MaxConcurrentDecodes"] = "1",
        });
        using HttpClient client = factory.CreateClient();
        byte[] png = TestImages.Photo(1);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var content = new ByteArrayContent(png);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            (await client.PostAsync("/v1/predict", content)).EnsureSuccessStatusCode();
        }));
        Assert.Equal(1, factory.Services.GetRequiredService<PredictionService>().PeakConcurrentDecodes);
    }

    [Fact]
    public async Task A_body_declaring_10_MB_and_sending_1_byte_holds_a_small_buffer()
    {
        // 32 such uploads held +315 MB when the buffer was sized from Content-Length.
        long before = GC.GetAllocatedBytesForCurrentThread();
        using RequestBody body = await RequestBody.ReadAsync(new MemoryStream([42]), 10 << 20, CancellationToken.None, sizeHint: 10 << 20);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1, body.Length);
        Assert.True(allocated < 512 * 1024, $"allocated {allocated:N0} bytes for a 1-byte body");
    }

    [Fact]
    public async Task An_uploaded_file_name_with_markup_is_escaped_and_never_sniffed()
    {
        const string name = "<img src=x onerror=alert(1)>.png";
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(TestImages.Png(0));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "mnist_image", name);
        HttpResponseMessage r = await server.Client.PostAsync("/mnist", form);
        string raw = await r.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.DoesNotContain("<img", raw, StringComparison.Ordinal);
        Assert.Equal(name, JsonDocument.Parse(raw).RootElement.GetProperty("filename").GetString());
        Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/mnist")]
    [InlineData("/readyz")]
    [InlineData("/v1/predict")] // a GET: 405, an error answer needs the headers as much
    public async Task Every_answer_carries_the_security_headers(string path)
    {
        HttpResponseMessage r = await server.Client.GetAsync(path);
        Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", r.Headers.GetValues("X-Frame-Options").Single());
        string csp = r.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_rate_limit_stops_a_flood_from_one_address()
    {
        Assert.Equal(50, new RateLimitOptions().PermitsPerSecond);
        Assert.Equal(100, new RateLimitOptions().Burst);
        using var factory = new MnistServerFactory(TestModels.PrivateFile(TestModels.RandomLenet(6)), new Dictionary<string, string?>
        {
            ["Mnist:RateLimit:Enabled"] = "true", // the factory turns it off for other tests; the defaults apply otherwise
        });
        using HttpClient client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 300; i++)
        {
            using var body = new StringContent(TestImages.PixelsJson(i % 10), Encoding.UTF8, "application/json");
            statuses.Add((await client.PostAsync("/v1/predict", body)).StatusCode);
        }
        // Before: all 300 answered 200 (100,000/s per client).
        Assert.True(statuses.Take(100).All(s => s == HttpStatusCode.OK), "the burst of 100 is served");
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 100, string.Join(",", statuses.GroupBy(s => s).Select(g => $"{g.Key}:{g.Count()}")));
    }

    [Fact]
    public async Task Readyz_and_503s_name_no_server_folder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "mnist-hardening-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string model = Path.Combine(folder, "broken.onnx");
        File.WriteAllBytes(model, "not a model"u8.ToArray());
        try
        {
            using var factory = new MnistServerFactory(model);
            using HttpClient client = factory.CreateClient();
            HttpResponseMessage ready = await client.GetAsync("/readyz");
            string readyBody = await ready.Content.ReadAsStringAsync();
            using var pixels = new StringContent(TestImages.PixelsJson(0), Encoding.UTF8, "application/json");
            HttpResponseMessage predict = await client.PostAsync("/v1/predict", pixels);
            string predictBody = await predict.Content.ReadAsStringAsync();
            string modelBody = await (await client.GetAsync("/v1/model")).Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, predict.StatusCode);
            foreach (string body in (string[])[readyBody, predictBody, modelBody])
            {
                Assert.DoesNotContain(folder, body, StringComparison.Ordinal);
                Assert.DoesNotContain(Path.GetTempPath().TrimEnd('/'), body, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Path_redaction_keeps_file_names_and_drops_folders()
    {
        using var factory = new MnistServerFactory(TestModels.PrivateFile(TestModels.RandomLenet(7)));
        ModelStore store = factory.Services.GetRequiredService<ModelStore>();
        Assert.Equal("Could not find file 'model.onnx'.", store.RedactPaths("Could not find file '/srv/app/models/model.onnx'."));
        Assert.Equal("cannot import 'm.onnx': bad", store.RedactPaths(@"cannot import 'C:\models\m.onnx': bad"));
    }

    [Theory]
    [InlineData("", "/metrics", HttpStatusCode.NotFound)]
    [InlineData("/ops/metrics-7f3a", "/metrics", HttpStatusCode.NotFound)]
    [InlineData("/ops/metrics-7f3a", "/ops/metrics-7f3a", HttpStatusCode.OK)]
    public async Task Metrics_can_be_moved_or_disabled(string setting, string path, HttpStatusCode expected)
    {
        using var factory = new MnistServerFactory(TestModels.PrivateFile(TestModels.RandomLenet(8)), new Dictionary<string, string?>
        {
            ["Mnist:MetricsPath"] = setting,
        });
        using HttpClient client = factory.CreateClient();
        Assert.Equal(expected, (await client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task A_hot_reloaded_file_fixing_a_huge_batch_is_rejected_and_the_server_keeps_serving()
    {
        string path = TestModels.PrivateFile(TestModels.RandomLenet(9));
        await using KestrelHost host = await KestrelHost.StartAsync(path);
        ModelStore store = host.App.Services.GetRequiredService<ModelStore>();
        string servedSha = store.Current!.Sha256;
        ModelProto model = OnnxModel.Parse(TestModels.RandomLenet(10));
        model.Graph.Input[0].Type!.TensorType!.Shape!.Dim[0] = new OnnxDim(1_000_000, null, "");
        model.Graph.Output[0].Type!.TensorType!.Shape!.Dim[0] = new OnnxDim(1_000_000, null, "");
        TestModels.AtomicReplace(path, OnnxModel.Serialize(model));

        await Eventually.WaitForAsync(() => Task.FromResult(store.LastError is not null), "the replaced file is rejected");
        Assert.Contains("fixes the batch at 1000000", store.LastError, StringComparison.Ordinal);
        Assert.Equal(servedSha, store.Current!.Sha256);
        using var body = new StringContent(TestImages.PixelsJson(0), Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/v1/predict", body)).StatusCode);
    }

    [Fact]
    public async Task A_hot_reloaded_file_of_nested_groups_does_not_end_a_managed_engine_server()
    {
        string path = TestModels.PrivateFile(TestModels.RandomLenet(11));
        await using KestrelHost host = await KestrelHost.StartAsync(path, "--engine", "managed");
        ModelStore store = host.App.Services.GetRequiredService<ModelStore>();
        byte[] groups = new byte[4 << 20];
        groups.AsSpan().Fill((15 << 3) | 3);
        TestModels.AtomicReplace(path, groups); // before: the server process died of a stack overflow here

        await Eventually.WaitForAsync(() => Task.FromResult(store.LastError is not null), "the replaced file is rejected");
        Assert.Contains("nested deeper than", store.LastError, StringComparison.Ordinal);
        using var body = new StringContent(TestImages.PixelsJson(0), Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/v1/predict", body)).StatusCode);
    }

    [Fact]
    public void Mutated_json_bodies_parse_or_are_refused_as_client_errors()
    {
        var limits = new LimitOptions();
        foreach (string seed in (string[])[TestImages.PixelsJson(3), """{"strokes":[[[1,2],[30,40],[55,9]],[[3,3],[4,80]]],"canvas_width":100,"canvas_height":100}""",
                     """{"items":[{"pixels":[""" + string.Join(',', Enumerable.Repeat(0, 784)) + """]},{"strokes":[[[0,0],[10,10]]]}]}"""])
        {
            var (ran, accepted) = SeededMutator.Run(Encoding.UTF8.GetBytes(seed), seed: 18, cases: 2000, TimeSpan.FromSeconds(4), minimumCases: 300,
                allocationLimit: 16L << 20, bytes => PredictJsonParser.Parse(bytes, limits), typeof(InputException));
            Assert.True(ran >= 300 && accepted > 0, $"{ran} cases, {accepted} accepted");
        }
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_rate_limit_keys_on_the_forwarded_client_address()
    {
        string path = TestModels.PrivateFile(TestModels.RandomLenet(12));
        await using KestrelHost host = await KestrelHost.StartAsync(path, "--Mnist:RateLimit:Enabled=true", "--Mnist:RateLimit:PermitsPerSecond=1",
            "--Mnist:RateLimit:Burst=3", "--Mnist:TrustedProxies:0=127.0.0.1");
        async Task<HttpStatusCode> Send(string client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict")
            {
                Content = new StringContent(TestImages.PixelsJson(0), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Forwarded-For", client);
            return (await host.Client.SendAsync(request)).StatusCode;
        }

        var first = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++) first.Add(await Send("203.0.113.7"));
        Assert.Contains(HttpStatusCode.TooManyRequests, first);
        // Another client behind the same proxy has its own bucket (before: one bucket, the proxy's address).
        Assert.Equal(HttpStatusCode.OK, await Send("203.0.113.8"));
    }

    [Fact]
    public async Task Forwarded_headers_from_an_untrusted_address_are_ignored()
    {
        string path = TestModels.PrivateFile(TestModels.RandomLenet(13));
        await using KestrelHost host = await KestrelHost.StartAsync(path, "--Mnist:RateLimit:Enabled=true", "--Mnist:RateLimit:PermitsPerSecond=1",
            "--Mnist:RateLimit:Burst=3");
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict")
            {
                Content = new StringContent(TestImages.PixelsJson(0), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i}"); // a new claimed address each time
            statuses.Add((await host.Client.SendAsync(request)).StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses); // claiming addresses does not buy new buckets
    }

    [Fact]
    public async Task A_restart_while_the_model_file_is_bad_serves_the_last_good_model()
    {
        // As after kill -9 in the middle of a reload: the file at the configured path is unusable and the process
        // starts again. Nothing is written at shutdown, so stopping the host stands for the kill.
        string path = TestModels.PrivateFile(TestModels.RandomLenet(14));
        string goodSha;
        await using (KestrelHost first = await KestrelHost.StartAsync(path))
        {
            ModelStore store = first.App.Services.GetRequiredService<ModelStore>();
            goodSha = store.Current!.Sha256;
            TestModels.AtomicReplace(path, "half a model"u8.ToArray());
            await Eventually.WaitForAsync(() => Task.FromResult(store.LastError is not null), "the bad file is rejected");
        }

        await using KestrelHost second = await KestrelHost.StartAsync(path);
        ModelStore restarted = second.App.Services.GetRequiredService<ModelStore>();
        Assert.Equal(goodSha, restarted.Current?.Sha256); // before: no model, 503 until someone fixes the file
        Assert.NotNull(restarted.LastError);
        Assert.Equal(HttpStatusCode.OK, (await second.Client.GetAsync("/readyz")).StatusCode);
        using var body = new StringContent(TestImages.PixelsJson(0), Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await second.Client.PostAsync("/v1/predict", body)).StatusCode);

        // A valid file at the path replaces the copy as usual.
        byte[] next = TestModels.RandomLenet(15);
        TestModels.AtomicReplace(path, next);
        await Eventually.WaitForAsync(() => Task.FromResult(restarted.Current?.Sha256 == Mnist.Inference.ModelInfo.HashBytes(next)), "the new file is served");
    }

    /// <summary>A valid 1-bit grayscale PNG of the given size, all black: a few KB, because zlib packs the zero rows.</summary>
    private static byte[] OneBitPng(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 1; // bit depth 1, colour type 0 (gray), deflate, adaptive filtering, no interlace
        Chunk(png, "IHDR", ihdr);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            byte[] row = new byte[1 + (width + 7) / 8]; // filter byte 0, then the packed pixels
            for (int y = 0; y < height; y++) z.Write(row);
        }
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        png.Write(word);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
