namespace Mnist.Engine.Tests.Formats;

/// <summary>
/// A tiny MNIST CNN with fixed pseudo-random weights and a naive float reference forward pass —
/// the oracle the third-party runtimes are compared against:
/// Conv 3×3 (1→C, valid, stride 1) → ReLU → MaxPool 2×2/2 → flatten → Gemm (→10) → Softmax.
/// Weights are PyTorch layouts: conv <c>[C,1,3,3]</c>, fc <c>[10, C·13·13]</c> over NCHW flattening.
/// </summary>
internal sealed class TinyCnn
{
    public const int Channels = 4;
    public const int K = 3;
    public const int ConvOut = 28 - K + 1; // 26
    public const int PoolOut = ConvOut / 2; // 13
    public const int Features = Channels * PoolOut * PoolOut; // 676
    public const int Classes = 10;

    public TinyCnn(int seed = 1234)
    {
        var rng = new Random(seed);
        ConvWeight = Fill(rng, Channels * K * K, 0.5f);
        ConvBias = Fill(rng, Channels, 0.1f);
        FcWeight = Fill(rng, Classes * Features, 0.08f);
        FcBias = Fill(rng, Classes, 0.1f);
    }

    public float[] ConvWeight { get; }

    public float[] ConvBias { get; }

    public float[] FcWeight { get; }

    public float[] FcBias { get; }

    /// <summary>A deterministic "image" in [0,1]: a blurry ring plus noise.</summary>
    public static float[] SampleInput(int seed = 7)
    {
        var rng = new Random(seed);
        float[] x = new float[28 * 28];
        for (int y = 0; y < 28; y++)
        {
            for (int c = 0; c < 28; c++)
            {
                double r = Math.Sqrt(((y - 14) * (y - 14)) + ((c - 14) * (c - 14)));
                x[(y * 28) + c] = (float)Math.Clamp(Math.Exp(-((r - 7) * (r - 7)) / 6) + (0.1 * rng.NextDouble()), 0, 1);
            }
        }

        return x;
    }

    /// <summary>Naive forward pass for one 28×28 image; computed in double, returned as float probabilities.</summary>
    public float[] Forward(float[] image)
    {
        double[] pooled = new double[Features]; // NCHW order: c, y, x
        for (int c = 0; c < Channels; c++)
        {
            for (int py = 0; py < PoolOut; py++)
            {
                for (int px = 0; px < PoolOut; px++)
                {
                    double max = double.NegativeInfinity;
                    for (int dy = 0; dy < 2; dy++)
                    {
                        for (int dx = 0; dx < 2; dx++)
                        {
                            int oy = (2 * py) + dy, ox = (2 * px) + dx;
                            double s = ConvBias[c];
                            for (int ky = 0; ky < K; ky++)
                            {
                                for (int kx = 0; kx < K; kx++)
                                {
                                    s += (double)ConvWeight[(c * K * K) + (ky * K) + kx] * image[((oy + ky) * 28) + ox + kx];
                                }
                            }

                            max = Math.Max(max, Math.Max(s, 0));
                        }
                    }

                    pooled[(c * PoolOut * PoolOut) + (py * PoolOut) + px] = max;
                }
            }
        }

        double[] logits = new double[Classes];
        for (int o = 0; o < Classes; o++)
        {
            double s = FcBias[o];
            for (int i = 0; i < Features; i++)
            {
                s += (double)FcWeight[(o * Features) + i] * pooled[i];
            }

            logits[o] = s;
        }

        double m = logits.Max();
        double sum = logits.Sum(v => Math.Exp(v - m));
        return [.. logits.Select(v => (float)(Math.Exp(v - m) / sum))];
    }

    /// <summary>Conv weights re-laid from OIHW to TFLite's OHWI (identical here since I = 1, kept general).</summary>
    public float[] ConvWeightOhwi()
    {
        const int inC = 1;
        float[] r = new float[ConvWeight.Length];
        for (int o = 0; o < Channels; o++)
        {
            for (int i = 0; i < inC; i++)
            {
                for (int y = 0; y < K; y++)
                {
                    for (int x = 0; x < K; x++)
                    {
                        r[(((o * K) + y) * K * inC) + (x * inC) + i] = ConvWeight[(((o * inC) + i) * K * K) + (y * K) + x];
                    }
                }
            }
        }

        return r;
    }

    /// <summary>FC weights with columns permuted from NCHW-flatten order to NHWC-flatten order.</summary>
    public float[] FcWeightNhwc()
    {
        float[] r = new float[FcWeight.Length];
        for (int o = 0; o < Classes; o++)
        {
            for (int c = 0; c < Channels; c++)
            {
                for (int y = 0; y < PoolOut; y++)
                {
                    for (int x = 0; x < PoolOut; x++)
                    {
                        int nchw = (c * PoolOut * PoolOut) + (y * PoolOut) + x;
                        int nhwc = (((y * PoolOut) + x) * Channels) + c;
                        r[(o * Features) + nhwc] = FcWeight[(o * Features) + nchw];
                    }
                }
            }
        }

        return r;
    }

    private static float[] Fill(Random rng, int n, float scale)
    {
        float[] a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(((rng.NextDouble() * 2) - 1) * scale);
        }

        return a;
    }
}
