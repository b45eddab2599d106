// Convolution micro-benchmark: im2col + packed GEMM against Winograd F(4×4,3×3) on the shapes the shipped
// architectures run, in GFLOP/s of the direct algorithm (2·N·Cout·Cin·9·OutH·OutW per pass, so the two are
// comparable), plus Winograd's float32 error against a float64 direct convolution.
// Usage: mnist-engine-bench [seconds per measurement, default 1]
//        mnist-engine-bench b1 [seconds per arch, default 4] [archs, default seed,lenet]   (batch-1 layer profile)
//        mnist-engine-bench profile seed|lenet [steps]: per-layer, per-phase training-step profile (TrainingProfile.cs)
using System.Diagnostics;
using System.Globalization;
using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;

if (args.Length > 0 && args[0] == "b1")
{
    Mnist.Engine.Bench.LayerProfile.Run(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 4,
        (args.Length > 2 ? args[2] : "seed,lenet").Split(','));
    return;
}

if (args.Length > 0 && args[0] == "profile")
{
    Mnist.Engine.Bench.TrainingProfile.Run(args.Length > 1 ? args[1] : "seed", args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50);
    return;
}
double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 1.0;
Console.WriteLine($"{Isa.Describe()}, {Parallelism.Degree} threads, {seconds} s per measurement");
// Convolution's own dispatch without Winograd, so that "im2col" below is im2col whatever Winograd.Pays says.
var Im2ColOnly = new ConvolutionOptions { Winograd = false };
(string Name, Conv2dGeometry G)[] shapes =
[
    ("seed conv2 b32", new(32, 64, 26, 26, 64, 3)),
    ("seed conv2 b1", new(1, 64, 26, 26, 64, 3)),
    ("lenet conv2 b128", new(128, 32, 13, 13, 64, 3)),
    ("default conv2 b64", new(64, 32, 14, 14, 64, 3, 1, 1)),
    ("default conv3 b64", new(64, 64, 7, 7, 128, 3, 1, 1)),
];
Console.WriteLine("| shape | pass | im2col GFLOP/s | Winograd GFLOP/s | speed-up | dispatched to |");
Console.WriteLine("|---|---|---:|---:|---:|---|");
foreach (var (name, g) in shapes)
{
    var random = new Random(1);
    float[] Fill(long n) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = random.NextSingle() * 2 - 1; return a; }
    var x = Fill((long)g.Batch * g.InputItem);
    var w = Fill(g.WeightLength);
    var b = Fill(g.OutChannels);
    var dy = Fill((long)g.Batch * g.OutputItem);
    var y = new float[dy.Length];
    var dx = new float[x.Length];
    double flops = 2.0 * g.Batch * g.OutChannels * g.PatchSize * g.OutPixels;
    var columns = new float[Convolution.ColumnCacheLength<float>(g)];
    Convolution.Forward<float>(g, x, w, b, y, columns, options: Im2ColOnly);
    var dw = new float[g.WeightLength];
    // Winograd is timed directly, whether or not Convolution would dispatch to it.
    foreach (var (pass, im2colBody, winogradBody, chosen) in new (string, Action, Action, bool)[]
    {
        ("forward", () => Convolution.Forward<float>(g, x, w, b, y, options: Im2ColOnly), () => Winograd.Forward(g, x, w, b, y), Winograd.Pays(g)),
        ("input gradient", () => Convolution.BackwardData<float>(g, dy, w, dx, Im2ColOnly), () => Winograd.BackwardData(g, dy, w, dx), Winograd.PaysBackwardData(g)),
        ("weight gradient", () => Convolution.BackwardWeights<float>(g, default, columns, dy, dw, default, Im2ColOnly), () => Winograd.BackwardWeights(g, x, dy, dw), false),
    })
    {
        double im2col = flops / Time(im2colBody) / 1e9;
        double winograd = flops / Time(winogradBody) / 1e9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {pass} | {im2col:F0} | {winograd:F0} | {winograd / im2col:F2}× | {(chosen ? "Winograd" : "im2col")} |"));
    }
}

// Error of the float32 Winograd result against float64 direct sums, relative to Σ|x·w| of each output.
{
    var g = new Conv2dGeometry(2, 64, 26, 26, 64, 3);
    var random = new Random(2);
    var x = new float[g.Batch * g.InputItem];
    var w = new float[g.WeightLength];
    for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle();           // ReLU-like, non-negative inputs
    for (int i = 0; i < w.Length; i++) w[i] = (random.NextSingle() * 2 - 1) / 24f; // PyTorch default init scale for fan-in 576
    var y32 = new float[g.Batch * g.OutputItem];
    var im2col = new float[y32.Length];
    Winograd.Forward(g, x, w, default, y32);
    Convolution.Forward<float>(g, x, w, default, im2col, options: Im2ColOnly);
    var y64 = new double[y32.Length];
    var abs64 = new double[y32.Length];
    ReferenceConvolution.Forward<double>(g, x.Select(v => (double)v).ToArray(), w.Select(v => (double)v).ToArray(), default, y64);
    ReferenceConvolution.Forward<double>(g, x.Select(v => (double)Math.Abs(v)).ToArray(), w.Select(v => (double)Math.Abs(v)).ToArray(), default, abs64);
    double maxWin = 0, maxIm = 0, maxWinAbs = 0;
    for (int i = 0; i < y32.Length; i++)
    {
        maxWin = Math.Max(maxWin, Math.Abs(y32[i] - y64[i]) / abs64[i]);
        maxIm = Math.Max(maxIm, Math.Abs(im2col[i] - y64[i]) / abs64[i]);
        maxWinAbs = Math.Max(maxWinAbs, Math.Abs(y32[i] - y64[i]));
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"max |y32 − y64| / Σ|x·w| on {g}: Winograd {maxWin:G3} (max abs {maxWinAbs:G3}), im2col {maxIm:G3}"));
}

double Time(Action body)
{
    body();
    body();
    int reps = 0;
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed.TotalSeconds < seconds) { body(); reps++; }
    return sw.Elapsed.TotalSeconds / reps;
}
