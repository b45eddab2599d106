using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>A table of bad requests: each gets the expected 4xx as application/problem+json, never a 500.</summary>
[Collection(TrainedServerCollection.Name)]
public class BadInputTests(TrainedServerFixture server)
{
    private static readonly string Pixels784 = string.Join(',', Enumerable.Repeat(0, 783).Append(255));

    public static TheoryData<string, string, string, int> JsonCases => new()
    {
        // name, content type, body, status
        { "not json", "application/json", "hello", 400 },
        { "truncated json", "application/json", "{\"pixels\":[1,2", 400 },
        { "empty body", "application/json", "", 400 },
        { "array at top", "application/json", "[1,2,3]", 400 },
        { "trailing garbage", "application/json", "{\"strokes\":[]} x", 400 },
        { "pixels not array", "application/json", "{\"pixels\":\"abc\"}", 400 },
        { "pixel string", "application/json", "{\"pixels\":[\"1\"" + new string(',', 0) + "]}", 400 },
        { "pixel null", "application/json", "{\"pixels\":[null]}", 400 },
        { "NaN literal", "application/json", "{\"pixels\":[NaN]}", 400 },
        { "too few pixels", "application/json", "{\"pixels\":[1,2,3]}", 422 },
        { "too many pixels", "application/json", "{\"pixels\":[" + Pixels784 + ",0]}", 422 },
        { "pixel above 255", "application/json", "{\"pixels\":[256" + new string(',', 1) + string.Join(',', new int[783]) + "]}", 422 },
        { "negative pixel", "application/json", "{\"pixels\":[-1," + string.Join(',', new int[783]) + "]}", 422 },
        { "overflowing number", "application/json", "{\"pixels\":[1e999," + string.Join(',', new int[783]) + "]}", 422 },
        { "no known field", "application/json", "{\"foo\":1}", 422 },
        { "two kinds", "application/json", "{\"pixels\":[" + Pixels784 + "],\"strokes\":[]}", 422 },
        { "duplicate field", "application/json", "{\"strokes\":[],\"strokes\":[]}", 400 },
        { "stroke not array", "application/json", "{\"strokes\":[5]}", 400 },
        { "point too short", "application/json", "{\"strokes\":[[[1]]]}", 400 },
        { "point too long", "application/json", "{\"strokes\":[[[1,2,3,4]]]}", 400 },
        { "point string", "application/json", "{\"strokes\":[[[\"a\",2]]]}", 400 },
        { "point object missing y", "application/json", "{\"strokes\":[[{\"x\":1}]]}", 400 },
        { "huge coordinate", "application/json", "{\"strokes\":[[[1e30,2],[3,4]]]}", 422 },
        { "too many strokes", "application/json", "{\"strokes\":[" + string.Join(',', Enumerable.Repeat("[[1,2]]", 201)) + "]}", 422 },
        { "too many points", "application/json", "{\"strokes\":[[" + string.Join(',', Enumerable.Repeat("[1,2]", 20001)) + "]]}", 422 },
        { "negative canvas", "application/json", "{\"strokes\":[],\"width\":-5}", 422 },
        { "empty batch", "application/json", "{\"items\":[]}", 422 },
        { "nested batch", "application/json", "{\"items\":[{\"items\":[]}]}", 422 },
        { "batch item not object", "application/json", "{\"items\":[1]}", 400 },
        { "bad batch item", "application/json", "{\"items\":[{\"pixels\":[1]}]}", 422 },
        { "batch too big", "application/json", "{\"items\":[" + string.Join(',', Enumerable.Repeat("{\"strokes\":[]}", 257)) + "]}", 422 },
        { "deep nesting", "application/json", new string('[', 100) + new string(']', 100), 400 },
        // Found by the live fuzz (were 500s): lone surrogates only fail when a property name is compared.
        { "lone surrogate in a property name", "application/json", "{\"\\ud800\":1}", 400 },
        { "lone low surrogate in a point's name", "application/json", "{\"strokes\":[[{\"\\udc00x\":1,\"y\":2}]]}", 400 },
        { "text content type", "text/plain", "{\"strokes\":[]}", 415 },
        { "form content type", "application/x-www-form-urlencoded", "a=b", 415 },
        { "not an image", "image/png", "this is not a png", 415 },
        { "truncated png", "image/png", "\u0089PNG\r\n\u001a\n\0\0\0\rIHDR", 422 },
        { "empty image", "image/png", "", 400 },
    };

    [Theory]
    [MemberData(nameof(JsonCases))]
    public async Task BadBodyGivesProblem(string name, string contentType, string body, int status)
    {
        using var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using HttpResponseMessage response = await server.Client.PostAsync("/v1/predict", content);
        await HttpAssert.ProblemAsync(response, (HttpStatusCode)status, name);
    }

    [Fact]
    public async Task MissingContentTypeIs415()
    {
        using var content = new ByteArrayContent([1, 2, 3]);
        using HttpResponseMessage response = await server.Client.PostAsync("/v1/predict", content);
        await HttpAssert.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task ErrorsPointAtTheOffendingValue()
    {
        using var content = new StringContent("{\"pixels\":[0,0,300," + string.Join(',', new int[781]) + "]}", Encoding.UTF8, "application/json");
        var problem = await HttpAssert.ProblemAsync(await server.Client.PostAsync("/v1/predict", content), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("/pixels/2", problem.GetProperty("pointer").GetString());
    }

    [Fact]
    public async Task OversizedBodyIs413()
    {
        using var content = new ByteArrayContent(new byte[5 * 1024 * 1024]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await HttpAssert.ProblemAsync(await server.Client.PostAsync("/v1/predict", content), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task ImageOverPixelLimitIs413()
    {
        // A PNG header claiming 30000×30000: rejected from the header, before any pixel memory.
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R',
            0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 0, 0, 0, 0, 0x3A, 0x5E, 0x31, 0x7D];
        using var content = new ByteArrayContent(png);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        HttpResponseMessage response = await server.Client.PostAsync("/v1/predict", content);
        Assert.True(response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity, response.StatusCode.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/v1/predict", "application/json", "FFFFFFFFFFFFFFFF")] // overflows: Kestrel throws IOException, not BadHttpRequestException (was a 500)
    [InlineData("/v1/predict", "image/png", "1FFFFFFFFFFFFFFFF")]
    [InlineData("/mnist", "multipart/form-data; boundary=b", "FFFFFFFFFFFFFFFF")]
    [InlineData("/v1/predict", "application/json", "zz")]
    public async Task BrokenChunkSizeIs400OverASocket(string path, string contentType, string chunkSize)
    {
        await using KestrelHost host = await KestrelHost.StartAsync(TestModels.PrivateFile(TestModels.RandomLenet(9)));
        byte[] raw = Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n\r\n{chunkSize}\r\n{{");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        RawHttp.Outcome outcome = await RawHttp.SendAsync(host.Address, raw, timeout.Token);
        Assert.Equal([400], outcome.Statuses);
    }

    [Theory]
    [InlineData("GET", "/v1/predict", 405)]
    [InlineData("DELETE", "/mnist", 405)]
    [InlineData("GET", "/nothing-here", 404)]
    [InlineData("POST", "/v1/model", 405)]
    public async Task WrongRouteOrMethodIsProblem(string method, string path, int status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        await HttpAssert.ProblemAsync(await server.Client.SendAsync(request), (HttpStatusCode)status, $"{method} {path}");
    }
}
