using System.Net.Http.Headers;
using System.Text;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>Random and mutated bodies against every endpoint: only 2xx/3xx/4xx, never a 5xx; memory returns near
/// its baseline. <c>MNIST_FUZZ_COUNT</c> raises the count (the acceptance run uses 10,000).</summary>
[Collection(TrainedServerCollection.Name)]
public class FuzzTests(TrainedServerFixture server)
{
    private static readonly string[] Paths = ["/v1/predict", "/mnist", "/v1/model", "/v1/models/current.onnx", "/v1/models/current.tflite",
        "/healthz", "/readyz", "/metrics", "/", "/openapi/v1.json"];

    private static readonly string[] ContentTypes = ["application/json", "image/png", "image/jpeg", "application/octet-stream",
        "multipart/form-data; boundary=b", "text/plain", "application/problem+json", "image/gif", ""];

    [Fact]
    public async Task RandomAndMutatedBodiesNeverGive5xx()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("MNIST_FUZZ_COUNT"), out int n) ? n : 2000;
        var seeds = Seeds();
        var rng = new Random(12345);
        var bad = new List<string>();
        await SendAllAsync(count / 10, rng, seeds, bad); // warm-up, then measure memory
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = GC.GetTotalMemory(true);
        await SendAllAsync(count - count / 10, rng, seeds, bad);
        Assert.True(bad.Count == 0, string.Join("\n", bad.Take(10)));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long after = GC.GetTotalMemory(true);
        Assert.True(after < baseline + 64L * 1024 * 1024, $"managed heap grew from {baseline:N0} to {after:N0} bytes");
    }

    private async Task SendAllAsync(int count, Random rng, List<(string Type, byte[] Body)> seeds, List<string> bad)
    {
        const int parallel = 8;
        var cases = new List<(string Path, string Method, string Type, byte[] Body)>(count);
        for (int i = 0; i < count; i++) cases.Add(Make(rng, seeds));
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (c, ct) =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
            if (c.Method != "GET")
            {
                request.Content = new ByteArrayContent(c.Body);
                if (c.Type.Length > 0) request.Content.Headers.TryAddWithoutValidation("Content-Type", c.Type);
            }
            using HttpResponseMessage r = await server.Client.SendAsync(request, ct);
            if ((int)r.StatusCode >= 500)
            {
                string text = await r.Content.ReadAsStringAsync(ct);
                lock (bad) bad.Add($"{c.Method} {c.Path} [{c.Type}] {Preview(c.Body)} → {(int)r.StatusCode} {text}");
            }
        });
    }

    private static (string, string, string, byte[]) Make(Random rng, List<(string Type, byte[] Body)> seeds)
    {
        string path = rng.Next(4) == 0 ? Paths[rng.Next(Paths.Length)] : rng.Next(2) == 0 ? "/v1/predict" : "/mnist";
        string method = rng.Next(8) switch { 0 => "GET", 1 => "PUT", _ => "POST" };
        (string type, byte[] body) = seeds[rng.Next(seeds.Count)];
        body = rng.Next(6) switch
        {
            0 => RandomBytes(rng, rng.Next(0, 2048)),
            1 => body,
            _ => Mutate(rng, body),
        };
        if (rng.Next(5) == 0) type = ContentTypes[rng.Next(ContentTypes.Length)];
        return (path, method, type, body);
    }

    private static List<(string, byte[])> Seeds()
    {
        var seeds = new List<(string, byte[])>
        {
            ("application/json", Encoding.UTF8.GetBytes(TestImages.PixelsJson(0))),
            ("application/json", """{"strokes":[[[10,10],[20,40],[30,80]],[[5,5],[50,5]]],"width":100,"height":100}"""u8.ToArray()),
            ("application/json", """{"strokes":[[{"x":1,"y":2},{"x":30,"y":60}]]}"""u8.ToArray()),
            ("application/json", Encoding.UTF8.GetBytes("{\"items\":[" + TestImages.PixelsJson(1) + ",{\"strokes\":[]}]}")),
            ("image/png", TestImages.Png(2)),
            ("image/jpeg", TestImages.Photo(3, SkiaSharp.SKEncodedImageFormat.Jpeg)),
        };
        using var form = new MultipartFormDataContent("b");
        var file = new ByteArrayContent(TestImages.Png(4));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "mnist_image", "d.png");
        seeds.Add(("multipart/form-data; boundary=b", form.ReadAsByteArrayAsync().GetAwaiter().GetResult()));
        return seeds;
    }

    private static byte[] Mutate(Random rng, byte[] body)
    {
        var b = new List<byte>(body);
        int edits = 1 + rng.Next(8);
        for (int e = 0; e < edits && b.Count > 0; e++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(7))
            {
                case 0: b[at] = (byte)rng.Next(256); break;                                      // flip a byte
                case 1: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(64))); break;       // delete a run
                case 2: b.InsertRange(at, RandomBytes(rng, 1 + rng.Next(32))); break;             // insert noise
                case 3: b.RemoveRange(at, b.Count - at); break;                                    // truncate
                case 4: b.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[rng.Next(Tokens.Length)])); break; // JSON-ish token
                case 5: b.InsertRange(at, b.GetRange(at, Math.Min(b.Count - at, 1 + rng.Next(256)))); break; // duplicate a run
                default: b[at] = (byte)Punctuation[rng.Next(Punctuation.Length)]; break;           // JSON punctuation
            }
        }
        return [.. b];
    }

    private const string Punctuation = "0123456789-.e,[]{}\":";

    private static readonly string[] Tokens = ["NaN", "1e999", "-1", "null", "true", "\"x\"", "[[[", "]]]", "{}", "{\"items\":[", "\"pixels\":", "\"strokes\":",
        "99999999999999999999", "-0", "1.5", "\\u0000", "\r\n--b\r\n"];

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static string Preview(byte[] body) => Convert.ToHexString(body.AsSpan(0, Math.Min(body.Length, 48)));
}
