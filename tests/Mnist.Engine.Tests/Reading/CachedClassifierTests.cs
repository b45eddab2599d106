using Mnist.Engine.Reading;

namespace Mnist.Engine.Tests.Reading;

public class CachedClassifierTests
{
    /// <summary>A stand-in model: class k's probability grows with the mean of pixels k·78…; counts what it is sent.</summary>
    private sealed class CountingModel
    {
        public int Images;

        public void Classify(ReadOnlySpan<float> x, int n, Span<float> p)
        {
            Images += n;
            for (int i = 0; i < n; i++)
            {
                float sum = 0;
                for (int k = 0; k < 10; k++)
                {
                    float v = 1f + x[i * 784 + k * 78];
                    p[i * 10 + k] = v;
                    sum += v;
                }
                for (int k = 0; k < 10; k++) p[i * 10 + k] /= sum;
            }
        }
    }

    private static float[] Image(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 784).Select(_ => random.NextSingle())];
    }

    [Fact]
    public void Each_distinct_frame_goes_to_the_model_once_and_every_answer_is_the_models()
    {
        var model = new CountingModel();
        var cached = new CachedClassifier(model.Classify);
        float[] a = Image(1), b = Image(2), c = Image(3);
        float[] first = [.. a, .. b, .. a];
        var p1 = new float[30];
        cached.Classify(first, 3, p1);
        Assert.Equal(2, model.Images); // a twice in one batch: sent once
        float[] second = [.. c, .. b];
        var p2 = new float[20];
        cached.Classify(second, 2, p2);
        Assert.Equal(3, model.Images); // b known: only c sent
        Assert.Equal(2, cached.Calls);

        var direct = new float[10];
        foreach ((float[] image, float[] got) in new[] { (a, p1[..10]), (b, p1[10..20]), (a, p1[20..]), (c, p2[..10]), (b, p2[10..]) })
        {
            new CountingModel().Classify(image, 1, direct);
            Assert.Equal(direct, got);
        }
        // One pixel different is another frame.
        float[] d = (float[])a.Clone();
        d[500] += 0.25f;
        cached.Classify(d, 1, new float[10]);
        Assert.Equal(4, model.Images);
    }
}
