using System.Diagnostics;
using System.Globalization;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Layers;
using Mnist.Engine.Layers.Fusion;
using Mnist.Engine.Networks;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Bench;

/// <summary>
/// Batch-1 inference profile (what <c>bench engine</c>'s "infer batch 1 µs" runs), one row per layer: mean µs per
/// call, GFLOP/s for the layers that multiply, and the cost of one empty two-thread hand-off for scale.
/// Usage: mnist-engine-bench b1 [seconds per arch] [arch,arch]
/// </summary>
internal static class LayerProfile
{
    public static void Run(double seconds, string[] archs)
    {
        Console.WriteLine($"{Isa.Describe()}, {Parallelism.Degree} threads, {seconds} s per arch");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"empty {Parallelism.Degree}-chunk hand-off: {HandOffMicroseconds(seconds / 4):F2} µs"));
        foreach (var arch in archs) Profile(arch, seconds);
    }

    private static double HandOffMicroseconds(double seconds)
    {
        for (int i = 0; i < 1000; i++) Parallelism.ForChunks(2, static (_, _, _) => { });
        long calls = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < 100; i++) Parallelism.ForChunks(2, static (_, _, _) => { });
            calls += 100;
        }
        return sw.Elapsed.TotalMilliseconds * 1000 / calls;
    }

    private static void Profile(string arch, double seconds)
    {
        var model = Architectures.Create<float>(arch, seed: 1);
        model.Training = false;
        var rng = new SplitMix(7);
        var x = new Tensor<float>(1, 1, 28, 28);
        for (int i = 0; i < x.Length; i++) x.Data[i] = (float)rng.NextGaussian();
        var layers = model.Layers;
        var ticks = new long[layers.Count];
        var flops = new double[layers.Count];
        int[] shape = [1, 28, 28];
        for (int l = 0; l < layers.Count; l++)
        {
            var outShape = layers[l].OutputItemShape(shape);
            // A fused layer (conv1+relu1+pool1) counts its first part's multiply-adds.
            var first = layers[l] is FusedLayer<float> fused ? fused.Parts[0] : layers[l];
            var firstShape = first.OutputItemShape(shape);
            flops[l] = first switch
            {
                Conv2d<float> c => 2.0 * c.OutChannels * c.InChannels * c.KernelSize * c.KernelSize * firstShape[1] * firstShape[2],
                Linear<float> f => 2.0 * f.InFeatures * f.OutFeatures,
                _ => 0,
            };
            shape = outShape;
        }
        for (int i = 0; i < 200; i++) model.Forward(x);
        // Whole passes first (what bench engine reports), then per layer with a timestamp between layers.
        long calls = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds / 2) { model.Forward(x); calls++; }
        double wholeUs = sw.Elapsed.TotalMilliseconds * 1000 / calls;
        calls = 0;
        sw.Restart();
        while (sw.Elapsed.TotalSeconds < seconds / 2)
        {
            var t = x;
            long before = Stopwatch.GetTimestamp();
            for (int l = 0; l < layers.Count; l++)
            {
                t = layers[l].Forward(t);
                long now = Stopwatch.GetTimestamp();
                ticks[l] += now - before;
                before = now;
            }
            calls++;
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{arch}: whole forward {wholeUs:F1} µs, {calls} profiled calls"));
        Console.WriteLine("| layer | µs | share | GFLOP/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        double total = 0;
        foreach (long t in ticks) total += t;
        for (int l = 0; l < layers.Count; l++)
        {
            double us = ticks[l] * 1e6 / Stopwatch.Frequency / calls;
            string rate = flops[l] > 0 ? (flops[l] / us / 1e3).ToString("F1", CultureInfo.InvariantCulture) : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {layers[l].Name} | {us:F1} | {ticks[l] / total:P0} | {rate} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| sum | {total * 1e6 / Stopwatch.Frequency / calls:F1} | | |"));
    }
}
