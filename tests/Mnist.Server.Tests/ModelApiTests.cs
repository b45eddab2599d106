using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

[Collection(TrainedServerCollection.Name)]
public class ModelApiTests(TrainedServerFixture server)
{
    [Fact]
    public async Task ModelCardDescribesTheServedFile()
    {
        JsonElement m = await HttpAssert.JsonAsync(await server.Client.GetAsync("/v1/model"));
        string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(server.Factory.ModelPath)));
        Assert.Equal(sha, m.GetProperty("sha256").GetString());
        Assert.Equal($"\"{sha}\"", m.GetProperty("etag").GetString());
        Assert.Equal("onnxruntime", m.GetProperty("runtime").GetString());
        Assert.Equal("lenet", m.GetProperty("card").GetProperty("architecture").GetString());
        Assert.Equal("input", m.GetProperty("input_name").GetString());
        Assert.Equal("/v1/models/current.onnx", m.GetProperty("downloads").GetProperty("onnx").GetString());
    }

    [Fact]
    public async Task OnnxDownloadHasETagAndAnswers304()
    {
        HttpResponseMessage r = await server.Client.GetAsync("/v1/models/current.onnx");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        byte[] bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal(File.ReadAllBytes(server.Factory.ModelPath), bytes);
        EntityTagHeaderValue etag = r.Headers.ETag!;
        Assert.Equal($"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))}\"", etag.Tag);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/v1/models/current.onnx");
        again.Headers.IfNoneMatch.Add(etag);
        HttpResponseMessage notModified = await server.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task TfLiteDownloadIsAFlatBufferWithETag()
    {
        HttpResponseMessage r = await server.Client.GetAsync("/v1/models/current.tflite");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        byte[] bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal("TFL3", System.Text.Encoding.ASCII.GetString(bytes, 4, 4)); // FlatBuffer file identifier
        using var again = new HttpRequestMessage(HttpMethod.Get, "/v1/models/current.tflite");
        again.Headers.IfNoneMatch.Add(r.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await server.Client.SendAsync(again)).StatusCode);
    }
}

[Collection(TrainedServerCollection.Name)]
public class OperationsTests(TrainedServerFixture server)
{
    [Fact]
    public async Task HealthAndReadiness()
    {
        JsonElement live = await HttpAssert.JsonAsync(await server.Client.GetAsync("/healthz"));
        Assert.Equal("ok", live.GetProperty("status").GetString());
        JsonElement ready = await HttpAssert.JsonAsync(await server.Client.GetAsync("/readyz"));
        Assert.Equal("ready", ready.GetProperty("status").GetString());
    }

    [Fact]
    public async Task MetricsArePrometheusText()
    {
        using var content = new StringContent(TestImages.PixelsJson(0), System.Text.Encoding.UTF8, "application/json");
        (await server.Client.PostAsync("/v1/predict", content)).EnsureSuccessStatusCode();
        HttpResponseMessage r = await server.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        string text = await r.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE mnist_http_requests_total counter", text, StringComparison.Ordinal);
        Assert.True(PrometheusScrape.Value(text, "mnist_http_requests_total", ("endpoint", "/v1/predict"), ("method", "POST"), ("status", "200")) >= 1, text);
        Assert.True(PrometheusScrape.Value(text, "mnist_http_request_duration_seconds_bucket", ("endpoint", "/v1/predict"), ("le", "+Inf")) >= 1, text);
        Assert.True(PrometheusScrape.Value(text, "mnist_batch_size_bucket", ("le", "1")) >= 1, text);
        Assert.NotNull(PrometheusScrape.Value(text, "mnist_model_reloads_total"));
        Assert.True(PrometheusScrape.Value(text, "process_resident_memory_bytes") > 1e6, text);
        Assert.Equal(1, PrometheusScrape.Value(text, "mnist_model_info", ("precision", "float")) ?? PrometheusScrape.Value(text, "mnist_model_info", ("precision", "int8")));
        Assert.Null(PrometheusScrape.FirstMalformedLine(text));
    }

    [Fact]
    public async Task OpenApiDocumentListsTheEndpoints()
    {
        JsonElement doc = await HttpAssert.JsonAsync(await server.Client.GetAsync("/openapi/v1.json"));
        JsonElement paths = doc.GetProperty("paths");
        foreach (string p in new[] { "/v1/predict", "/v1/read", "/mnist", "/v1/model", "/v1/models/current.onnx", "/healthz", "/readyz", "/metrics" })
            Assert.True(paths.TryGetProperty(p, out _), p);
        HttpResponseMessage scalar = await server.Client.GetAsync("/scalar");
        if (scalar.StatusCode == HttpStatusCode.MovedPermanently || scalar.StatusCode == HttpStatusCode.Redirect)
            scalar = await server.Client.GetAsync(scalar.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        Assert.Equal("text/html", scalar.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RootServesAPage()
    {
        HttpResponseMessage r = await server.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
    }
}
