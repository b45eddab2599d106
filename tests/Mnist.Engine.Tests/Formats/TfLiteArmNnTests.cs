using Mnist.Testing;
using System.Text.Json;
using Xunit.Abstractions;

namespace Mnist.Engine.Tests.Formats;

/// <summary>Arm NN's TFLite parser (Debian python3-pyarmnn, CpuRef backend) runs the files the builder writes.</summary>
public class TfLiteArmNnTests(ITestOutputHelper output)
{
    /// <summary>
    /// Runs <c>model.tflite</c> on <c>input.npy</c> with Arm NN CpuRef and prints
    /// <c>{"armnn": version, "output": [...], "input_shape": [...]}</c>. Reusable for whole-model checks.
    /// </summary>
    internal const string ArmNnScript = """
        import json, sys, os, contextlib, numpy as np
        with contextlib.redirect_stdout(sys.stderr):  # pyarmnn prints notices about missing parsers
            import pyarmnn as ann
        x = np.load("input.npy").astype(np.float32)
        parser = ann.ITfLiteParser()
        net = parser.CreateNetworkFromBinaryFile(os.path.abspath("model.tflite"))
        in_name = parser.GetSubgraphInputTensorNames(0)[0]
        out_name = parser.GetSubgraphOutputTensorNames(0)[0]
        in_info = parser.GetNetworkInputBindingInfo(0, in_name)
        out_info = parser.GetNetworkOutputBindingInfo(0, out_name)
        runtime = ann.IRuntime(ann.CreationOptions())
        opt, messages = ann.Optimize(net, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
        net_id, _ = runtime.LoadNetwork(opt)
        outputs = []
        for i in range(x.shape[0]):
            inputs = ann.make_input_tensors([in_info], [x[i:i+1]])
            outs = ann.make_output_tensors([out_info])
            runtime.EnqueueWorkload(net_id, inputs, outs)
            outputs.append(ann.workload_tensors_to_ndarray(outs)[0].ravel().tolist())
        print(json.dumps({"armnn": ann.__version__, "input": in_name, "output_name": out_name,
                          "input_shape": list(in_info[1].GetShape()), "output": outputs}))
        """;

    [Fact]
    public void ArmNn_RunsTinyCnn_AndMatchesTheNaiveReference()
    {
        PythonRunner.Require("numpy", "pyarmnn");

        var net = new TinyCnn();
        float[][] images = [TinyCnn.SampleInput(7), TinyCnn.SampleInput(8)];
        string stdout = PythonRunner.Run(ArmNnScript, new Dictionary<string, byte[]>
        {
            ["model.tflite"] = TinyCnnExports.ToTfLite(net),
            ["input.npy"] = PythonRunner.ToNpy([.. images.SelectMany(i => i)], images.Length, 28, 28, 1),
        });
        output.WriteLine(stdout);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement r = doc.RootElement;
        Assert.Equal("input", r.GetProperty("input").GetString());
        Assert.Equal("probabilities", r.GetProperty("output_name").GetString());

        for (int n = 0; n < images.Length; n++)
        {
            float[] expected = net.Forward(images[n]);
            float[] actual = [.. r.GetProperty("output")[n].EnumerateArray().Select(e => e.GetSingle())];
            Assert.Equal(TinyCnn.Classes, actual.Length);
            double maxDiff = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"image {n}: Arm NN vs naive max abs diff {maxDiff:E3}; probabilities {string.Join(" ", actual.Select(v => v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}");
            Assert.True(maxDiff <= 1e-4, $"image {n}: max abs diff {maxDiff} > 1e-4");
        }
    }
}
