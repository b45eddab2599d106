using System.Diagnostics;
using System.Globalization;
using Mnist.Engine.Data;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;
using Mnist.Engine.Training;
using Mnist.Imaging;
using Mnist.Inference;
using Mnist.NumberBench;
using DrawnDigit = Mnist.NumberBench.DrawnDigit;

const string Usage = """
    Measures whole-number reading on synthetic numbers built from pendigits writers (see NumberSynthesizer).
      mnist-numberbench eval   --model FILE --digits PENDIGITS.jsonl [--writers 21-30] [--count N] [--seed S] [--images] [--set Name=Value ...]
             [--diagnose [--save-errors DIR]] [--no-strokes]   why image numbers are missed: "lone" (read whole), "unreachable"
             (no grouping of the pieces reads the label), "outscored" (one does, another scores better); pieces as colours
      mnist-numberbench single --model FILE --digits PENDIGITS.jsonl --mnist DIR     read vs predict on lone digits
      mnist-numberbench write  --digits PENDIGITS.jsonl --out DIR [--writers 21-30] [--count N] [--seed S]
      mnist-numberbench photolike --model FILE --mnist DIR [--split train|test] [--from N] [--step N] [--count N] [--errors N] [--save-errors DIR]
             digits rendered as photo-like JPEGs (the photo-like test's renderer) and recognized as the server does; the
             defaults (test split, every 2nd digit, 5000) reproduce the test's figure; --split train --from 50000 scores the
             training images a validation-split model never saw
      mnist-numberbench rejection --model FILE --digits PENDIGITS.jsonl [--writers 21-30] [--categories LIST] [--count N]
             [--temperatures 1,1.1,1.2] [--probabilities FILE.csv]   where the confidence rule could sit: for each softmax
             temperature, the drawn digits of --writers answered confidently (and wrong among those) against each non-digit
             category (--count drawings each, default: the validation categories question,chevron,psi,small-h,lambda) read
             as a digit; --probabilities also writes every input's ten probabilities, one CSV row each
      mnist-numberbench shapes --out DIR [--count N] [--digits PENDIGITS.jsonl]
             the non-digit drawings (held-out ones as measured) as JSON lines and a contact sheet of their 28×28
             renderings: every trainable category, the held-out family and, with --digits, pairs of drawn digits
    """;
if (args.Length == 0 || args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
Options opts;
try
{
    opts = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"error: {e.Message}\n\n{Usage}");
    return 2;
}
try
{
    switch (opts.Command)
    {
        case "eval": return Eval(opts);
        case "single": return Single(opts);
        case "write": return Write(opts);
        case "shapes": return Shapes(opts);
        case "photolike": return PhotoLike(opts);
        case "rejection": return Rejection(opts);
        default:
            Console.Error.WriteLine($"error: unknown command '{opts.Command}'\n\n{Usage}");
            return 2;
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n\n{Usage}");
    return 2;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or Mnist.Inference.ModelLoadException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static int Eval(Options o)
{
    List<DrawnDigit> digits = NumberSynthesizer.Load(o.Digits);
    List<SyntheticNumber> numbers = NumberSynthesizer.Make(digits, o.Writers, o.Count, o.Seed);
    using OnnxDigitClassifier model = OnnxDigitClassifier.Load(o.Model);
    DigitBatchClassifier classify = model.ClassifyBatch;
    NumberReaderOptions weights = o.Weights;

    int right = 0, touchRight = 0, touchCount = 0, lengthRight = 0;
    var ms = new List<double>();
    var errors = new List<string>();
    foreach (SyntheticNumber n in o.NoStrokes ? [] : o.Only is int first ? numbers.Skip(first).Take(1) : numbers)
    {
        var strokes = n.Strokes.Select(s => (IReadOnlyList<StrokePoint>)s.Select(p => new StrokePoint(p[0], p[1])).ToArray()).ToArray();
        long t = Stopwatch.GetTimestamp();
        NumberReading r = NumberReader.FromStrokes(strokes, classify, options: weights);
        ms.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        bool ok = r.Number == n.Label;
        right += ok ? 1 : 0;
        lengthRight += r.Number.Length == n.Label.Length ? 1 : 0;
        if (!ok && errors.Count < o.ShowErrors) errors.Add($"strokes#{numbers.IndexOf(n)} w{n.Writer} {n.Label} -> {r.Number}");
    }
    ms.Sort();
    if (!o.NoStrokes) Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"strokes: {right}/{numbers.Count} = {100.0 * right / numbers.Count:F2}%, digit count right {100.0 * lengthRight / numbers.Count:F2}%  (p50 {ms[ms.Count / 2]:F2} ms, p90 {ms[ms.Count * 9 / 10]:F2} ms)"));

    if (o.Images)
    {
        var byStyle = new Dictionary<PaperStyle, (int Right, int Count)>();
        var diagnosis = new SortedDictionary<string, int>();
        int imageRight = 0;
        lengthRight = 0;
        ms.Clear();
        for (int i = o.Only ?? 0; i < (o.Only is int only ? only + 1 : numbers.Count); i++)
        {
            SyntheticNumber n = numbers[i];
            (byte[] encoded, PaperStyle style) = NumberRenderer.Render(n, i, o.Seed);
            DecodedImage image = ImageDecoder.Decode(encoded);
            long t = Stopwatch.GetTimestamp();
            NumberReading r = NumberReader.FromRgba(image.Rgba, image.Width, image.Height, classify, options: weights);
            ms.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            bool ok = r.Number == n.Label;
            imageRight += ok ? 1 : 0;
            lengthRight += r.Number.Length == n.Label.Length ? 1 : 0;
            (int a, int b) = byStyle.GetValueOrDefault(style);
            byStyle[style] = (a + (ok ? 1 : 0), b + 1);
            if (n.Touching > 0) { touchCount++; touchRight += ok ? 1 : 0; }
            if (!ok && o.Diagnose)
            {
                var d = NumberReader.DiagnoseRgba(image.Rgba, image.Width, image.Height, classify, weights, n.Label);
                string kind = d.Lone ? "lone" : double.IsNegativeInfinity(d.Label) ? "unreachable" : "outscored";
                diagnosis[kind] = diagnosis.GetValueOrDefault(kind) + 1;
                if (errors.Count < 2 * o.ShowErrors)
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"image#{i} {kind} pieces {d.Pieces} best {d.Best:F2} label {d.Label:F2}"));
                if (o.SaveErrors is not null && d.PieceMap is int[] map)
                {
                    Directory.CreateDirectory(o.SaveErrors);
                    SavePieces(Path.Combine(o.SaveErrors, $"{i}-{n.Label}-{r.Number}-pieces.png"), map, image.Width, image.Height);
                }
            }
            if (!ok && errors.Count < 2 * o.ShowErrors)
            {
                errors.Add($"image#{i} {style} w{n.Writer} {n.Label} -> {r.Number}");
                if (o.SaveErrors is not null)
                {
                    Directory.CreateDirectory(o.SaveErrors);
                    File.WriteAllBytes(Path.Combine(o.SaveErrors, $"{i}-{n.Label}-{r.Number}.{(style == PaperStyle.DarkOnLightJpeg ? "jpg" : "png")}"), encoded);
                }
            }
        }
        ms.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"images:  {imageRight}/{numbers.Count} = {100.0 * imageRight / numbers.Count:F2}%, digit count right {100.0 * lengthRight / numbers.Count:F2}%  (p50 {ms[ms.Count / 2]:F2} ms); with touching digits {touchRight}/{touchCount}"));
        foreach ((PaperStyle s, (int a, int b)) in byStyle.OrderBy(kv => kv.Key))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {s}: {a}/{b} = {100.0 * a / b:F2}%"));
        if (o.Diagnose) Console.WriteLine("  misses: " + string.Join(", ", diagnosis.Select(kv => $"{kv.Key} {kv.Value}")));
    }
    foreach (string e in errors) Console.WriteLine("  " + e);
    return 0;
}

static int Single(Options o)
{
    using OnnxDigitClassifier model = OnnxDigitClassifier.Load(o.Model);
    DigitBatchClassifier classify = model.ClassifyBatch;
    var probs = new float[10];
    int same = 0, total = 0;
    foreach (DrawnDigit d in o.Digits.Length == 0 ? [] : NumberSynthesizer.Load(o.Digits))
    {
        var strokes = d.Strokes.Select(s => (IReadOnlyList<StrokePoint>)s.Select(p => new StrokePoint(p[0], p[1])).ToArray()).ToArray();
        PreprocessResult p = DigitPreprocessor.FromStrokes(strokes);
        NumberReading r = NumberReader.FromStrokes(strokes, classify, options: o.Weights);
        if (p.IsEmpty) continue;
        model.ClassifyBatch(p.Pixels, 1, probs);
        total++;
        if (r.Number == ArgMax(probs).ToString(CultureInfo.InvariantCulture)) same++;
    }
    if (total > 0) Console.WriteLine($"pendigits: read = predict on {same}/{total} = {100.0 * same / total:F2}%");
    if (o.Mnist is not null)
    {
        MnistDataset test = MnistDataset.Load(o.Mnist, MnistSplit.Test);
        same = 0;
        for (int i = 0; i < test.Count; i++)
        {
            byte[] gray = test.Image(i).ToArray();
            PreprocessResult p = DigitPreprocessor.FromGray(gray, 28, 28);
            NumberReading r = NumberReader.FromGray(gray, 28, 28, classify, options: o.Weights);
            string predicted = "";
            if (!p.IsEmpty)
            {
                model.ClassifyBatch(p.Pixels, 1, probs);
                predicted = ArgMax(probs).ToString(CultureInfo.InvariantCulture);
            }
            if (r.Number != predicted && o.SaveErrors is not null && i - same < 60)
            {
                byte[] rgba = new byte[28 * 28 * 4];
                for (int k = 0; k < 784; k++) { rgba[4 * k] = rgba[4 * k + 1] = rgba[4 * k + 2] = gray[k]; rgba[4 * k + 3] = 255; }
                var d = NumberReader.DiagnoseRgba(rgba, 28, 28, classify, o.Weights, predicted);
                Directory.CreateDirectory(o.SaveErrors);
                if (d.PieceMap is int[] map) SavePieces(Path.Combine(o.SaveErrors, $"mnist{i}-{predicted}-{r.Number}-pieces.png"), map, 28, 28);
            }
            if (r.Number == predicted) same++;
            else if (i - same < 1000 && (test.Count - same) > 0 && o.ShowErrors > 0 && i < 3000) Console.WriteLine($"  mnist#{i} label {test.Labels[i]} predict '{predicted}' read '{r.Number}' digits {r.Digits.Count}");
        }
        Console.WriteLine($"MNIST test: read = predict on {same}/{test.Count} = {100.0 * same / test.Count:F2}%");
    }
    return 0;
}

static int Write(Options o)
{
    List<SyntheticNumber> numbers = NumberSynthesizer.Make(NumberSynthesizer.Load(o.Digits), o.Writers, o.Count, o.Seed);
    Directory.CreateDirectory(o.Out!);
    using var lines = new StreamWriter(Path.Combine(o.Out!, "numbers.jsonl"));
    for (int i = 0; i < numbers.Count; i++)
    {
        SyntheticNumber n = numbers[i];
        string strokes = System.Text.Json.JsonSerializer.Serialize(n.Strokes.Select(s => s.Select(p => new[] { MathF.Round(p[0], 1), MathF.Round(p[1], 1) })));
        lines.WriteLine($"{{\"label\":\"{n.Label}\",\"writer\":{n.Writer},\"strokes\":{strokes}}}");
        (byte[] encoded, PaperStyle style) = NumberRenderer.Render(n, i, o.Seed);
        File.WriteAllBytes(Path.Combine(o.Out!, $"{i:D4}-{n.Label}.{(style == PaperStyle.DarkOnLightJpeg ? "jpg" : "png")}"), encoded);
    }
    Console.WriteLine($"wrote {numbers.Count} numbers to {o.Out}");
    return 0;
}

static int PhotoLike(Options o)
{
    string folder = o.Mnist ?? Environment.GetEnvironmentVariable("MNIST_DATA")
        ?? throw new ArgumentException("photolike needs --mnist DIR (or $MNIST_DATA)");
    MnistSplit split = o.Split switch { "train" => MnistSplit.Train, "test" => MnistSplit.Test, _ => throw new ArgumentException($"--split train|test, not {o.Split}") };
    MnistDataset data = MnistDataset.Load(folder, split);
    // By default the photo-like test's own renderings: every second digit, 5,000 of them.
    int count = Math.Min(o.CountGiven ? o.Count : 5000, (data.Count - o.From + o.Step - 1) / o.Step);
    using var pipeline = new DigitPipeline(OnnxDigitClassifier.Load(o.Model));
    var rng = new Mnist.Engine.Tensors.SplitMix(2026, 5); // the photo-like test's stream
    int correct = 0;
    var misses = new List<string>();
    for (int i = 0; i < count; i++)
    {
        int index = o.From + i * o.Step;
        var (jpeg, description) = Mnist.Tests.Shared.PhotoLikeRenderer.Render(data.Image(index).ToArray(), rng);
        int? digit = pipeline.Recognize(jpeg).Digit;
        if (digit == data.Labels[index]) correct++;
        else
        {
            string got = digit?.ToString(CultureInfo.InvariantCulture) ?? "none";
            if (misses.Count < o.ShowErrors) misses.Add($"  #{index} label {data.Labels[index]} got {got} ({description})");
            if (o.SaveErrors is not null)
            {
                Directory.CreateDirectory(o.SaveErrors);
                File.WriteAllBytes(Path.Combine(o.SaveErrors, $"{index}-label{data.Labels[index]}-got-{got}.jpg"), jpeg);
            }
        }
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"photo-like ({o.Split} images {o.From}, every {o.Step}.): {correct}/{count} = {100.0 * correct / count:F2}%  model {o.Model}"));
    foreach (string m in misses) Console.WriteLine(m);
    return 0;
}

static int Rejection(Options o)
{
    if (o.Digits.Length == 0) throw new ArgumentException("rejection needs --digits PENDIGITS.jsonl");
    var model = Mnist.Engine.Formats.OnnxImporter.Load(o.Model).Model;
    var digits = DrawnDigitSet.Load(o.Digits).Where(WriterSet.Of(o.Writers));
    if (digits.Count == 0) throw new ArgumentException($"{o.Digits} has no digits of writers {WriterSet.Of(o.Writers)}");
    string[] categories = (o.Categories ?? "question,chevron,psi,small-h,lambda").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var drawings = NonDigitEvaluation.Drawings(categories, o.CountGiven ? o.Count : 200);

    float[][] digitImages = NonDigitEvaluation.Render(digits.Count, i => DigitPreprocessor.FromStrokes(digits.Samples[i].StrokeList));
    float[][] shapeImages = NonDigitEvaluation.Render(drawings.Count, i => DigitPreprocessor.FromStrokes(drawings[i].Strokes));
    float[] digitProbabilities = NonDigitEvaluation.Probabilities(model, digitImages), shapeProbabilities = NonDigitEvaluation.Probabilities(model, shapeImages);
    int classes = model.OutputItemShape[^1];
    if (o.ProbabilitiesFile is not null)
        WriteProbabilities(o.ProbabilitiesFile, classes, digits, digitImages, digitProbabilities, drawings, shapeImages, shapeProbabilities);

    Console.WriteLine($"model {o.Model}; writers {WriterSet.Of(o.Writers)} ({digitImages.Count(x => x.Length > 0)} digits with ink); " +
        $"{drawings.Count / categories.Length} drawings of each category; a confident answer: {PredictionQuality.MinConfidence} and {PredictionQuality.MinMargin} above the runner-up");
    Console.WriteLine($"{"temperature",11} | {"writers: confident",18} | {"wrong",6} | {"non-digits",10} | " + string.Join(" | ", categories));
    foreach (double t in o.Temperatures)
    {
        int n = 0, confident = 0, wrong = 0;
        for (int i = 0; i < digitImages.Length; i++)
        {
            if (digitImages[i].Length == 0) continue;
            n++;
            var a = PredictionQuality.Assess(Soften(digitProbabilities.AsSpan(i * classes, classes), t));
            if (!a.IsConfident) continue;
            confident++;
            if (a.Digit != digits.Samples[i].Label) wrong++;
        }
        var accepted = new Dictionary<string, (int Count, int Accepted)>();
        for (int i = 0; i < shapeImages.Length; i++)
        {
            if (shapeImages[i].Length == 0) continue;
            var (c, a) = accepted.GetValueOrDefault(drawings[i].Category);
            accepted[drawings[i].Category] = (c + 1, a + (PredictionQuality.Assess(Soften(shapeProbabilities.AsSpan(i * classes, classes), t)).IsConfident ? 1 : 0));
        }
        int all = accepted.Values.Sum(v => v.Count), allAccepted = accepted.Values.Sum(v => v.Accepted);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{t,11:0.00} | {100.0 * confident / n,17:F2}% | {100.0 * wrong / Math.Max(1, confident),5:F2}% | {100.0 * allAccepted / Math.Max(1, all),9:F1}% | ")
            + string.Join(" | ", categories.Select(c => accepted.TryGetValue(c, out var v) ? (100.0 * v.Accepted / v.Count).ToString("F1", CultureInfo.InvariantCulture) + "%" : "-")));
    }
    return 0;

    // One CSV row per input with ink: what it is (a writer's digit or a non-digit category) and the ten probabilities,
    // so that other confidence rules can be weighed on the same outputs without running the network again.
    static void WriteProbabilities(string path, int classes, DrawnDigitSet digits, float[][] digitImages, float[] digitProbabilities,
        IReadOnlyList<(string Category, StrokePoint[][] Strokes)> drawings, float[][] shapeImages, float[] shapeProbabilities)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("kind,writer,label,category," + string.Join(",", Enumerable.Range(0, classes).Select(k => $"p{k}")));
        string Row(float[] p, int i) => string.Join(",", p.AsSpan(i * classes, classes).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        for (int i = 0; i < digitImages.Length; i++)
            if (digitImages[i].Length > 0)
                w.WriteLine($"digit,{digits.Samples[i].Writer},{digits.Samples[i].Label},,{Row(digitProbabilities, i)}");
        for (int i = 0; i < shapeImages.Length; i++)
            if (shapeImages[i].Length > 0)
                w.WriteLine($"non-digit,,,{drawings[i].Category},{Row(shapeProbabilities, i)}");
    }

    // softmax(logits / t) from softmax(logits): the same as dividing the network's last layer by t.
    static float[] Soften(ReadOnlySpan<float> probabilities, double t)
    {
        var r = new float[probabilities.Length];
        double sum = 0;
        for (int k = 0; k < r.Length; k++) sum += r[k] = (float)Math.Pow(Math.Max(probabilities[k], 1e-30f), 1 / t);
        for (int k = 0; k < r.Length; k++) r[k] = (float)(r[k] / sum);
        return r;
    }
}

static int Shapes(Options o)
{
    int per = Math.Min(o.Count, 24);
    Directory.CreateDirectory(o.Out!);
    var heldOut = NonDigitEvaluation.HeldOutDrawings(o.Count);
    using (var lines = new StreamWriter(Path.Combine(o.Out!, "held-out-shapes.jsonl")))
    {
        foreach (var (category, strokes) in heldOut)
        {
            string json = System.Text.Json.JsonSerializer.Serialize(strokes.Select(s => s.Select(p => new[] { MathF.Round(p.X, 1), MathF.Round(p.Y, 1) })));
            lines.WriteLine($"{{\"category\":\"{category}\",\"strokes\":{json}}}");
        }
    }
    // Sheet: one row per category (the trainable ones, training family first, then the held-out family), per drawings
    // across, each 28×28 scaled ×2.
    var rows = new List<(string Category, StrokePoint[][] Strokes)[]>();
    var training = Mnist.Engine.Data.NonDigits.NonDigitShapes.Trainable;
    for (int c = 0; c < training.Count; c++)
    {
        string category = training[c];
        var row = new (string, StrokePoint[][])[per];
        for (int i = 0; i < per; i++)
        {
            // By the category's place in the family: a string's hash code changes from one process to the next.
            var rng = new StreamRandom(7, 1, (ulong)c, (ulong)i);
            row[i] = (category, Mnist.Engine.Data.NonDigits.NonDigitShapes.Draw(category, ref rng));
        }
        rows.Add(row);
    }
    foreach (var group in heldOut.GroupBy(d => d.Category)) rows.Add(group.Take(per).ToArray());
    // With --digits: four rows of digit pairs as `mnist train --non-digit-pairs` renders them (strong augmentation).
    var pairRows = new List<float[][]>();
    if (o.Digits.Length > 0)
    {
        var digits = Mnist.Engine.Data.DrawnDigitSet.Load(o.Digits).Samples;
        var pairs = new Mnist.Engine.Data.NonDigits.DigitPairs(digits);
        var augmenter = new Mnist.Engine.Data.Augmentation.StrokeAugmenter(
            Mnist.Engine.Data.Augmentation.StrokeAugmentationOptions.FromName("strong"), 7);
        for (int r = 0; r < 4; r++)
        {
            var row = new float[per][];
            for (int i = 0; i < per; i++)
            {
                var rng = new StreamRandom(7, 2, (ulong)r, (ulong)i);
                row[i] = new float[DigitPreprocessor.PixelCount];
                pairs.Render(ref rng, augmenter, 0, 2L * (r * per + i), row[i]);
            }
            pairRows.Add(row);
        }
    }
    const int Cell = 56;
    using var bitmap = new SkiaSharp.SKBitmap(per * Cell, (rows.Count + pairRows.Count) * Cell, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque);
    for (int r = 0; r < pairRows.Count; r++)
        for (int c = 0; c < per; c++)
            for (int y = 0; y < Cell; y++)
                for (int x = 0; x < Cell; x++)
                    bitmap.SetPixel(c * Cell + x, (rows.Count + r) * Cell + y, Gray(pairRows[r][c][(y / 2) * 28 + x / 2]));
    for (int r = 0; r < rows.Count; r++)
        for (int c = 0; c < rows[r].Length; c++)
        {
            var result = DigitPreprocessor.FromStrokes(rows[r][c].Strokes);
            if (result.IsEmpty) continue;
            for (int y = 0; y < Cell; y++)
                for (int x = 0; x < Cell; x++)
                    bitmap.SetPixel(c * Cell + x, r * Cell + y, Gray(result.Pixels[(y / 2) * 28 + x / 2]));
        }
    using (var file = File.Create(Path.Combine(o.Out!, "shapes.png")))
        bitmap.Encode(file, SkiaSharp.SKEncodedImageFormat.Png, 100);
    Console.WriteLine($"wrote {heldOut.Count} held-out drawings and a sheet of {rows.Count} categories to {o.Out}");
    return 0;

    static SkiaSharp.SKColor Gray(float v) { byte b = (byte)Math.Clamp(v * 255f, 0, 255); return new SkiaSharp.SKColor(b, b, b); }
}

static void SavePieces(string path, int[] map, int width, int height)
{
    SkiaSharp.SKColor[] colours = [new(230, 25, 75), new(60, 180, 75), new(0, 130, 200), new(245, 130, 48), new(145, 30, 180), new(70, 200, 200), new(240, 50, 230), new(128, 128, 0)];
    int zoom = Math.Max(1, 240 / height);
    using var bitmap = new SkiaSharp.SKBitmap(width * zoom, height * zoom, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque);
    for (int y = 0; y < height * zoom; y++)
        for (int x = 0; x < width * zoom; x++)
        {
            int k = map[y / zoom * width + x / zoom];
            bitmap.SetPixel(x, y, k < 0 ? SkiaSharp.SKColors.White : colours[k % colours.Length]);
        }
    using var file = File.Create(path);
    bitmap.Encode(file, SkiaSharp.SKEncodedImageFormat.Png, 100);
}

static int ArgMax(float[] p)
{
    int best = 0;
    for (int i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
    return best;
}

internal sealed class Options
{
    public string Command { get; private set; } = "";
    public string Model { get; private set; } = "models/mnist.onnx";
    public string Digits { get; private set; } = "";
    public string? Mnist { get; private set; }
    public string? Out { get; private set; }
    public string? SaveErrors { get; private set; }
    public HashSet<int> Writers { get; private set; } = [.. Enumerable.Range(21, 10)];
    public int Count { get; private set; } = 500;
    public bool CountGiven { get; private set; }
    public int Seed { get; private set; } = 1;
    public int ShowErrors { get; private set; } = 10;
    public bool Images { get; private set; }
    public bool Diagnose { get; private set; }
    public bool NoStrokes { get; private set; }
    public int? Only { get; private set; }
    public string Split { get; private set; } = "test";
    public int From { get; private set; }
    public int Step { get; private set; } = 2;
    public NumberReaderOptions Weights { get; private set; } = NumberReaderOptions.Default;
    public string? Categories { get; private set; }
    public double[] Temperatures { get; private set; } = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5];
    public string? ProbabilitiesFile { get; private set; }

    public static Options Parse(string[] args)
    {
        var o = new Options { Command = args.Length > 0 ? args[0] : "" };
        for (int i = 1; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--model": o.Model = Next(); break;
                case "--digits": o.Digits = Next(); break;
                case "--mnist": o.Mnist = Next(); break;
                case "--out": o.Out = Next(); break;
                case "--save-errors": o.SaveErrors = Next(); break;
                case "--count": o.Count = int.Parse(Next(), CultureInfo.InvariantCulture); o.CountGiven = true; break;
                case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--errors": o.ShowErrors = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--images": o.Images = true; break;
                case "--diagnose": o.Diagnose = true; break;
                case "--no-strokes": o.NoStrokes = true; break;
                case "--only": o.Only = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--split": o.Split = Next(); break;
                case "--categories": o.Categories = Next(); break;
                case "--probabilities": o.ProbabilitiesFile = Next(); break;
                case "--temperatures":
                    o.Temperatures = [.. Next().Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture))];
                    if (o.Temperatures.Any(t => !(t > 0) || double.IsInfinity(t))) throw new ArgumentException("--temperatures: each must be a positive number");
                    break;
                case "--from": o.From = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--step": o.Step = Math.Max(1, int.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--writers":
                    string[] range = Next().Split('-');
                    int lo = int.Parse(range[0], CultureInfo.InvariantCulture), hi = int.Parse(range[^1], CultureInfo.InvariantCulture);
                    o.Writers = [.. Enumerable.Range(lo, hi - lo + 1)];
                    break;
                case "--set":
                    string[] kv = Next().Split('=');
                    float v = float.Parse(kv[1], CultureInfo.InvariantCulture);
                    o.Weights = kv[0] switch
                    {
                        "GapPenalty" => o.Weights with { GapPenalty = v },
                        "OverlapPenalty" => o.Weights with { OverlapPenalty = v },
                        "ShortPenalty" => o.Weights with { ShortPenalty = v },
                        "ShortDigit" => o.Weights with { ShortDigit = v },
                        "LoneDigitWidth" => o.Weights with { LoneDigitWidth = v },
                        "CutCost" => o.Weights with { CutCost = v },
                        "MaxGap" => o.Weights with { MaxGap = v },
                        "WideDigit" => o.Weights with { WideDigit = v },
                        "WidthPenalty" => o.Weights with { WidthPenalty = v },
                        "DigitCost" => o.Weights with { DigitCost = v },
                        "SkipCost" => o.Weights with { SkipCost = v },
                        "CutWidth" => o.Weights with { CutWidth = v },
                        "WholeBonus" => o.Weights with { WholeBonus = v },
                        "WholeWidth" => o.Weights with { WholeWidth = v },
                        "AmbiguityCost" => o.Weights with { AmbiguityCost = v },
                        "AmbiguityMargin" => o.Weights with { AmbiguityMargin = v },
                        "MaxPiecesPerDigit" => o.Weights with { MaxPiecesPerDigit = (int)v },
                        "StrokeCuts" => o.Weights with { StrokeCuts = v != 0 },
                        "StrokeCutWidth" => o.Weights with { StrokeCutWidth = v },
                        _ => throw new ArgumentException($"unknown weight {kv[0]}"),
                    };
                    break;
                default: throw new ArgumentException($"unknown option {a}");
            }
        }
        return o;
    }
}
