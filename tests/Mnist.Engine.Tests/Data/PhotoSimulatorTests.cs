using Mnist.Engine.Data;
using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Tests.Training;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Data;

public class PhotoSimulatorTests
{
    private static readonly AugmentationOptions s_photosOnly = AugmentationOptions.None with { PhotoProbability = 1 };

    // A plain photo: no turn, no lighting gradient, no noise, the sample's centre on a whole pixel of the canvas.
    private static PhotoSimulator.Photo Plain(float scale = 1, float angle = 0, float noise = 0, int width = 60, int height = 50) =>
        new(scale, angle, DarkOnLight: true, Background: 230, Ink: 30, GradientX: 0, GradientY: 0, noise, width, height, CentreX: 30, CentreY: 24);

    private static byte[] Digit(int index) => TrainingTestData.Train(index + 1).Image(index).ToArray();

    [Fact]
    public void At_scale_one_unturned_and_noiseless_the_canvas_is_the_sample_blended_from_background_to_ink()
    {
        var digit = Digit(0);
        var photo = Plain();
        var rng = new StreamRandom(1);
        var canvas = PhotoSimulator.Render(digit, 28, photo, ref rng);
        // The reference: canvas pixel (x, y) shows sample pixel (x − 16, y − 10) — centre 30, 24 minus half the side.
        for (int y = 0; y < photo.Height; y++)
        {
            for (int x = 0; x < photo.Width; x++)
            {
                int u = x - 16, v = y - 10;
                float a = (uint)u < 28u && (uint)v < 28u ? digit[v * 28 + u] / 255f : 0f;
                Assert.Equal(MathF.Round(230 + (30 - 230) * a), canvas[y * photo.Width + x]);
            }
        }
    }

    [Fact]
    public void A_positive_angle_turns_the_sample_counter_clockwise_on_screen()
    {
        // Ink only in the top half of the sample: a quarter turn counter-clockwise moves it to the left half.
        var top = new byte[784];
        for (int y = 4; y < 12; y++)
            for (int x = 8; x < 20; x++) top[y * 28 + x] = 255;
        var rng = new StreamRandom(1);
        var canvas = PhotoSimulator.Render(top, 28, Plain(angle: 90), ref rng);
        int left = 0, right = 0, above = 0, below = 0;
        for (int y = 0; y < 50; y++)
        {
            for (int x = 0; x < 60; x++)
            {
                if (canvas[y * 60 + x] > 130) continue;
                if (x < 30) left++; else right++;
                if (y < 24) above++; else below++;
            }
        }
        Assert.True(left > 50 && right == 0, $"ink left {left}, right {right}");
        Assert.True(Math.Abs(above - below) < left / 4, $"ink above {above}, below {below}");
    }

    [Theory]
    [InlineData(0.35f)]
    [InlineData(0.5f)]
    [InlineData(2.5f)]
    public void Shrunk_or_enlarged_the_sample_keeps_its_ink_in_proportion_to_its_area(float scale)
    {
        // Area sampling: a camera integrates light, so the total ink scales with the area whatever the size. Point
        // sampling a shrunk digit would drop or double strokes instead.
        var digit = Digit(3);
        var rng = new StreamRandom(1);
        var photo = Plain(scale: scale, width: 100, height: 90) with { CentreX = 50, CentreY = 45 };
        var canvas = PhotoSimulator.Render(digit, 28, photo, ref rng);
        double ink = canvas.Sum(p => (230.0 - p) / 200.0);
        double expected = digit.Sum(p => p / 255.0) * scale * scale;
        Assert.InRange(ink / expected, 0.95, 1.05);
    }

    [Fact]
    public void The_noise_has_the_drawn_standard_deviation_and_no_bias()
    {
        var rng = new StreamRandom(7);
        var canvas = PhotoSimulator.Render(new byte[784], 28, Plain(noise: 10, width: 200, height: 200) with { Background = 128, CentreX = 100, CentreY = 100 }, ref rng);
        double mean = canvas.Average(p => (double)p), sd = Math.Sqrt(canvas.Average(p => (p - mean) * (p - mean)));
        Assert.InRange(mean, 127.5, 128.5);
        Assert.InRange(sd, 9.5, 10.5);
    }

    [Fact]
    public void Drawn_photos_stay_within_their_ranges_and_keep_the_sample_on_the_canvas()
    {
        var options = s_photosOnly with { PhotoScaleMin = 0.5f, PhotoScaleMax = 2f, PhotoRotationDegrees = 10, PhotoNoiseMax = 5 };
        for (int i = 0; i < 500; i++)
        {
            var rng = new StreamRandom(3, PhotoSimulator.Domain, 0, (ulong)i);
            var p = PhotoSimulator.Draw(ref rng, options, 28);
            Assert.InRange(p.Scale, 0.5f, 2f);
            Assert.InRange(p.AngleDegrees, -10f, 10f);
            Assert.InRange(p.Noise, 0f, 5f);
            Assert.True(Math.Abs(p.Ink - p.Background) >= PhotoSimulator.MinContrast, $"contrast {p.Ink} on {p.Background}");
            float reach = 14 * p.Scale * 1.4143f;
            Assert.True(p.CentreX - reach >= 0 && p.CentreX + reach <= p.Width && p.CentreY - reach >= 0 && p.CentreY + reach <= p.Height, p.ToString());
        }
    }

    [Fact]
    public void A_plain_photo_read_back_through_the_preprocessing_is_the_preprocessed_sample()
    {
        var digit = Digit(5);
        var rng = new StreamRandom(1);
        var photo = Plain(scale: 2, width: 110, height: 100) with { CentreX = 55, CentreY = 50 };
        var canvas = PhotoSimulator.Render(digit, 28, photo, ref rng);
        var read = DigitPreprocessor.FromGray(canvas, photo.Width, photo.Height);
        var direct = DigitPreprocessor.FromMnistPixels(digit);
        Assert.False(read.IsEmpty);
        Assert.True(Correlation(read.Pixels, direct.Pixels) > 0.9, $"correlation {Correlation(read.Pixels, direct.Pixels)}");
    }

    [Fact]
    public void The_augmenter_is_deterministic_per_seed_and_leaves_samples_it_does_not_photograph_as_they_were()
    {
        var data = TrainingTestData.Train(200);
        var plain = new Augmenter(AugmentationOptions.Default, seed: 11);
        var photos = new Augmenter(AugmentationOptions.Default with { PhotoProbability = 0.5f }, seed: 11);
        var again = new Augmenter(photos.Options, seed: 11);
        var other = new Augmenter(photos.Options, seed: 12);
        var (a, b, c, d) = (new float[784], new float[784], new float[784], new float[784]);
        int photographed = 0, otherDiffers = 0;
        for (int i = 0; i < data.Count; i++)
        {
            plain.Augment(data.Image(i), a, 2, i, data.Labels[i]);
            photos.Augment(data.Image(i), b, 2, i, data.Labels[i]);
            again.Augment(data.Image(i), c, 2, i, data.Labels[i]);
            other.Augment(data.Image(i), d, 2, i, data.Labels[i]);
            Assert.Equal(b, c);
            if (!a.AsSpan().SequenceEqual(b)) photographed++;
            if (!b.AsSpan().SequenceEqual(d)) otherDiffers++;
        }
        Assert.InRange(photographed, 70, 130);
        Assert.Equal(data.Count, otherDiffers);
    }

    [Fact]
    public void Photographed_samples_come_out_framed_like_the_preprocessing_for_any_label()
    {
        var data = TrainingTestData.Train(100);
        var photos = new Augmenter(s_photosOnly, seed: 5);
        var image = new float[784];
        for (int i = 0; i < data.Count; i++)
        {
            photos.Augment(data.Image(i), image, 0, i, MnistDataset.NotADigit);
            Assert.All(image, v => Assert.InRange(v, 0f, 1f));
            double mass = 0, cx = 0, cy = 0;
            for (int p = 0; p < 784; p++)
            {
                mass += image[p];
                cx += image[p] * (p % 28);
                cy += image[p] * (p / 28);
            }
            // The preprocessing puts the centre of mass at the frame's centre (pixel 13.5 or 14 by convention).
            Assert.InRange(cx / mass, 12.5, 15);
            Assert.InRange(cy / mass, 12.5, 15);
        }
    }

    [Fact]
    public void Photos_are_refused_for_other_image_sizes_and_out_of_range_options()
    {
        Assert.Throws<ArgumentException>(() => new Augmenter(s_photosOnly, seed: 1, rows: 20, cols: 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => (s_photosOnly with { PhotoProbability = 1.5f }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (s_photosOnly with { PhotoScaleMin = 2, PhotoScaleMax = 1 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (s_photosOnly with { PhotoNoiseMax = -1 }).Validate());
        Assert.False(s_photosOnly.IsIdentity);
    }

    [Fact]
    public void A_run_records_its_photo_share_and_resumes_only_with_the_same()
    {
        var train = TrainingTestData.Train(100);
        var test = TrainingTestData.Test(50);
        var options = TrainingTestData.TinyOptions() with { PhotoProbability = 0.4f };
        var session = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, options);
        Assert.Equal(0.4f, session.Recipe.Augmentation.PhotoProbability);
        Assert.Equal(TrainingTestData.TinyRecipe.Augmentation.RotationDegrees, session.Recipe.Augmentation.RotationDegrees);
        string path = Path.Combine(Path.GetTempPath(), $"photo-{Guid.NewGuid():N}.bin");
        try
        {
            session.CreateCheckpoint().Save(path);
            var cp = Checkpoint.Load(path);
            Assert.Equal(0.4f, cp.State.PhotoProbability);
            var resumed = TrainingSession.Resume(TrainingTestData.TinyRecipe, cp, train, test, TrainingTestData.TinyOptions());
            Assert.Equal(0.4f, resumed.Recipe.Augmentation.PhotoProbability);
            var e = Assert.Throws<ArgumentException>(() => TrainingSession.Resume(TrainingTestData.TinyRecipe, cp, train, test, options with { PhotoProbability = 0 }));
            Assert.Contains("photos", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double Correlation(float[] a, float[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
