using System.Diagnostics;
using System.Globalization;
using Mnist.Engine.Data;
using Mnist.Inference;

// mnist-ortbench: ONNX Runtime throughput of model files through the server's own classifier (OnnxDigitClassifier,
// as micro-batching calls it): for every model × batch size × intra-op thread count, ClassifyBatch on real MNIST test
// digits back to back for a fixed time, one JSON line each.
//   mnist-ortbench --model A.onnx [--model B.onnx …] [--batch 16,64] [--threads 1,2] [--seconds 3] [--data DIR]
var inv = CultureInfo.InvariantCulture;
var models = new List<string>();
int[] batches = [16, 64], threads = [1, 2];
double seconds = 3;
string? data = Environment.GetEnvironmentVariable("MNIST_DATA");
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--model": models.Add(Next()); break;
        case "--batch": batches = [.. Next().Split(',').Select(s => int.Parse(s, inv))]; break;
        case "--threads": threads = [.. Next().Split(',').Select(s => int.Parse(s, inv))]; break;
        case "--seconds": seconds = double.Parse(Next(), inv); break;
        case "--data": data = Next(); break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'");
            return 2;
    }
}

if (models.Count == 0 || string.IsNullOrEmpty(data))
{
    Console.Error.WriteLine("usage: mnist-ortbench --model FILE [--model FILE …] [--batch 16,64] [--threads 1,2] [--seconds 3] [--data DIR | $MNIST_DATA]");
    return 2;
}

var test = MnistDataset.Load(data, MnistSplit.Test);
int maxBatch = batches.Max();
var images = new float[test.Count * 784];
for (int i = 0; i < images.Length; i++) images[i] = test.Images[i] / 255f;
var probabilities = new float[maxBatch * 10];
Console.Error.WriteLine($"{Environment.ProcessorCount} logical cores; {test.Count} MNIST test digits; {seconds} s per configuration");

foreach (string model in models)
    foreach (int t in threads)
    {
        using var classifier = OnnxDigitClassifier.Load(model, new OnnxClassifierOptions { IntraOpThreads = t, MaxRunBatch = maxBatch });
        foreach (int batch in batches)
        {
            int batchesPerPass = test.Count / batch, next = 0;
            void One()
            {
                classifier.ClassifyBatch(images.AsSpan(next * batch * 784, batch * 784), batch, probabilities);
                next = (next + 1) % batchesPerPass;
            }

            // Warm-up: JIT, ORT's first-run allocations and thread pool start-up are not measured.
            for (var warm = Stopwatch.StartNew(); warm.Elapsed.TotalSeconds < Math.Min(1, seconds / 3);) One();
            long runs = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                One();
                runs++;
            }

            double elapsed = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(inv,
                $$"""{"model":"{{Path.GetFileName(model)}}","batch":{{batch}},"threads":{{t}},"digits_per_s":{{runs * batch / elapsed:F0}},"us_per_batch":{{elapsed * 1e6 / runs:F1}}}"""));
        }
    }

return 0;
