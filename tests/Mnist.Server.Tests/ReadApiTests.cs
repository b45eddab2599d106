using Mnist.Tests.Shared;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

[Collection(TrainedServerCollection.Name)]
public class ReadApiTests(TrainedServerFixture server)
{
    private readonly HttpClient _client = server.Client;

    // A "1" (one vertical stroke) and a "0" (a closed loop) side by side on a 200×200 canvas.
    private const string OneZero = """{"strokes":[[[10,10],[11,55],[10,100]],[[40,10],[80,10],[80,100],[40,100],[40,10]]],"width":200,"height":200}""";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static void AssertDigitShape(JsonElement digit)
    {
        Assert.InRange(digit.GetProperty("digit").GetInt32(), 0, 9);
        Assert.InRange(digit.GetProperty("confidence").GetDouble(), 0, 1);
        Assert.True(digit.TryGetProperty("confident", out _));
        Assert.Equal(4, digit.GetProperty("box").GetArrayLength());
        Assert.Equal(10, digit.GetProperty("probabilities").GetArrayLength());
        Assert.InRange(digit.GetProperty("probabilities").EnumerateArray().Sum(p => p.GetDouble()), 0.999, 1.001);
    }

    [Fact]
    public async Task TwoDigitStrokesReadAsTwoDigitsLeftToRight()
    {
        JsonElement r = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/read", Json(OneZero)));
        JsonElement[] digits = r.GetProperty("digits").EnumerateArray().ToArray();
        Assert.Equal(2, digits.Length);
        Assert.Equal("10", r.GetProperty("number").GetString());
        foreach (JsonElement d in digits) AssertDigitShape(d);
        // Boxes are in the strokes' units, left to right: the "1" at x≈10, the "0" from x=40, 40 wide.
        Assert.Equal(10, digits[0].GetProperty("box")[0].GetDouble(), 0.5);
        Assert.Equal(40, digits[1].GetProperty("box")[0].GetDouble(), 0.5);
        Assert.Equal(40, digits[1].GetProperty("box")[2].GetDouble(), 0.5);
        Assert.InRange(r.GetProperty("confidence").GetDouble(), 0, 1);
        Assert.Equal(JsonValueKind.String, r.GetProperty("model").ValueKind);
        Assert.True(r.GetProperty("elapsed_ms").GetDouble() >= 0);
        Assert.False(r.TryGetProperty("no_digit", out _));
        Assert.False(r.TryGetProperty("message", out _));
    }

    [Fact]
    public async Task ImageBodyIsRead()
    {
        // MNIST test digits 0 and 1 side by side with a gap, white on black, as one 64×28 PNG.
        using var content = new ByteArrayContent(NumberImages.SideBySidePng(TestImages.Digit(0), TestImages.Digit(1)));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        JsonElement r = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/read", content));
        Assert.Equal($"{TestImages.Label(0)}{TestImages.Label(1)}", r.GetProperty("number").GetString());
        foreach (JsonElement d in r.GetProperty("digits").EnumerateArray()) AssertDigitShape(d);
    }

    [Fact]
    public async Task PixelsAreReadAsA28x28Image()
    {
        JsonElement r = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/read", Json(TestImages.PixelsJson(0))));
        Assert.Equal(TestImages.Label(0).ToString(System.Globalization.CultureInfo.InvariantCulture), r.GetProperty("number").GetString());
    }

    [Fact]
    public async Task EmptyDrawingIsNoDigit()
    {
        JsonElement r = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/read", Json("""{"strokes":[]}""")));
        Assert.Equal("", r.GetProperty("number").GetString());
        Assert.Equal(0, r.GetProperty("digits").GetArrayLength());
        Assert.Equal("no_ink", r.GetProperty("no_digit").GetString());
        Assert.False(string.IsNullOrEmpty(r.GetProperty("message").GetString()));
        Assert.False(r.GetProperty("confident").GetBoolean());

        JsonElement dot = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/read",
            Json("""{"strokes":[[[100,100],[101,101]]],"width":1000,"height":1000}""")));
        Assert.Equal("too_small", dot.GetProperty("no_digit").GetString());
    }

    [Fact]
    public async Task BatchAnswersEachItemInOrder()
    {
        string body = "{\"items\":[" + OneZero + ",{\"strokes\":[]}," + TestImages.PixelsJson(0) + "]}";
        JsonElement r = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/read", Json(body)));
        JsonElement[] readings = r.GetProperty("readings").EnumerateArray().ToArray();
        Assert.Equal(3, readings.Length);
        Assert.Equal("10", readings[0].GetProperty("number").GetString());
        Assert.Equal("no_ink", readings[1].GetProperty("no_digit").GetString());
        Assert.Equal(TestImages.Label(0), readings[2].GetProperty("digits")[0].GetProperty("digit").GetInt32());
        Assert.Equal(JsonValueKind.String, r.GetProperty("model").ValueKind);
    }

    /// <summary>Every bad body of /v1/predict gets the same status from /v1/read.</summary>
    [Theory]
    [MemberData(nameof(BadInputTests.JsonCases), MemberType = typeof(BadInputTests))]
    public async Task BadBodyGivesTheProblemOfPredict(string name, string contentType, string body, int status)
    {
        using var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using HttpResponseMessage response = await _client.PostAsync("/v1/read", content);
        await HttpAssert.ProblemAsync(response, (HttpStatusCode)status, name);
    }

    [Fact]
    public async Task TooManyStrokesForOneNumberIs422()
    {
        // 65 separate short strokes: more pieces than one number may have (NumberReader.MaxPieces = 64), fewer than the
        // parser's stroke limit, so the reader's own limit answers.
        string strokes = string.Join(',', Enumerable.Range(0, 65).Select(i => $"[[{i * 20},10],[{i * 20 + 5},60]]"));
        JsonElement problem = await HttpAssert.ProblemAsync(await _client.PostAsync("/v1/read", Json("{\"strokes\":[" + strokes + "]}")),
            HttpStatusCode.UnprocessableEntity);
        Assert.Contains("64", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocumentDescribesRead()
    {
        JsonElement doc = await HttpAssert.JsonAsync(await _client.GetAsync("/openapi/v1.json"));
        JsonElement op = doc.GetProperty("paths").GetProperty("/v1/read").GetProperty("post");
        Assert.StartsWith("Read a whole number", op.GetProperty("summary").GetString(), StringComparison.Ordinal);
        JsonElement body = op.GetProperty("requestBody").GetProperty("content");
        Assert.Equal("#/components/schemas/PredictRequest", body.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal("binary", body.GetProperty("image/png").GetProperty("schema").GetProperty("format").GetString());
        string[] answers = op.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json")
            .GetProperty("schema").GetProperty("oneOf").EnumerateArray().Select(s => s.GetProperty("$ref").GetString()!).ToArray();
        Assert.Equal(["#/components/schemas/ReadResponse", "#/components/schemas/BatchReadResponse"], answers);
        foreach (string status in new[] { "400", "413", "415", "422", "429", "503" })
            Assert.True(op.GetProperty("responses").TryGetProperty(status, out _), status);
        JsonElement schemas = doc.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("ReadResponse").GetProperty("properties").TryGetProperty("no_digit", out _));
        Assert.True(schemas.GetProperty("ReadDigitResponse").GetProperty("properties").TryGetProperty("box", out _));
    }
}
