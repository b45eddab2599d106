using BenchmarkDotNet.Attributes;
using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Reference;

namespace Mnist.Kernels.Bench;

/// <summary>Random data in [-1, 1) from a fixed seed, so every run times the same numbers.</summary>
internal static class Data
{
    public static float[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }
}

/// <summary>C = A·B: lenet's first Linear layer for a batch of 128 (128×800 by 800×500), one thread.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private const int M = 128, N = 500, K = 800;
    private readonly float[] _a = Data.Random(M * K, 1), _b = Data.Random(K * N, 2), _c = new float[M * N];

    /// <summary>Triple loop.</summary>
    [Benchmark(Baseline = true)]
    public void Reference() => ReferenceGemm.Multiply(false, false, M, N, K, _a, K, _b, N, _c, N, false);

    /// <summary>Packed panels, SIMD micro-kernel.</summary>
    [Benchmark]
    public void Simd() => Gemm.Multiply(false, false, M, N, K, _a, K, _b, N, _c, N, false);
}

/// <summary>Convolution forward for 32 images: lenet's second layer (20 → 50 channels, 5×5, on 12×12), where the engine
/// runs im2col into packed panels and its GEMM, and the `default` network's 3×3 shape (32 → 32 channels on 28×28,
/// padding 1), where it takes its Winograd path.</summary>
[MemoryDiagnoser]
public class ConvolutionBenchmarks
{
    private static readonly Dictionary<string, Conv2dGeometry> Shapes = new()
    {
        ["lenet 5x5"] = new(Batch: 32, InChannels: 20, Height: 12, Width: 12, OutChannels: 50, Kernel: 5),
        ["default 3x3"] = new(Batch: 32, InChannels: 32, Height: 28, Width: 28, OutChannels: 32, Kernel: 3, Padding: 1),
    };

    private Conv2dGeometry _g;
    private float[] _x = [], _w = [], _bias = [], _y = [];

    /// <summary>Which layer's shape.</summary>
    [Params("lenet 5x5", "default 3x3")]
    public string Shape { get; set; } = "";

    /// <summary>Random input and weights for the shape.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _g = Shapes[Shape];
        _x = Data.Random(_g.Batch * _g.InputItem, 3);
        _w = Data.Random(_g.WeightLength, 4);
        _bias = Data.Random(_g.OutChannels, 5);
        _y = new float[_g.Batch * _g.OutputItem];
    }

    /// <summary>Direct six-deep loop.</summary>
    [Benchmark(Baseline = true)]
    public void Reference() => ReferenceConvolution.Forward<float>(_g, _x, _w, _bias, _y);

    /// <summary>The engine's choice for the shape.</summary>
    [Benchmark]
    public void Simd() => Convolution.Forward<float>(_g, _x, _w, _bias, _y);
}

/// <summary>2×2 max pooling, stride 2, with argmax: 32 images of 32 channels, 28×28.</summary>
[MemoryDiagnoser]
public class MaxPoolBenchmarks
{
    private const int B = 32, C = 32, H = 28, W = 28;
    private readonly float[] _x = Data.Random(B * C * H * W, 9), _y = new float[B * C * 14 * 14];
    private readonly int[] _argmax = new int[B * C * 14 * 14];

    /// <summary>Window loop.</summary>
    [Benchmark(Baseline = true)]
    public void Reference() => ReferencePooling.MaxPool2d<float>(_x, B, C, H, W, 2, 2, 0, _y, _argmax);

    /// <summary>SIMD halving path.</summary>
    [Benchmark]
    public void Simd() => Pooling.MaxPool2d<float>(_x, B, C, H, W, 2, 2, 0, _y, _argmax);
}

/// <summary>Row softmax of a batch of 256 logits vectors of 10 classes.</summary>
[MemoryDiagnoser]
public class SoftmaxBenchmarks
{
    private const int Rows = 256, Cols = 10;
    private readonly float[] _logits = Data.Random(Rows * Cols, 10), _probs = new float[Rows * Cols];

    /// <summary>Plain loops.</summary>
    [Benchmark(Baseline = true)]
    public void Reference() => ReferenceSoftmax.SoftmaxRows<float>(_logits, _probs, Rows, Cols);

    /// <summary>The engine's kernel.</summary>
    [Benchmark]
    public void Simd() => Softmax.SoftmaxRows<float>(_logits, _probs, Rows, Cols);
}

/// <summary>ReLU over one batch of feature maps (32 × 32 channels × 28 × 28 = 802,816 floats).</summary>
[MemoryDiagnoser]
public class ReluBenchmarks
{
    private readonly float[] _x = Data.Random(32 * 32 * 28 * 28, 11), _y = new float[32 * 32 * 28 * 28];

    /// <summary>Scalar loop.</summary>
    [Benchmark(Baseline = true)]
    public void Reference() => ReferenceElementwise.Relu<float>(_x, _y);

    /// <summary>Vectorized.</summary>
    [Benchmark]
    public void Simd() => Elementwise.Relu<float>(_x, _y);
}

/// <summary>Dot product of two 802,816-float vectors.</summary>
[MemoryDiagnoser]
public class DotBenchmarks
{
    private readonly float[] _a = Data.Random(32 * 32 * 28 * 28, 12), _b = Data.Random(32 * 32 * 28 * 28, 13);

    /// <summary>Scalar loop.</summary>
    [Benchmark(Baseline = true)]
    public float Reference() => ReferenceElementwise.Dot<float>(_a, _b);

    /// <summary>Vectorized.</summary>
    [Benchmark]
    public float Simd() => Elementwise.Dot<float>(_a, _b);
}
