using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>
/// The OpenAPI document against what the server really does: each request below is sent, and its status, content type
/// and body must be what the document declares for that operation (the body validated against the declared schema,
/// with undocumented fields counted as errors). A generated client would be built from this document.
/// </summary>
[Collection(TrainedServerCollection.Name)]
public class OpenApiConformanceTests(TrainedServerFixture server)
{
    private const string Strokes = """{"strokes":[[[50,10],[50,30],[50,50],[50,70],[50,90]]],"width":100,"height":100}""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static ByteArrayContent Image(byte[] bytes, string type = "image/png")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    public static TheoryData<string, string, string> Requests() => new()
    {
        // name, method + path, body kind (decoded in Send)
        { "predict pixels", "POST /v1/predict", "pixels" },
        { "predict strokes", "POST /v1/predict", "strokes" },
        { "predict strokes as {x,y}", "POST /v1/predict", "xy" },
        { "predict nothing drawn", "POST /v1/predict", "empty" },
        { "predict png", "POST /v1/predict", "png" },
        { "predict jpeg", "POST /v1/predict", "jpeg" },
        { "predict batch", "POST /v1/predict", "batch" },
        { "predict bad JSON", "POST /v1/predict", "bad-json" },
        { "predict 783 pixels", "POST /v1/predict", "short" },
        { "predict text/plain", "POST /v1/predict", "text" },
        { "read strokes", "POST /v1/read", "strokes" },
        { "read nothing drawn", "POST /v1/read", "empty" },
        { "read png", "POST /v1/read", "png" },
        { "read batch", "POST /v1/read", "batch" },
        { "read bad JSON", "POST /v1/read", "bad-json" },
        { "flask upload", "POST /mnist", "multipart" },
        { "model card", "GET /v1/model", "none" },
        { "health", "GET /healthz", "none" },
        { "ready", "GET /readyz", "none" },
    };

    private static HttpContent? Body(string kind) => kind switch
    {
        "pixels" => Json(TestImages.PixelsJson(0)),
        "strokes" => Json(Strokes),
        "xy" => Json("""{"strokes":[[{"x":50,"y":10},{"x":50,"y":50},{"x":50,"y":90}]]}"""),
        "empty" => Json("""{"strokes":[]}"""),
        "png" => Image(TestImages.Png(1)),
        "jpeg" => Image(TestImages.Photo(2, SkiaSharp.SKEncodedImageFormat.Jpeg), "image/jpeg"),
        "batch" => Json("{\"items\":[" + TestImages.PixelsJson(3) + "," + Strokes + "]}"),
        "bad-json" => Json("{\"pixels\":[1,2,"),
        "short" => Json("{\"pixels\":[" + string.Join(',', Enumerable.Repeat(0, 783)) + "]}"),
        "text" => new StringContent("7", Encoding.UTF8, "text/plain"),
        "multipart" => Multipart(),
        _ => null,
    };

    private static MultipartFormDataContent Multipart()
    {
        var form = new MultipartFormDataContent();
        form.Add(Image(TestImages.Png(4)), "mnist_image", "four.png");
        return form;
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Real_answers_match_the_document(string name, string request, string body)
    {
        JsonElement doc = await HttpAssert.JsonAsync(await server.Client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        string method = request.Split(' ')[0], path = request.Split(' ')[1];
        using HttpContent? content = Body(body);
        using var message = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)) { Content = content };
        using HttpResponseMessage response = await server.Client.SendAsync(message);
        string status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        string mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        string text = await response.Content.ReadAsStringAsync();

        Assert.True(doc.GetProperty("paths").TryGetProperty(path, out JsonElement item), $"{name}: {path} is not in the document");
        Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out JsonElement operation), $"{name}: {method} {path} is not in the document");
        Assert.True(operation.TryGetProperty("summary", out JsonElement summary) && summary.GetString()!.Length > 15
            && !summary.GetString()!.StartsWith("The handler", StringComparison.Ordinal), $"{name}: summary '{summary}'");
        if (content?.Headers.ContentType?.MediaType is { } sent && response.StatusCode != System.Net.HttpStatusCode.UnsupportedMediaType)
        {
            Assert.True(operation.GetProperty("requestBody").GetProperty("content").TryGetProperty(sent, out _),
                $"{name}: request body type {sent} is not declared");
        }
        Assert.True(operation.GetProperty("responses").TryGetProperty(status, out JsonElement declared),
            $"{name}: status {status} is not declared; the body was {text}");
        if (!declared.TryGetProperty("content", out JsonElement declaredContent))
            return; // declared without a body (e.g. 304)
        Assert.True(declaredContent.TryGetProperty(mediaType, out JsonElement media),
            $"{name}: {status} answered {mediaType}; declared: {string.Join(", ", declaredContent.EnumerateObject().Select(p => p.Name))}");
        using JsonDocument answer = JsonDocument.Parse(text);
        var errors = new List<string>();
        // Problem details may carry extension members (traceId, pointer); every other answer must be fully documented.
        new SchemaValidator(doc, strictProperties: mediaType == "application/json").Validate(media.GetProperty("schema"), answer.RootElement, "", errors);
        Assert.True(errors.Count == 0, $"{name} ({status} {mediaType}) does not match the document:\n{string.Join('\n', errors)}\nbody: {text}");
    }

    [Fact]
    public async Task The_reference_page_loads_nothing_from_outside_and_shows_no_ai_or_deploy_buttons()
    {
        HttpResponseMessage r = await server.Client.GetAsync(new Uri("/scalar", UriKind.Relative));
        if (r.Headers.Location is { } location) r = await server.Client.GetAsync(location);
        string html = await r.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", html);
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal); // Inter and JetBrains Mono from a CDN
        Assert.Contains("\"agent\":{\"disabled\":true}", html, StringComparison.Ordinal); // "Ask AI"
        Assert.Contains("\"showDeveloperTools\":\"never\"", html, StringComparison.Ordinal); // the toolbar with "Deploy"
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Numbers_are_declared_as_numbers_not_number_or_string()
    {
        JsonElement doc = await HttpAssert.JsonAsync(await server.Client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var mixed = new List<string>();
        void Walk(JsonElement e, string where)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                if (e.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.Array)
                {
                    string[] types = [.. t.EnumerateArray().Select(x => x.GetString()!)];
                    if (types.Contains("string") && (types.Contains("number") || types.Contains("integer"))) mixed.Add(where);
                }
                foreach (JsonProperty p in e.EnumerateObject()) Walk(p.Value, where + "/" + p.Name);
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                int i = 0;
                foreach (JsonElement x in e.EnumerateArray()) Walk(x, where + "/" + i++);
            }
        }
        Walk(doc.GetProperty("components"), "#/components");
        Assert.True(mixed.Count == 0, "number-or-string types:\n" + string.Join('\n', mixed));
        JsonElement elapsed = doc.GetProperty("components").GetProperty("schemas").GetProperty("PredictionResponse").GetProperty("properties").GetProperty("elapsed_ms");
        Assert.Equal("number", elapsed.GetProperty("type").GetString());
    }
}

/// <summary>
/// The part of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that the server's document uses: $ref into the components,
/// type (one or several), properties, required, additionalProperties, items, oneOf/anyOf/allOf, enum. Formats and
/// patterns are not checked.
/// </summary>
internal sealed class SchemaValidator(JsonElement document, bool strictProperties)
{
    public void Validate(JsonElement schema, JsonElement value, string at, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True) return;
        if (schema.TryGetProperty("$ref", out JsonElement reference))
        {
            Validate(Resolve(reference.GetString()!), value, at, errors);
            return;
        }
        if (schema.TryGetProperty("oneOf", out JsonElement oneOf))
        {
            int matches = oneOf.EnumerateArray().Count(s => Matches(s, value, at));
            if (matches != 1) errors.Add($"{at}: matches {matches} of the oneOf schemas, not exactly one");
        }
        if (schema.TryGetProperty("anyOf", out JsonElement anyOf) && !anyOf.EnumerateArray().Any(s => Matches(s, value, at)))
            errors.Add($"{at}: matches none of the anyOf schemas");
        if (schema.TryGetProperty("allOf", out JsonElement allOf))
            foreach (JsonElement s in allOf.EnumerateArray()) Validate(s, value, at, errors);
        if (schema.TryGetProperty("enum", out JsonElement values) && !values.EnumerateArray().Any(v => v.GetRawText() == value.GetRawText()))
            errors.Add($"{at}: {value.GetRawText()} is not one of {values.GetRawText()}");
        if (schema.TryGetProperty("type", out JsonElement type))
        {
            string[] types = type.ValueKind == JsonValueKind.Array ? [.. type.EnumerateArray().Select(t => t.GetString()!)] : [type.GetString()!];
            if (!types.Any(t => IsType(t, value)))
            {
                errors.Add($"{at}: {value.ValueKind} {Short(value)} is not {string.Join(" or ", types)}");
                return;
            }
        }
        if (value.ValueKind == JsonValueKind.Object) ValidateObject(schema, value, at, errors);
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out JsonElement items))
        {
            int i = 0;
            foreach (JsonElement item in value.EnumerateArray()) Validate(items, item, $"{at}/{i++}", errors);
        }
    }

    private void ValidateObject(JsonElement schema, JsonElement value, string at, List<string> errors)
    {
        bool hasProperties = schema.TryGetProperty("properties", out JsonElement properties);
        if (schema.TryGetProperty("required", out JsonElement required))
            foreach (JsonElement r in required.EnumerateArray())
                if (!value.TryGetProperty(r.GetString()!, out _)) errors.Add($"{at}: required \"{r.GetString()}\" is missing");
        bool hasAdditional = schema.TryGetProperty("additionalProperties", out JsonElement additional);
        foreach (JsonProperty p in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(p.Name, out JsonElement propertySchema))
                Validate(propertySchema, p.Value, $"{at}/{p.Name}", errors);
            else if (hasAdditional && additional.ValueKind == JsonValueKind.Object)
                Validate(additional, p.Value, $"{at}/{p.Name}", errors);
            else if (hasAdditional && additional.ValueKind == JsonValueKind.False)
                errors.Add($"{at}: \"{p.Name}\" is not allowed");
            else if (strictProperties && hasProperties && !hasAdditional)
                errors.Add($"{at}: \"{p.Name}\" is not documented");
        }
    }

    private bool Matches(JsonElement schema, JsonElement value, string at)
    {
        var errors = new List<string>();
        Validate(schema, value, at, errors);
        return errors.Count == 0;
    }

    private JsonElement Resolve(string reference)
    {
        const string Prefix = "#/";
        if (!reference.StartsWith(Prefix, StringComparison.Ordinal)) throw new NotSupportedException("external $ref " + reference);
        JsonElement e = document;
        foreach (string part in reference[Prefix.Length..].Split('/')) e = e.GetProperty(part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        return e;
    }

    private static bool IsType(string type, JsonElement value) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out decimal d) && d == decimal.Truncate(d),
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        _ => false,
    };

    private static string Short(JsonElement value)
    {
        string raw = value.GetRawText();
        return raw.Length <= 60 ? raw : raw[..60] + "…";
    }
}
