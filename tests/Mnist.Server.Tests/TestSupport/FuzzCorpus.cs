using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Mnist.Server.Tests.TestSupport;

/// <summary>One fuzz request. <see cref="Raw"/>, when set, is sent as-is over a socket (framing errors HttpClient
/// cannot produce: lying Content-Length, broken chunking, bad request lines); otherwise the other fields make an
/// <see cref="HttpRequestMessage"/>.</summary>
internal sealed record FuzzCase(string Method, string Path, string ContentType, byte[] Body, IReadOnlyList<(string Name, string Value)> Headers,
    byte[]? Raw, string Kind)
{
    /// <summary>A short description for failure messages: method, path, kind and the first bytes.</summary>
    public override string ToString()
    {
        byte[] b = Raw ?? Body;
        string head = Encoding.Latin1.GetString(b, 0, Math.Min(b.Length, 80)).ReplaceLineEndings("⏎");
        string headers = string.Concat(Headers.Select(h => $" {h.Name}: {h.Value};"));
        return $"{Method} {Path} [{Kind}; {ContentType};{headers} {b.Length} bytes] {head}";
    }

    /// <summary>The request for HttpClient (not for raw cases).</summary>
    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), Path);
        foreach (var (name, value) in Headers) request.Headers.TryAddWithoutValidation(name, value);
        if (Method is not ("GET" or "HEAD"))
        {
            request.Content = new ByteArrayContent(Body);
            if (ContentType.Length > 0) request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }
        return request;
    }
}

/// <summary>
/// Random and mutated requests against every endpoint, reproducible: case <c>i</c> of seed <c>s</c> is always the same
/// (each case has its own <see cref="Random"/>), so a failure can be replayed and the cases need not be held in memory.
/// Valid bodies (pixels, strokes, batch, PNG, JPEG, Flask multipart) are mutated by bit flips, deletions, insertions,
/// truncation, duplication and JSON tokens (huge numbers, NaN, deep nesting); the rest is random bytes, wrong content
/// types, broken multipart boundaries, odd conditional headers on the model downloads, and, for raw cases, lying
/// framing (declared lengths far beyond the body, broken chunking, garbage request lines).
/// </summary>
internal sealed class FuzzCorpus
{
    /// <summary>Every endpoint of the API, plus a few paths that are not.</summary>
    public static readonly string[] Paths = ["/v1/predict", "/mnist", "/v1/model", "/v1/models/current.onnx", "/v1/models/current.tflite",
        "/healthz", "/readyz", "/metrics", "/", "/openapi/v1.json", "/scalar", "/v1/predict/", "/v1", "/nothing", "/mnist?x=%ZZ"];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH"];

    private static readonly string[] ContentTypes = ["application/json", "image/png", "image/jpeg", "application/octet-stream",
        "multipart/form-data; boundary=b", "text/plain", "application/problem+json", "image/gif", "image/webp", "image/bmp", "",
        "application/json; charset=utf-16", "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"unterminated",
        "multipart/form-data; boundary=" + new string('x', 300), "application/x-www-form-urlencoded", "image/", "*/*", ";;;", "application/json; charset=\"",
        "multipart/mixed; boundary=b", "image/svg+xml"];

    private static readonly string[] EntityTags = ["*", "\"x\"", "W/\"x\"", "x", "\"\"", "", "\"a\", \"b\", *", "W/", "\"" + new string('f', 64) + "\"",
        "\"unterminated", ",,,", "\"\\\"\"", "*, \"x\"", new string('"', 40)];

    private static readonly string[] OddHeaderValues = ["bytes=0-10", "bytes=-5", "bytes=999999999-", "bytes=5-1", "bytes=a-b", "Wed, 99 Foo 1999",
        "0", "-1", "gzip, deflate, br", "*", "", "text/html;q=NaN", "1e999"];

    private const string Punctuation = "0123456789-.e,[]{}\":";

    private static readonly string[] Tokens = ["NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e309", "1e308", "-1", "null", "true", "\"x\"",
        "[[[", "]]]", "{}", "{\"items\":[", "\"pixels\":", "\"strokes\":", "\"width\":", "\"height\":", "99999999999999999999",
        "18446744073709551616", "1" + new string('0', 400), "0." + new string('0', 400) + "1", "-0", "1.5", "4.9e-324", "\\u0000", "\\ud800",
        "\r\n--b\r\n", "\r\n--b--\r\n", "\r\n\r\n", "\"\uFFFF\"", "\u00ff\u00fe"];

    private readonly List<(string Type, byte[] Body)> _seeds;
    private readonly int _seed;

    /// <summary>A corpus whose cases derive from <paramref name="seed"/>.</summary>
    public FuzzCorpus(int seed)
    {
        _seed = seed;
        _seeds = Seeds();
    }

    /// <summary>Case <paramref name="index"/>; <paramref name="allowRaw"/> false keeps to what HttpClient can send
    /// (the in-process TestServer has no socket).</summary>
    public FuzzCase Case(int index, bool allowRaw)
    {
        var rng = new Random(unchecked(_seed * 1_000_003 + index)); // HashCode.Combine is salted per process: not replayable
        if (allowRaw && rng.Next(10) == 0) return RawCase(rng);

        string path = rng.Next(4) == 0 ? Paths[rng.Next(Paths.Length)] : rng.Next(2) == 0 ? "/v1/predict" : "/mnist";
        string method = rng.Next(8) switch { 0 => "GET", 1 => Methods[rng.Next(Methods.Length)], _ => "POST" };
        (string type, byte[] body, string kind) = Body(rng);
        if (rng.Next(5) == 0) type = ContentTypes[rng.Next(ContentTypes.Length)];

        var headers = new List<(string, string)>();
        if (path.StartsWith("/v1/model", StringComparison.Ordinal) || rng.Next(10) == 0)
        {
            if (rng.Next(2) == 0) headers.Add(("If-None-Match", EntityTags[rng.Next(EntityTags.Length)]));
            if (rng.Next(3) == 0) headers.Add(("If-Modified-Since", OddHeaderValues[rng.Next(OddHeaderValues.Length)]));
            if (rng.Next(3) == 0) headers.Add(("Range", OddHeaderValues[rng.Next(OddHeaderValues.Length)]));
            if (rng.Next(3) == 0) headers.Add(("If-Range", EntityTags[rng.Next(EntityTags.Length)]));
            if (rng.Next(4) == 0) headers.Add(("Accept", OddHeaderValues[rng.Next(OddHeaderValues.Length)]));
        }
        return new FuzzCase(method, path, type, body, headers, null, kind);
    }

    private (string Type, byte[] Body, string Kind) Body(Random rng)
    {
        (string type, byte[] body) = _seeds[rng.Next(_seeds.Count)];
        return rng.Next(12) switch
        {
            0 => (type, RandomBytes(rng, rng.Next(0, 4096)), "random"),
            1 => (type, body, "valid"),
            2 => ("application/json", DeepNesting(rng), "nesting"),
            3 => ("application/json", NumberSoup(rng), "numbers"),
            4 => BrokenMultipart(rng),
            _ => (type, Mutate(rng, body), "mutated"),
        };
    }

    private static List<(string, byte[])> Seeds()
    {
        var seeds = new List<(string, byte[])>
        {
            ("application/json", Encoding.UTF8.GetBytes(TestImages.PixelsJson(0))),
            ("application/json", """{"strokes":[[[10,10],[20,40],[30,80]],[[5,5],[50,5]]],"width":100,"height":100}"""u8.ToArray()),
            ("application/json", """{"strokes":[[{"x":1,"y":2},{"x":30,"y":60}]]}"""u8.ToArray()),
            ("application/json", """{"strokes":[[[0,0,0],[10,90,16],[60,40,33]]],"width":64,"height":128}"""u8.ToArray()),
            ("application/json", Encoding.UTF8.GetBytes("{\"items\":[" + TestImages.PixelsJson(1) + ",{\"strokes\":[]}]}")),
            ("image/png", TestImages.Png(2)),
            ("image/jpeg", TestImages.Photo(3, SkiaSharp.SKEncodedImageFormat.Jpeg)),
            ("multipart/form-data; boundary=b", Multipart(TestImages.Png(4))),
        };
        return seeds;
    }

    private static byte[] Multipart(byte[] png, string boundary = "b", string field = "mnist_image")
    {
        using var form = new MultipartFormDataContent(boundary);
        var file = new ByteArrayContent(png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, field, "d.png");
        return form.ReadAsByteArrayAsync().GetAwaiter().GetResult();
    }

    /// <summary>A Flask upload whose boundaries are wrong in one of several ways.</summary>
    private static (string, byte[], string) BrokenMultipart(Random rng)
    {
        byte[] png = TestImages.Png(5 + rng.Next(5));
        string b = "b" + rng.Next(1000).ToString(CultureInfo.InvariantCulture);
        byte[] good = Multipart(png, b);
        string type = "multipart/form-data; boundary=" + b;
        switch (rng.Next(9))
        {
            case 0: return ("multipart/form-data; boundary=other", good, "multipart-wrong-boundary");
            case 1: return (type, good[..(good.Length * rng.Next(1, 10) / 10)], "multipart-truncated");
            case 2: return (type, Encoding.ASCII.GetBytes("--" + b + "\r\n").Concat(png).ToArray(), "multipart-no-headers");
            case 3: return (type, good.Concat(good).ToArray(), "multipart-twice");
            case 4:
            {
                // Many parts with many headers each.
                var sb = new StringBuilder();
                for (int p = 0; p < 20; p++)
                {
                    sb.Append("--").Append(b).Append("\r\n");
                    for (int h = 0; h < 20; h++) sb.Append("X-H").Append(h).Append(": ").Append(new string('v', rng.Next(1, 600))).Append("\r\n");
                    sb.Append("\r\nx\r\n");
                }
                sb.Append("--").Append(b).Append("--\r\n");
                return (type, Encoding.ASCII.GetBytes(sb.ToString()), "multipart-many-parts");
            }
            case 5: return (type, Encoding.ASCII.GetBytes($"--{b}\r\nContent-Disposition: form-data; name=\"mnist_image\"; filename*=utf-8''%FF%FE%00\r\n\r\n").Concat(png).Concat(Encoding.ASCII.GetBytes($"\r\n--{b}--\r\n")).ToArray(), "multipart-odd-filename");
            case 6: return (type, Multipart([], b), "multipart-empty-file");
            case 7: return (type, Multipart(RandomBytes(rng, 300), b), "multipart-not-image");
            default: return ("multipart/form-data; boundary=" + b, Mutate(rng, good), "multipart-mutated");
        }
    }

    private static byte[] DeepNesting(Random rng)
    {
        int depth = rng.Next(2) == 0 ? rng.Next(10, 40) : rng.Next(100, 100_000);
        string open = rng.Next(3) switch { 0 => "[", 1 => "{\"items\":[", _ => "{\"strokes\":[" };
        var sb = new StringBuilder(depth * open.Length * 2);
        for (int i = 0; i < depth; i++) sb.Append(open);
        if (rng.Next(2) == 0) for (int i = 0; i < depth; i++) sb.Append(open[0] == '[' ? "]" : "]}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Well-formed pixels/strokes bodies whose numbers are extreme.</summary>
    private static byte[] NumberSoup(Random rng)
    {
        string[] numbers = ["1e999", "-1e999", "1e308", "NaN", "Infinity", "-0", "255.0000001", "256", "-1", "1" + new string('0', 400),
            "4.9e-324", "0.5", "2147483648", "-2147483649", "1E+2", "0x10", "00", ".5", "5."];
        string N() => rng.Next(3) == 0 ? numbers[rng.Next(numbers.Length)] : rng.Next(256).ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        if (rng.Next(2) == 0)
        {
            int count = rng.Next(4) == 0 ? rng.Next(0, 2000) : 784;
            sb.Append("{\"pixels\":[");
            for (int i = 0; i < count; i++) sb.Append(i > 0 ? "," : "").Append(rng.Next(50) == 0 ? N() : "0");
            sb.Append("]}");
        }
        else
        {
            sb.Append("{\"strokes\":[[");
            int points = rng.Next(1, 50);
            for (int i = 0; i < points; i++) sb.Append(i > 0 ? "," : "").Append('[').Append(N()).Append(',').Append(N()).Append(']');
            sb.Append("]],\"width\":").Append(N()).Append(",\"height\":").Append(N()).Append('}');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>A request written byte by byte: framing that a well-behaved client never sends.</summary>
    private FuzzCase RawCase(Random rng)
    {
        string path = Paths[rng.Next(Paths.Length)];
        (string type, byte[] body, _) = Body(rng);
        string head;
        string kind;
        byte[] sent = body;
        switch (rng.Next(9))
        {
            case 0: // declares far more than it sends (then half-closes)
                head = $"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {type}\r\nContent-Length: {(rng.Next(2) == 0 ? long.MaxValue : body.Length + 1 + rng.Next(1_000_000))}\r\n\r\n";
                kind = "raw-long-declared";
                break;
            case 1: // declares less than it sends
                head = $"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {type}\r\nContent-Length: {rng.Next(Math.Max(1, body.Length))}\r\n\r\n";
                kind = "raw-short-declared";
                break;
            case 2: // unparseable or conflicting lengths
                string[] lengths = ["-1", "abc", "1e3", "99999999999999999999999", " 12", "0x10", "5, 6"];
                head = $"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {type}\r\nContent-Length: {lengths[rng.Next(lengths.Length)]}\r\n" +
                    (rng.Next(2) == 0 ? $"Content-Length: {body.Length + 7}\r\n" : "") + "\r\n";
                kind = "raw-bad-length";
                break;
            case 3: // chunked with lying or broken chunk sizes
                string[] sizes = ["FFFFFFFFFFFFFFFF", "-1", "zz", (body.Length + 100).ToString("X", CultureInfo.InvariantCulture), "1;ext=" + new string('e', 5000)];
                head = $"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {type}\r\nTransfer-Encoding: chunked\r\n\r\n{sizes[rng.Next(sizes.Length)]}\r\n";
                kind = "raw-bad-chunked";
                break;
            case 4: // both framings at once
                head = $"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {type}\r\nContent-Length: {body.Length}\r\nTransfer-Encoding: chunked\r\n\r\n";
                kind = "raw-cl-and-te";
                break;
            case 5: // garbage request line
                head = Encoding.Latin1.GetString(RandomBytes(rng, rng.Next(1, 200))) + "\r\n\r\n";
                sent = [];
                kind = "raw-garbage-line";
                break;
            case 6: // enormous header
                head = $"GET {path} HTTP/1.1\r\nHost: x\r\nX-Big: {new string('a', rng.Next(10_000, 200_000))}\r\n\r\n";
                sent = [];
                kind = "raw-big-header";
                break;
            case 7: // header without colon, bare LF, control characters
                head = rng.Next(2) == 0
                    ? $"POST {path} HTTP/1.1\r\nHost: x\r\nNoColonHere\r\nContent-Type: {type}\n\u0001X: y\r\nContent-Length: {body.Length}\r\n\r\n"
                    : $"POST {path} HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"\u00ff\u0080\"\r\nContent-Type: {type}\u00e9\r\nContent-Length: {body.Length}\r\n\r\n";
                kind = "raw-bad-headers";
                break;
            default: // a good request followed by garbage on the same connection
                head = $"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {type}\r\nContent-Length: {body.Length}\r\n\r\n";
                sent = [.. body, .. RandomBytes(rng, rng.Next(1, 300))];
                kind = "raw-pipelined-garbage";
                break;
        }
        byte[] raw = [.. Encoding.Latin1.GetBytes(head), .. sent];
        return new FuzzCase("RAW", path, type, body, [], raw, kind);
    }

    private static byte[] Mutate(Random rng, byte[] body)
    {
        var b = new List<byte>(body);
        int edits = 1 + rng.Next(8);
        for (int e = 0; e < edits && b.Count > 0; e++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(8))
            {
                case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;                                   // flip a bit
                case 1: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(64))); break;       // delete a run
                case 2: b.InsertRange(at, RandomBytes(rng, 1 + rng.Next(32))); break;             // insert noise
                case 3: b.RemoveRange(at, b.Count - at); break;                                    // truncate
                case 4: b.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[rng.Next(Tokens.Length)])); break; // token
                case 5: b.InsertRange(at, b.GetRange(at, Math.Min(b.Count - at, 1 + rng.Next(256)))); break; // duplicate a run
                case 6: b[at] = (byte)rng.Next(256); break;                                         // replace a byte
                default: b[at] = (byte)Punctuation[rng.Next(Punctuation.Length)]; break;           // JSON punctuation
            }
        }
        return [.. b];
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }
}
