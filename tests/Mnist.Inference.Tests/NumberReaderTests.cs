using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;
using SkiaSharp;

using Mnist.Imaging;

namespace Mnist.Inference.Tests;

/// <summary>
/// Segmentation cases of <see cref="NumberReader"/> with the shipped model: digits built from simple pen strokes
/// (a 1 is a slanted line, a 0 an ellipse, …), read from the strokes and from images rendered by SkiaSharp.
/// </summary>
public sealed class NumberReaderTests : IDisposable
{
    private const float H = 100f;
    private readonly OnnxDigitClassifier _model = OnnxDigitClassifier.Load(PhotoLikeRobustnessTests.ShippedModelPath());

    public void Dispose() => _model.Dispose();

    private NumberReading ReadStrokes(params float[][][] strokes) =>
        NumberReader.FromStrokes(ToStrokes(strokes), _model.ClassifyBatch);

    private NumberReading ReadImage(float pen, params float[][][] strokes)
    {
        (byte[] gray, int w, int h) = Render(strokes, pen);
        return NumberReader.FromGray(gray, w, h, _model.ClassifyBatch);
    }

    [Fact]
    public void Two_separate_digits_read_as_a_number()
    {
        NumberReading r = ReadStrokes([One(0), .. Zero(60)]);
        Assert.Equal("10", r.Number);
        Assert.Equal(2, r.Digits.Count);
        Assert.True(r.Digits[0].Box.X < r.Digits[1].Box.X);
    }

    [Fact]
    public void A_four_of_two_strokes_is_one_digit()
    {
        NumberReading r = ReadStrokes(Four(0));
        Assert.Equal("4", r.Number);
        NumberReading pair = ReadStrokes([.. Four(0), One(110)]);
        Assert.Equal("41", pair.Number);
    }

    [Fact]
    public void A_lone_one_beside_a_seven_stays_its_own_digit()
    {
        // The 1 stands close to the 7's bar, inside its horizontal reach.
        NumberReading r = ReadStrokes(Seven(0), One(58));
        Assert.Equal("71", r.Number);
    }

    [Fact]
    public void A_broken_five_in_an_image_is_one_digit()
    {
        // The 5's bar does not touch its body: two connected components, one digit.
        float[][][] five = Five(0, brokenBar: true);
        (byte[] gray, int w, int h) = Render(five, pen: 9f);
        Assert.True(Components(gray, w, h) >= 2, "the test image should hold a broken 5");
        Assert.Equal("5", NumberReader.FromGray(gray, w, h, _model.ClassifyBatch).Number);
        Assert.Equal("53", ReadImage(9f, [.. five, .. Three(90)]).Number);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("04")]
    [InlineData("40")]
    public void A_touching_pair_in_an_image_is_cut_into_two_digits(string number)
    {
        // The two digits' ink touches: one connected component, which only a cut can separate.
        float[][][] pair = number switch
        {
            "30" => [.. Three(0), .. Zero(56)],
            "04" => [.. Zero(0), .. Four(64)],
            _ => [.. Four(0), .. Zero(68)],
        };
        (byte[] gray, int w, int h) = Render(pair, pen: 9f);
        Assert.Equal(1, Components(gray, w, h));
        Assert.Equal(number, NumberReader.FromGray(gray, w, h, _model.ClassifyBatch).Number);
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.52f)]
    public void Two_sevens_whose_bars_overlap_are_cut_between_their_strokes(float offset)
    {
        // The second 7's bar starts on the first one's bar, left of where its stem leaves it: every cut through the
        // pixels leaves a piece of one 7 with the other (seams alone read "7"; checked 2026-12-02); a cut between
        // stroke arcs gives each 7 its own strokes.
        (byte[] gray, int w, int h) = Render([Seven(0), Seven(offset * H)], pen: 9f);
        Assert.Equal(1, Components(gray, w, h));
        Assert.Equal("77", NumberReader.FromGray(gray, w, h, _model.ClassifyBatch).Number);
    }

    [Fact]
    public void A_single_digit_reads_as_predict_does()
    {
        float[][][] zero = Zero(0);
        PreprocessResult p = DigitPreprocessor.FromStrokes(ToStrokes(zero));
        DigitPrediction predicted = _model.Classify(p.Pixels);
        NumberReading r = ReadStrokes(zero);
        Assert.Equal(predicted.Digit.ToString(), r.Number);
        Assert.Equal(predicted.Probabilities, r.Digits[0].Probabilities);
    }

    [Fact]
    public void Empty_input_is_reported_not_guessed()
    {
        NumberReading none = NumberReader.FromStrokes([], _model.ClassifyBatch);
        Assert.Equal("", none.Number);
        Assert.Equal(NoDigitReason.NoInk, none.Reason);
        var blank = new byte[40 * 30];
        Array.Fill(blank, (byte)255);
        Assert.Equal(NoDigitReason.NoInk, NumberReader.FromGray(blank, 40, 30, _model.ClassifyBatch).Reason);
    }

    [Fact]
    public void Too_many_pieces_are_refused()
    {
        float[][][] dots = [.. Enumerable.Range(0, NumberReader.MaxPieces + 1).Select(i => new[] { new[] { i * 10f, 0f }, new[] { i * 10f, 50f } })];
        Assert.Throws<ArgumentException>(() => NumberReader.FromStrokes(ToStrokes(dots), _model.ClassifyBatch));
    }

    // ---- digits as strokes, top at y = 0, height H, left edge at x -------------------------------------------------

    private static float[][] One(float x) => [[x + 0.12f * H, 0], [x + 0.06f * H, 0.5f * H], [x, H]];

    private static float[][][] Zero(float x)
    {
        var points = new float[33][];
        for (int i = 0; i <= 32; i++)
        {
            double t = 2 * Math.PI * i / 32;
            points[i] = [x + 0.3f * H + (float)(0.3 * H * Math.Sin(t)), 0.5f * H - (float)(0.5 * H * Math.Cos(t))];
        }
        return [points];
    }

    private static float[][] Seven(float x) => [[x, 0.02f * H], [x + 0.6f * H, 0], [x + 0.35f * H, 0.5f * H], [x + 0.2f * H, H]];

    private static float[][][] Four(float x) =>
    [
        [[x + 0.35f * H, 0], [x, 0.65f * H], [x + 0.65f * H, 0.65f * H]],
        [[x + 0.45f * H, 0.3f * H], [x + 0.45f * H, H]],
    ];

    private static float[][][] Three(float x) =>
    [[
        [x, 0.1f * H], [x + 0.25f * H, 0], [x + 0.5f * H, 0.12f * H], [x + 0.45f * H, 0.35f * H], [x + 0.2f * H, 0.48f * H],
        [x + 0.5f * H, 0.62f * H], [x + 0.52f * H, 0.85f * H], [x + 0.25f * H, H], [x, 0.9f * H],
    ]];

    private static float[][][] Five(float x, bool brokenBar) =>
    [
        [[x + 0.1f * H, 0.04f * H], [x + 0.06f * H, 0.45f * H], [x + 0.35f * H, 0.38f * H], [x + 0.55f * H, 0.58f * H],
         [x + 0.5f * H, 0.85f * H], [x + 0.25f * H, H], [x, 0.9f * H]],
        [[x + (brokenBar ? 0.26f : 0.1f) * H, 0], [x + 0.6f * H, 0]],
    ];

    private static IReadOnlyList<IReadOnlyList<StrokePoint>> ToStrokes(float[][][] strokes) =>
        [.. strokes.Select(s => (IReadOnlyList<StrokePoint>)[.. s.Select(p => new StrokePoint(p[0], p[1]))])];

    /// <summary>Black ink on white, anti-aliased, with a margin; 8-bit gray.</summary>
    private static (byte[] Gray, int Width, int Height) Render(float[][][] strokes, float pen)
    {
        float minX = strokes.SelectMany(s => s).Min(p => p[0]), maxX = strokes.SelectMany(s => s).Max(p => p[0]);
        int margin = 20;
        int w = (int)(maxX - minX) + 2 * margin, h = (int)H + 2 * margin;
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var paint = new SKPaint
            {
                Color = SKColors.Black, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = pen,
                StrokeCap = SKStrokeCap.Round, StrokeJoin = SKStrokeJoin.Round,
            };
            foreach (float[][] s in strokes)
            {
                for (int i = 0; i + 1 < s.Length; i++)
                    canvas.DrawLine(s[i][0] - minX + margin, s[i][1] + margin, s[i + 1][0] - minX + margin, s[i + 1][1] + margin, paint);
            }
        }
        return (bitmap.Bytes, w, h);
    }

    /// <summary>Connected components (8-neighbours) of the pixels darker than mid-grey.</summary>
    private static int Components(byte[] gray, int w, int h)
    {
        var seen = new bool[gray.Length];
        int count = 0;
        for (int start = 0; start < gray.Length; start++)
        {
            if (seen[start] || gray[start] >= 128) continue;
            count++;
            var stack = new Stack<int>([start]);
            seen[start] = true;
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int x = i % w + dx, y = i / w + dy;
                        if (x < 0 || y < 0 || x >= w || y >= h) continue;
                        int j = y * w + x;
                        if (!seen[j] && gray[j] < 128) { seen[j] = true; stack.Push(j); }
                    }
            }
        }
        return count;
    }
}
