using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;
using Mnist.Inference.Tests.TestSupport;
using SkiaSharp;

using Mnist.Imaging;
using Mnist.Tests.Shared;

namespace Mnist.Inference.Tests;

public class DigitPipelineTests
{
    /// <summary>Counts model calls and images; answers a fixed distribution peaked at digit 3.</summary>
    private sealed class CountingClassifier : IDigitClassifier
    {
        public int Calls;
        public int Images;

        public ModelInfo Model { get; } = new() { Name = "fake", Runtime = "test", InputName = "input", OutputName = "probabilities", OutputsProbabilities = true };

        public void ClassifyBatch(ReadOnlySpan<float> pixels, int count, Span<float> probabilities)
        {
            Calls++;
            Images += count;
            for (int i = 0; i < count; i++)
                for (int j = 0; j < 10; j++) probabilities[i * 10 + j] = j == 3 ? 0.91f : 0.01f;
        }

        public DigitPrediction Classify(float[] pixels784) => throw new NotSupportedException();

        public void Dispose() { }
    }

    [Fact]
    public void Pixels_are_classified_as_the_model_computes()
    {
        using var r = new DigitPipeline(OnnxDigitClassifier.Load(TestModels.Linear()));
        byte[] digit = TestImages.Digit(2);
        Recognition rec = r.RecognizePixels(digit);
        double[] expected = TestModels.LinearExpected(digit.Select(b => b / 255f).ToArray());
        Assert.Equal(Array.IndexOf(expected, expected.Max()), rec.Digit);
        Assert.Equal(expected.Max(), rec.Confidence, 5);
        Assert.Equal(NoDigitReason.None, rec.NoDigitReason);
        Assert.Null(rec.Pixels);
    }

    [Fact]
    public void Image_recognition_equals_classifying_the_decoded_preprocessing()
    {
        using var r = new DigitPipeline(OnnxDigitClassifier.Load(TestModels.Linear()), new DigitPipelineOptions { IncludePixels = true });
        byte[] gray = TestImages.Canvas(TestImages.Digit(4), 80, 80, 2, 10, 12, invert: true);
        byte[] png = TestImages.Encode(TestImages.GrayToRgba(gray), 80, 80, SKEncodedImageFormat.Png);
        Recognition rec = r.Recognize(png);
        PreprocessResult p = ImageDecoder.Preprocess(png);
        double[] expected = TestModels.LinearExpected(p.Pixels);
        Assert.Equal(Array.IndexOf(expected, expected.Max()), rec.Digit);
        Assert.Equal(p.Pixels, rec.Pixels);
    }

    [Fact]
    public void Empty_inputs_report_the_reason_and_never_reach_the_model()
    {
        var fake = new CountingClassifier();
        using var r = new DigitPipeline(fake);
        byte[] blank = TestImages.Encode(TestImages.GrayToRgba(new byte[64 * 64]), 64, 64, SKEncodedImageFormat.Png);
        Recognition a = r.Recognize(blank);
        Recognition b = r.RecognizeStrokes([]);
        Recognition c = r.RecognizePixels(new byte[784]);
        foreach (Recognition e in new[] { a, b, c })
        {
            Assert.Null(e.Digit);
            Assert.True(e.IsEmpty);
            Assert.False(e.IsConfident);
            Assert.NotEqual(NoDigitReason.None, e.NoDigitReason);
            Assert.False(string.IsNullOrEmpty(e.NoDigitMessage));
            Assert.Equal(new float[10], e.Probabilities);
        }
        Assert.Equal(0, fake.Calls);
    }

    [Fact]
    public void Batch_classifies_all_digits_in_one_call_and_keeps_the_order()
    {
        var fake = new CountingClassifier();
        using var r = new DigitPipeline(fake);
        PreprocessResult[] items =
        [
            DigitPipeline.PreprocessPixels(TestImages.Digit(0)),
            DigitPipeline.PreprocessPixels(new byte[784]),
            DigitPipeline.PreprocessPixels(TestImages.Digit(1)),
            r.PreprocessStrokes([[new StrokePoint(10, 10), new StrokePoint(12, 40), new StrokePoint(30, 70)]]),
        ];
        Recognition[] results = r.ClassifyBatch(items);
        Assert.Equal(1, fake.Calls);
        Assert.Equal(3, fake.Images);
        Assert.Equal([3, null, 3, 3], results.Select(x => x.Digit));
        Assert.True(results[0].IsConfident);
        Assert.Equal(NoDigitReason.NoInk, results[1].NoDigitReason);
    }

    [Fact]
    public void Batched_variants_match_single_calls()
    {
        using var r = new DigitPipeline(OnnxDigitClassifier.Load(TestModels.Linear()));
        var pixels = Enumerable.Range(0, 5).Select(i => (ReadOnlyMemory<byte>)TestImages.Digit(i)).ToList();
        Recognition[] batch = r.RecognizePixelsBatch(pixels);
        for (int i = 0; i < 5; i++)
        {
            Recognition one = r.RecognizePixels(pixels[i].Span);
            Assert.Equal(one.Digit, batch[i].Digit);
            Assert.Equal(one.Probabilities, batch[i].Probabilities);
        }
        var images = Enumerable.Range(0, 3)
            .Select(i => (ReadOnlyMemory<byte>)TestImages.Encode(TestImages.GrayToRgba(TestImages.Canvas(TestImages.Digit(i), 40, 40, 1, 6, 6)), 40, 40, SKEncodedImageFormat.Png))
            .ToList();
        Recognition[] imageBatch = r.RecognizeBatch(images);
        for (int i = 0; i < 3; i++) Assert.Equal(r.Recognize(images[i].Span).Probabilities, imageBatch[i].Probabilities);
        List<IReadOnlyList<IReadOnlyList<StrokePoint>>> drawings =
        [
            [[new StrokePoint(0, 0), new StrokePoint(0, 50)]],
            [[new StrokePoint(0, 0), new StrokePoint(30, 0), new StrokePoint(30, 50)]],
        ];
        Recognition[] strokeBatch = r.RecognizeStrokesBatch(drawings);
        for (int i = 0; i < 2; i++) Assert.Equal(r.RecognizeStrokes(drawings[i]).Probabilities, strokeBatch[i].Probabilities);
    }

    [Fact]
    public void The_split_steps_give_what_the_one_call_gives()
    {
        // A server prepares on request threads before it knows which model will classify, then reads and classifies
        // with the pipeline that is current by then: the split steps must be the same path as the one-call API.
        using var r = new DigitPipeline(OnnxDigitClassifier.Load(TestModels.Linear()));
        IReadOnlyList<IReadOnlyList<StrokePoint>> strokes = [[new StrokePoint(10, 10), new StrokePoint(12, 40), new StrokePoint(30, 70)]];
        PreprocessResult prepared = DigitPipeline.PreprocessStrokes(strokes, 100, 100, r.Options);
        Assert.Equal(r.PreprocessStrokes(strokes, 100, 100).Pixels, prepared.Pixels);
        Assert.Equal(r.RecognizeStrokes(strokes, 100, 100).Probabilities, r.ClassifyBatch([prepared])[0].Probabilities);

        byte[] gray = TestImages.Canvas(TestImages.Digit(4), 80, 80, 2, 10, 12, invert: true);
        byte[] png = TestImages.Encode(TestImages.GrayToRgba(gray), 80, 80, SKEncodedImageFormat.Png);
        DecodedImage decoded = ImageDecoder.Decode(png);
        Assert.Equal(ImageDecoder.Preprocess(png).Pixels, ImageDecoder.Preprocess(decoded).Pixels);
        Assert.Equal(r.ReadImage(png).Number, r.ReadImage(decoded).Number);

        byte[] digit = TestImages.Digit(2);
        NumberReading reading = r.ReadPixels(digit);
        Assert.Equal(NumberReader.FromGray(digit, 28, 28, r.Classifier.ClassifyBatch).Number, reading.Number);
        Assert.Throws<ArgumentException>(() => r.ReadPixels(new byte[783]));
    }

    [Fact]
    public void Bad_images_throw_ImageDecodeException()
    {
        using var r = new DigitPipeline(new CountingClassifier());
        Assert.Equal(ImageDecodeReason.Empty, Assert.Throws<ImageDecodeException>(() => r.Recognize([])).Reason);
    }

    [Fact]
    public void ReadStrokes_classifies_every_candidate_in_one_call()
    {
        var classifier = new CountingClassifier();
        using var r = new DigitPipeline(classifier);
        StrokePoint[][] oneZero = [[new(10, 10), new(11, 55), new(10, 100)], [new(40, 10), new(80, 10), new(80, 100), new(40, 100), new(40, 10)]];
        Engine.Reading.NumberReading reading = r.ReadStrokes(oneZero, 200, 200);
        Assert.NotEmpty(reading.Digits);
        Assert.All(reading.Number, c => Assert.Equal('3', c)); // the fake answers 3 for everything
        Assert.InRange(classifier.Calls, 1, 2); // the candidates in one call (plus the whole drawing as one digit)
        Assert.True(classifier.Images >= 2);

        Engine.Reading.NumberReading empty = r.ReadStrokes([], 200, 200);
        Assert.True(empty.IsEmpty);
        Assert.Equal(NoDigitReason.NoInk, empty.Reason);
        Assert.Throws<ArgumentException>(() => r.ReadStrokes(Enumerable.Range(0, 65).Select(i => new StrokePoint[] { new(i * 20, 10), new(i * 20 + 5, 60) }).ToArray()));
    }

    [Fact]
    public void ReadImage_decodes_within_the_limits_then_reads()
    {
        var classifier = new CountingClassifier();
        using var r = new DigitPipeline(classifier);
        byte[] png = NumberImages.SideBySidePng(TestImages.Digit(0), TestImages.Digit(1));
        Engine.Reading.NumberReading reading = r.ReadImage(png);
        Assert.Equal("33", reading.Number);
        Assert.Equal(ImageDecodeReason.Empty, Assert.Throws<ImageDecodeException>(() => r.ReadImage([])).Reason);

        Assert.Equal(ImageDecodeReason.TooLarge, Assert.Throws<ImageDecodeException>(() => r.ReadImage(png, new ImageDecoderOptions { MaxWidth = 32 })).Reason);
    }

    [Fact]
    public void ReadImage_gives_boxes_in_the_pixels_of_the_image_sent_when_it_is_decoded_smaller()
    {
        using var r = new DigitPipeline(new CountingClassifier());
        // Two digits 32 times their MNIST size side by side: 2048×896, twice the decoder's default long side.
        const int scale = 32;
        byte[] png = NumberImages.SideBySidePng(TestImages.Digit(0), TestImages.Digit(1), scale);

        DecodedImage small = ImageDecoder.Decode(png);
        Assert.True(small.Downsampled);
        var reduced = r.ReadImage(small);
        var full = r.ReadImage(png, new ImageDecoderOptions { TargetMaxSide = 4096 });
        Assert.Equal(2, full.Digits.Count);
        Assert.Equal(full.Digits.Count, reduced.Digits.Count);
        Assert.True(reduced.Digits[1].Box.X > 36 * scale - 2 * scale, $"second box starts at {reduced.Digits[1].Box.X}");
        for (int i = 0; i < full.Digits.Count; i++)
        {
            InkBounds f = full.Digits[i].Box, s = reduced.Digits[i].Box;
            // One reduced pixel is two sent pixels; the ink's faint edge may land a pixel either way.
            Assert.InRange(s.X, f.X - 4, f.X + 4);
            Assert.InRange(s.Y, f.Y - 4, f.Y + 4);
            Assert.InRange(s.X + s.Width, f.X + f.Width - 4, f.X + f.Width + 4);
            Assert.InRange(s.Y + s.Height, f.Y + f.Height - 4, f.Y + f.Height + 4);
        }
    }
}
