using System.Diagnostics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Layers;
using Mnist.Engine.Networks;
using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>What <c>mnist bench engine</c> reports: the libtorch peer's fields, so lines compare one to one.</summary>
public sealed record EngineBenchmarkResult(
    string Arch, int Threads, int TrainBatch, double TrainSamplesPerSecond, double InferBatch1Microseconds,
    double InferBatch256SamplesPerSecond, long PeakWorkingSetBytes, string Isa);

/// <summary>
/// Throughput and latency on synthetic input, measured the way the libtorch peer does
/// (shared/peers/libtorch/Peer/Program.cs): 5 warm-up steps, then training steps for a fixed time
/// with the arch's optimizer and batch; then batch-1 forward latency and batch-256 forward throughput.
/// </summary>
public static class EngineBenchmark
{
    /// <summary>
    /// Runs the benchmark. Durations default to the peer's (8 s, 3 s, 3 s); <paramref name="convolution"/> (default all
    /// paths) is for A/B runs of a convolution path in one build.
    /// </summary>
    public static EngineBenchmarkResult Run(string arch, TimeSpan? trainTime = null, TimeSpan? inferTime = null, ConvolutionOptions? convolution = null)
    {
        var train = trainTime ?? TimeSpan.FromSeconds(8);
        var infer = inferTime ?? TimeSpan.FromSeconds(3);
        var model = Architectures.Create<float>(arch, seed: 1, convolution);
        var (optimizer, batch) = PeerRecipe(arch, model);
        var trainer = new Trainer(model, optimizer);
        var rng = new SplitMix(7);
        var x = RandomNormal([batch, 1, 28, 28], rng);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(10);

        for (int i = 0; i < 5; i++) trainer.Step(x, labels);
        var sw = Stopwatch.StartNew();
        long samples = 0;
        while (sw.Elapsed < train)
        {
            trainer.Step(x, labels);
            samples += batch;
        }
        double trainRate = samples / sw.Elapsed.TotalSeconds;

        model.Training = false;
        var x1 = RandomNormal([1, 1, 28, 28], rng);
        for (int i = 0; i < 50; i++) model.Forward(x1);
        sw.Restart();
        long calls = 0;
        while (sw.Elapsed < infer)
        {
            model.Forward(x1);
            calls++;
        }
        double b1Us = sw.Elapsed.TotalMilliseconds * 1000 / calls;

        var xb = RandomNormal([256, 1, 28, 28], rng);
        model.Forward(xb);
        sw.Restart();
        samples = 0;
        while (sw.Elapsed < infer)
        {
            model.Forward(xb);
            samples += 256;
        }
        double b256 = samples / sw.Elapsed.TotalSeconds;

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new EngineBenchmarkResult(arch, Parallelism.Degree, batch, trainRate, b1Us, b256, process.PeakWorkingSet64, Isa.Describe());
    }

    /// <summary>The peer's optimizer and batch size for <paramref name="arch"/>: RMSprop(lr 1e-3, α 0.9, ε 1e-7) with batch 32 for seed, Adam(1e-3) with batch 128 otherwise.</summary>
    public static (Optimizer<float> Optimizer, int Batch) PeerRecipe(string arch, Sequential<float> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return arch == "seed"
            ? (new RmsProp<float>(model.Parameters, 1e-3, rho: 0.9, epsilon: 1e-7, semantics: RmsPropSemantics.PyTorch), 32)
            : (new Adam<float>(model.Parameters, 1e-3), 128);
    }

    private static Tensor<float> RandomNormal(int[] shape, SplitMix rng)
    {
        var t = new Tensor<float>(shape);
        for (int i = 0; i < t.Length; i++) t.Data[i] = (float)rng.NextGaussian();
        return t;
    }
}
