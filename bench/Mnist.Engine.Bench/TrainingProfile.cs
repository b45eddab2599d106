using System.Diagnostics;
using System.Globalization;
using Mnist.Engine;
using Mnist.Engine.Kernels;
using Mnist.Engine.Layers;
using Mnist.Engine.Layers.Fusion;
using Mnist.Engine.Networks;
using Mnist.Engine.Tensors;
using Mnist.Engine.Training;

namespace Mnist.Engine.Bench;

// `mnist-engine-bench profile ARCH [steps]`: one training step of `bench engine` (same model, optimizer, batch,
// synthetic input) timed layer by layer and phase by phase, plus each convolution's backward split into its weight
// gradient and input gradient by timing the two kernels alone on the same shapes.
internal static class TrainingProfile
{
    public static void Run(string arch, int steps)
    {
        var model = Architectures.Create<float>(arch, seed: 1);
        var (optimizer, batch) = EngineBenchmark.PeerRecipe(arch, model);
        var loss = new SoftmaxCrossEntropyLoss<float>();
        var rng = new SplitMix(7);
        var x = new Tensor<float>(batch, 1, 28, 28);
        for (int i = 0; i < x.Length; i++) x.Data[i] = (float)rng.NextGaussian();
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(10);
        var layers = model.Layers;
        var fwd = new double[layers.Count];
        var bwd = new double[layers.Count];
        double zero = 0, lossTime = 0, opt = 0, total = 0;
        var inputs = new Tensor<float>[layers.Count];
        var sw = new Stopwatch();
        for (int step = -5; step < steps; step++)
        {
            bool record = step >= 0;
            long t0 = Stopwatch.GetTimestamp();
            model.Training = true;
            long a = Stopwatch.GetTimestamp();
            optimizer.ZeroGrad();
            long b = Stopwatch.GetTimestamp();
            if (record) zero += b - a;
            var h = x;
            for (int i = 0; i < layers.Count; i++)
            {
                inputs[i] = h;
                a = Stopwatch.GetTimestamp();
                h = layers[i].Forward(h);
                b = Stopwatch.GetTimestamp();
                if (record) fwd[i] += b - a;
            }
            a = Stopwatch.GetTimestamp();
            loss.Forward(h, labels);
            Tensor<float>? g = loss.Backward();
            b = Stopwatch.GetTimestamp();
            if (record) lossTime += b - a;
            for (int i = layers.Count - 1; i >= 0 && g is not null; i--)
            {
                a = Stopwatch.GetTimestamp();
                g = layers[i].Backward(g);
                b = Stopwatch.GetTimestamp();
                if (record) bwd[i] += b - a;
            }
            a = Stopwatch.GetTimestamp();
            optimizer.Step();
            b = Stopwatch.GetTimestamp();
            if (record) { opt += b - a; total += b - t0; }
        }
        double Ms(double ticks) => ticks * 1000.0 / Stopwatch.Frequency / steps;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{arch}: batch {batch}, {steps} steps, {Ms(total):F2} ms/step = {batch / (Ms(total) / 1000):F0} samples/s"));
        Console.WriteLine("| part | forward ms | backward ms | share |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (int i = 0; i < layers.Count; i++)
            Console.WriteLine(string.Create(inv, $"| {layers[i].Name} | {Ms(fwd[i]):F2} | {Ms(bwd[i]):F2} | {100 * (fwd[i] + bwd[i]) / total:F1}% |"));
        Console.WriteLine(string.Create(inv, $"| loss | {Ms(lossTime):F2} | | {100 * lossTime / total:F1}% |"));
        Console.WriteLine(string.Create(inv, $"| zero grad | {Ms(zero):F2} | | {100 * zero / total:F1}% |"));
        Console.WriteLine(string.Create(inv, $"| optimizer | {Ms(opt):F2} | | {100 * opt / total:F1}% |"));
        double accounted = zero + lossTime + opt + fwd.Sum() + bwd.Sum();
        Console.WriteLine(string.Create(inv, $"| unaccounted | {Ms(total - accounted):F2} | | |"));

        // Conv backward split: the two kernels alone on each convolution's shapes.
        for (int i = 0; i < layers.Count; i++)
        {
            // A convolution alone or the first part of a fused layer (conv1+relu1+pool1).
            if ((layers[i] is FusedLayer<float> f ? f.Parts[0] : layers[i]) is not Conv2d<float> conv) continue;
            var input = inputs[i];
            Memory<float> bias = conv.Bias is null ? default : conv.Bias.Value;
            var geo = new Conv2dGeometry(batch, conv.InChannels, input.Dim(2), input.Dim(3), conv.OutChannels, conv.KernelSize, conv.Stride, conv.Padding);
            var y = new float[(long)batch * geo.OutputItem];
            var dy = new float[y.Length];
            for (int k = 0; k < dy.Length; k++) dy[k] = (float)rng.NextGaussian();
            var columns = new float[Convolution.ColumnCacheLength<float>(geo)];
            var dw = new float[geo.WeightLength];
            var db = new float[geo.OutChannels];
            var dx = new float[input.Length];
            double fwdAlone = Time(() => Convolution.Forward<float>(geo, input.Data, conv.Weight.Value, bias, y, columns, true), steps);
            double fwdNoCache = Time(() => Convolution.Forward<float>(geo, input.Data, conv.Weight.Value, bias, y, default, true), steps);
            double wg = Time(() => Convolution.BackwardWeights<float>(geo, input.Data, columns, dy, dw, db), steps);
            double wgNoCache = Time(() => Convolution.BackwardWeights<float>(geo, input.Data, default, dy, dw, db), steps);
            double wgWinograd = geo.Kernel == 3 && geo.InChannels >= 16 ? Time(() => Winograd.BackwardWeights(geo, input.Data, dy, dw), steps) : 0;
            Console.WriteLine(string.Create(inv, $"{conv.Name} Winograd weight gradient alone: {wgWinograd:F2} ms"));
            double ig = conv.NeedsInputGradient ? Time(() => Convolution.BackwardData<float>(geo, dy, conv.Weight.Value, dx), steps) : 0;
            Console.WriteLine(string.Create(inv,
                $"{conv.Name} alone: forward {fwdNoCache:F2} ms (filling the column cache too {fwdAlone:F2} ms), weight gradient {wg:F2} ms (without the cache {wgNoCache:F2} ms), input gradient {ig:F2} ms"));
            if (conv.NeedsInputGradient && Convolution.BacksReluMaxPool(geo) && layers[i] is ConvReluMaxPool<float>)
            {
                // The sparse backward pass a convolution before ReLU and a 2×2 pool runs, on this input's real winning cells.
                long windows = (long)batch * geo.OutChannels * (geo.OutHeight / 2) * (geo.OutWidth / 2);
                var pooledOut = new float[windows];
                var cells = new int[windows];
                Kernels.Reference.ReferenceConvolutionPool.Forward<float>(geo, input.Data, conv.Weight.Value.Span, bias.Span, pooledOut, cells);
                var dyCells = dy.AsSpan(0, (int)windows).ToArray();
                double sparse = Time(() => Convolution.BackwardReluMaxPool(geo, input.Data, conv.Weight.Value, dyCells, cells, dw, db, dx), steps);
                double sparseNoDx = Time(() => Convolution.BackwardReluMaxPool(geo, input.Data, conv.Weight.Value, dyCells, cells, dw, db, default), steps);
                Console.WriteLine(string.Create(inv, $"{conv.Name} sparse backward from the pooled gradient alone: {sparse:F2} ms ({sparseNoDx:F2} ms without the input gradient; {100.0 * cells.Count(c => c != Convolution.NoCorner) / windows:F0}% of windows kept)"));
            }
            if (conv.NeedsInputGradient || !Convolution.FusesReluMaxPool(geo)) continue;
            // The fused conv → ReLU → 2×2 pool passes a first convolution runs when a pool follows.
            long pooled = (long)batch * geo.OutChannels * (geo.OutHeight / 2) * (geo.OutWidth / 2);
            var yp = new float[pooled];
            var corners = new int[pooled];
            var dyp = dy.AsSpan(0, (int)pooled).ToArray();
            var scratch = new float[Convolution.ReluMaxPoolScratchLength(geo)];
            double fused = Time(() => Convolution.ForwardReluMaxPool(geo, input.Data, conv.Weight.Value, bias, yp, corners, scratch), steps);
            double fusedWg = Time(() => Convolution.BackwardWeightsReluMaxPool(geo, input.Data, dyp, corners, dw, db, scratch), steps);
            Console.WriteLine(string.Create(inv, $"{conv.Name} fused with ReLU and 2x2 pool alone: forward {fused:F2} ms, weight gradient {fusedWg:F2} ms"));
        }
    }

    // Fastest of five rounds of reps/5 calls: the VM is shared, and the minimum is what the kernel costs.
    private static double Time(Action body, int reps)
    {
        body();
        double best = double.MaxValue;
        int per = Math.Max(1, reps / 5);
        for (int round = 0; round < 5; round++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < per; i++) body();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds / per);
        }
        return best;
    }
}
