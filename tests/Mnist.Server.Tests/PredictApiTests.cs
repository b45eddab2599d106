using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

[Collection(TrainedServerCollection.Name)]
public class PredictApiTests(TrainedServerFixture server)
{
    private readonly HttpClient _client = server.Client;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task PixelsGiveTheRightDigitsWithTheResponseShape()
    {
        int right = 0;
        for (int i = 0; i < 20; i++)
        {
            JsonElement r = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/predict", Json(TestImages.PixelsJson(i))));
            if (r.GetProperty("digit").GetInt32() == TestImages.Label(i)) right++;
            Assert.Equal(10, r.GetProperty("probabilities").GetArrayLength());
            double sum = r.GetProperty("probabilities").EnumerateArray().Sum(p => p.GetDouble());
            Assert.InRange(sum, 0.999, 1.001);
            Assert.InRange(r.GetProperty("confidence").GetDouble(), 0.1, 1.0);
            Assert.Equal(JsonValueKind.String, r.GetProperty("model").ValueKind);
            Assert.True(r.GetProperty("elapsed_ms").GetDouble() >= 0);
            Assert.True(r.TryGetProperty("confident", out _));
            Assert.False(r.TryGetProperty("no_digit", out _));
        }
        Assert.True(right >= 18, $"{right}/20 right");
    }

    [Fact]
    public async Task PngBodyIsRecognized()
    {
        using var content = new ByteArrayContent(TestImages.Png(0));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        JsonElement r = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/predict", content));
        Assert.Equal(TestImages.Label(0), r.GetProperty("digit").GetInt32());
    }

    [Fact]
    public async Task StrokesAreRecognized()
    {
        // A "1": one vertical stroke on a 200×200 canvas; and a "7": a bar and a diagonal.
        JsonElement one = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/predict",
            Json("""{"strokes":[[[100,30],[101,60],[100,100],[101,140],[100,170]]],"width":200,"height":200}""")));
        Assert.Equal(1, one.GetProperty("digit").GetInt32());
        JsonElement seven = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/predict",
            Json("""{"strokes":[[{"x":40,"y":40},{"x":160,"y":40},{"x":120,"y":100},{"x":85,"y":170}]]}""")));
        Assert.Equal(JsonValueKind.Number, seven.GetProperty("digit").ValueKind);
    }

    [Fact]
    public async Task EmptyInputIsNoDigitNeverAGuess()
    {
        JsonElement blank = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/predict", Json("{\"pixels\":[" + string.Join(',', new int[784]) + "]}")));
        Assert.Equal(JsonValueKind.Null, blank.GetProperty("digit").ValueKind);
        Assert.Equal("no_ink", blank.GetProperty("no_digit").GetString());
        Assert.False(blank.GetProperty("confident").GetBoolean());
        Assert.All(blank.GetProperty("probabilities").EnumerateArray(), p => Assert.Equal(0, p.GetDouble()));

        JsonElement noStrokes = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/predict", Json("""{"strokes":[]}""")));
        Assert.Equal(JsonValueKind.Null, noStrokes.GetProperty("digit").ValueKind);
    }

    [Fact]
    public async Task BatchAnswersEachItemInOrder()
    {
        var items = Enumerable.Range(0, 12).Select(i => "{\"pixels\":[" + string.Join(',', TestImages.Digit(i)) + "]}").ToList();
        items.Add("""{"strokes":[]}""");
        JsonElement r = await HttpAssert.JsonAsync(await _client.PostAsync("/v1/predict", Json("{\"items\":[" + string.Join(',', items) + "]}")));
        JsonElement[] predictions = r.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(13, predictions.Length);
        int right = Enumerable.Range(0, 12).Count(i => predictions[i].GetProperty("digit").GetInt32() == TestImages.Label(i));
        Assert.True(right >= 11, $"{right}/12");
        Assert.Equal(JsonValueKind.Null, predictions[12].GetProperty("digit").ValueKind);
    }

    [Fact]
    public async Task ConcurrentRequestsAreBatchedAndAllAnswered()
    {
        var tasks = Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await _client.PostAsync("/v1/predict", Json(TestImages.PixelsJson(i % 50)));
            JsonElement r = await HttpAssert.JsonAsync(response);
            return r.GetProperty("digit").GetInt32() == TestImages.Label(i % 50);
        });
        bool[] results = await Task.WhenAll(tasks);
        Assert.True(results.Count(x => x) >= 180, $"{results.Count(x => x)}/200");
    }
}
