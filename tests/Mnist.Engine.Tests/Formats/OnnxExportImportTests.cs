using Mnist.Testing;
using System.Globalization;
using System.Text.Json;
using Mnist.Engine.Formats;
using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;
using Xunit.Abstractions;
using static Mnist.Engine.Tests.Formats.ExportFixtures;

namespace Mnist.Engine.Tests.Formats;

/// <summary>ONNX export of engine networks (judged by python3-onnx's checker) and import back into the engine.</summary>
public class OnnxExportImportTests(ITestOutputHelper output)
{
    private const string CheckScript = """
        import json, sys, glob, onnx
        result = {}
        for path in sorted(glob.glob("*.onnx")):
            m = onnx.load(path)
            onnx.checker.check_model(m, full_check=True)
            inferred = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
            out = inferred.graph.output[0].type.tensor_type
            inp = m.graph.input[0].type.tensor_type
            dims = lambda t: [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]
            result[path] = {"ir": m.ir_version, "opset": [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0],
                            "ops": [n.op_type for n in m.graph.node], "input": [m.graph.input[0].name] + dims(inp),
                            "output": [m.graph.output[0].name] + dims(out), "elem": [inp.elem_type, out.elem_type],
                            "metadata": {p.key: p.value for p in m.metadata_props}}
        print(json.dumps(result))
        """;

    [Fact]
    public void OnnxChecker_AcceptsExportedNetworks()
    {
        PythonRunner.Require("onnx");

        var files = NetworkNames.ToDictionary(n => n + ".onnx", n =>
        {
            var model = Create(n);
            return OnnxExporter.ExportBytes(model, Card(model, n));
        });
        string stdout = PythonRunner.Run(CheckScript, files);
        output.WriteLine(stdout);
        using var doc = JsonDocument.Parse(stdout);
        foreach (string n in NetworkNames)
        {
            var r = doc.RootElement.GetProperty(n + ".onnx");
            Assert.Equal(7, r.GetProperty("ir").GetInt32());
            Assert.Equal(13, r.GetProperty("opset").GetInt32());
            Assert.Equal("input,N,1,28,28", Join(r.GetProperty("input")));
            Assert.Equal("probabilities,N,10", Join(r.GetProperty("output")));
            Assert.Equal("1,1", Join(r.GetProperty("elem")));
            var ops = r.GetProperty("ops").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Equal("Softmax", ops[^1]);
            Assert.DoesNotContain("Dropout", ops);
            Assert.DoesNotContain("BatchNormalization", ops); // folded
            var meta = r.GetProperty("metadata");
            Assert.Equal(n, meta.GetProperty("architecture").GetString());
            Assert.Equal("mnist-cs", meta.GetProperty("producer").GetString());
            Assert.Equal(Create(n).ParameterCount.ToString(CultureInfo.InvariantCulture), meta.GetProperty("parameters").GetString());
        }
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("lenet")]
    [InlineData("normnet")]
    public void RoundTrip_ExportThenImport_GivesTheSameOutputs(string name)
    {
        var model = Create(name);
        var card = Card(model, name);
        var imported = OnnxImporter.Load(OnnxExporter.ExportBytes(model, card));
        Assert.True(imported.OutputIsProbabilities);
        Assert.Equal("input", imported.InputName);
        Assert.Equal("probabilities", imported.OutputName);
        Assert.Equal(card, imported.Card);
        Assert.Equal("N,1,28,28", string.Join(",", imported.DeclaredInputShape));
        Assert.Equal([1, 28, 28], imported.Model.InputItemShape);
        foreach (int batch in (int[])[1, 7])
        {
            var x = RandomImages(batch, seed: batch);
            var expected = Probabilities(model, x);
            var actual = imported.Predict(x);
            double diff = MaxAbsDiff(expected.Span, actual.Span);
            output.WriteLine($"{name} batch {batch}: max abs probability diff {diff:E2}");
            Assert.True(diff <= 1e-6, $"{name} batch {batch}: max abs diff {diff} > 1e-6");
            Assert.Equal(ArgMax(expected.Span, 10), ArgMax(actual.Span, 10));
        }

        // Re-exporting the imported model gives the same file content apart from nothing: weights are carried over exactly.
        if (name != "normnet")
        {
            var again = OnnxExporter.Export(imported.Model, card);
            var first = OnnxExporter.Export(model, card);
            Assert.Equal(first.Graph.Initializer.Select(t => t.Name), again.Graph.Initializer.Select(t => t.Name));
            Assert.Equal(OnnxModel.Serialize(first), OnnxModel.Serialize(again));
        }
    }

    [Fact]
    public void BatchNorm_Unfolded_ExportsBatchNormalization_AndImportsExactly()
    {
        var model = Create("normnet");
        var proto = OnnxExporter.Export(model, Card(model, "normnet"), foldBatchNorm: false);
        Assert.Equal(3, proto.Graph.Node.Count(n => n.OpType == "BatchNormalization"));
        var imported = OnnxImporter.Import(proto);
        Assert.Equal(3, imported.Model.UnfusedLayers.OfType<BatchNorm<float>>().Count());
        var x = RandomImages(3, 5);
        Assert.Equal(Probabilities(model, x).Data, imported.Predict(x).Data);
    }

    [Fact]
    public void Save_WritesAtomically_AndLoadReadsTheFile()
    {
        var model = Create("lenet");
        string dir = Path.Combine(Path.GetTempPath(), "mnist-export-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "m.onnx");
            OnnxExporter.Save(model, Card(model, "lenet"), path);
            Assert.Equal(["m.onnx"], Directory.GetFiles(dir).Select(Path.GetFileName));
            var imported = OnnxImporter.Load(path);
            Assert.Equal(model.ParameterCount, imported.Model.ParameterCount);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ThirdPartyPyTorchLeNet5_ImportsAndRunsAtAnyBatchSize()
    {
        string path = ThirdPartyLeNet();

        var m = OnnxImporter.Load(path);
        output.WriteLine($"{m.ProducerName} opset {m.OpsetVersion}: {string.Join(" → ", m.Model.UnfusedLayers.Select(l => l.Name))}");
        Assert.Equal("input_0", m.InputName);
        Assert.Equal("output_0", m.OutputName);
        Assert.Equal(10L, m.DeclaredInputShape[0].Value); // the file fixes batch 10 ...
        Assert.True(m.OutputIsProbabilities);
        Assert.Null(m.Card);
        Assert.Equal(61_706, m.Model.ParameterCount);
        Assert.Equal(["body.conv1", "relu", "maxpool", "body.conv2", "relu_1", "maxpool_1", "flatten", "head.fc1", "relu_2", "head.fc2", "relu_3", "head.fc3"],
            m.Model.UnfusedLayers.Select(l => l.Name));

        var x37 = RandomImages(37, 11);
        var p37 = m.Run(x37); // ... but any batch runs
        Assert.Equal([37, 10], p37.Shape);
        for (int i = 0; i < 37; i += 9)
        {
            var one = m.Run(new Tensor<float>(x37.Span.Slice(i * 784, 784).ToArray(), 1, 1, 28, 28));
            Assert.Equal([1, 10], one.Shape);
            Assert.True(MaxAbsDiff(one.Span, p37.Span.Slice(i * 10, 10)) <= 1e-6);
            Assert.Equal(1.0, one.Data.Sum(v => (double)v), 5);
        }
    }

    [Fact]
    public void UnsupportedOp_NamesTheOpAndTheNode()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", OnnxDataType.Float, "N", 1, 28, 28);
        b.AddInitializer("w", [2, 1, 3, 3], new float[18]);
        b.AddNode("Conv", ["x", "w"], ["c"], AttributeProto.IntList("kernel_shape", 3, 3));
        b.AddNode("LeakyRelu", ["c"], ["a"], AttributeProto.Float("alpha", 0.1f)).Name = "leaky_act";
        b.AddNode("Flatten", ["a"], ["y"]);
        b.AddOutput("y", OnnxDataType.Float, "N", 1352);
        var e = Assert.Throws<NotSupportedException>(() => OnnxImporter.Import(b.Build()));
        output.WriteLine(e.Message);
        Assert.Contains("'LeakyRelu'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'leaky_act'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonChainGraph_IsAClearError()
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("x", OnnxDataType.Float, "N", 784);
        b.AddNode("Relu", ["x"], ["r"]);
        b.AddNode("Add", ["r", "x"], ["y"]).Name = "residual";
        b.AddOutput("y", OnnxDataType.Float, "N", 784);
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(b.Build()));
        output.WriteLine(e.Message);
        Assert.Contains("not a chain", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KerasStyleNhwcGraph_FoldsTransposes_AndNormalization()
    {
        // Reference: (x − 0.1307)/0.3081 → conv 1→4 k3 → relu → maxpool 2 → flatten (c,h,w) → linear 676→10.
        var rng = new SplitMix(21);
        var reference = new Sequential<float>([1, 28, 28],
        [
            ("conv", new Conv2d<float>(1, 4, 3, rng: rng)), ("relu", new ReLU<float>()), ("pool", new MaxPool2d<float>(2)),
            ("flatten", new Flatten<float>()), ("fc", new Linear<float>(676, 10, rng: rng)),
        ]) { Training = false };
        var conv = (Conv2d<float>)reference.UnfusedLayers[0];
        var fc = (Linear<float>)reference.UnfusedLayers[4];

        // The same network as tf2onnx writes a Keras model: NHWC input, transposes around the NCHW conv, an (h,w,c)
        // flatten, MatMul + Add, normalization inside the model.
        var b = new OnnxGraphBuilder { OpsetVersion = 13 };
        b.AddInput("image", OnnxDataType.Float, "unk__1", 28, 28, 1);
        b.AddInitializer("mean", [], [0.1307f]);
        b.AddInitializer("std", [1], [0.3081f]);
        b.AddInitializer("conv/kernel", [4, 1, 3, 3], conv.Weight.Value.Span);
        b.AddInitializer("conv/bias", [4], conv.Bias!.Value.Span);
        b.AddInt64Initializer("flat_shape", [2], [-1, 676]);
        var w = new float[676 * 10];
        for (int o = 0; o < 10; o++)
            for (int c = 0; c < 4; c++)
                for (int h = 0; h < 13; h++)
                    for (int col = 0; col < 13; col++)
                        w[(((h * 13) + col) * 4 + c) * 10 + o] = fc.Weight.Value.Span[o * 676 + (c * 13 + h) * 13 + col];
        b.AddInitializer("dense/kernel", [676, 10], w);
        b.AddInitializer("dense/bias", [10], fc.Bias!.Value.Span);
        b.AddNode("Sub", ["image", "mean"], ["centered"]);
        b.AddNode("Div", ["centered", "std"], ["normalized"]);
        b.AddNode("Transpose", ["normalized"], ["nchw"], AttributeProto.IntList("perm", 0, 3, 1, 2));
        b.AddNode("Conv", ["nchw", "conv/kernel", "conv/bias"], ["conv"], AttributeProto.IntList("kernel_shape", 3, 3), AttributeProto.String("auto_pad", "VALID"));
        b.AddNode("Relu", ["conv"], ["relu"]);
        b.AddNode("MaxPool", ["relu"], ["pool"], AttributeProto.IntList("kernel_shape", 2, 2), AttributeProto.IntList("strides", 2, 2));
        b.AddNode("Transpose", ["pool"], ["nhwc"], AttributeProto.IntList("perm", 0, 2, 3, 1));
        b.AddNode("Reshape", ["nhwc", "flat_shape"], ["flat"]);
        b.AddNode("MatMul", ["flat", "dense/kernel"], ["mm"]);
        b.AddNode("Add", ["mm", "dense/bias"], ["logits"]);
        b.AddNode("Softmax", ["logits"], ["probs"], AttributeProto.Int("axis", -1));
        b.AddOutput("probs", OnnxDataType.Float, "unk__1", 10);

        var imported = OnnxImporter.Import(b.Build());
        output.WriteLine(string.Join(" → ", imported.Model.UnfusedLayers.Select(l => $"{l.Name}:{l.GetType().Name}")));
        Assert.Equal("28,28,1", string.Join(",", imported.DeclaredInputShape.Skip(1)));
        Assert.Equal(["Reshape", "ScaleShift", "Reshape", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"], // views only, no transposes
            imported.Model.UnfusedLayers.Select(l => l.GetType().Name.Split('`')[0]));

        var x = RandomImages(5, 3);
        var normalized = x.Clone();
        for (int i = 0; i < normalized.Length; i++) normalized.Data[i] = (normalized.Data[i] - 0.1307f) / 0.3081f;
        var expected = Probabilities(reference, normalized);
        var nhwc = x.Reshape(5, 28, 28, 1); // one channel: the same bytes as NCHW
        double diff = MaxAbsDiff(expected.Span, imported.Run(nhwc).Span);
        output.WriteLine($"max abs diff {diff:E2}");
        Assert.True(diff <= 1e-6, $"max abs diff {diff}");
    }

    [Fact]
    public void GemmAttributes_AndLogitOutputs_AreHonoured()
    {
        var random = new Random(5);
        float[] Rand(int n) => [.. Enumerable.Range(0, n).Select(_ => random.NextSingle() - 0.5f)];
        float[] w1 = Rand(784 * 32), b1 = Rand(32), w2 = Rand(10 * 32), b2 = Rand(10);
        var b = new OnnxGraphBuilder { OpsetVersion = 11, IrVersion = 6 };
        b.AddInput("x", OnnxDataType.Float, 1, 784);
        b.AddInitializer("w1", [784, 32], w1); // transB = 0: [in, out]
        b.AddInitializer("b1", [1, 32], b1);
        b.AddInitializer("w2", [10, 32], w2);
        b.AddInitializer("b2", [10], b2);
        b.AddNode("Gemm", ["x", "w1", "b1"], ["h"], AttributeProto.Float("alpha", 0.5f), AttributeProto.Float("beta", 2f));
        b.AddNode("Sigmoid", ["h"], ["s"]);
        b.AddNode("Gemm", ["s", "w2", "b2"], ["logits"], AttributeProto.Int("transB", 1));
        b.AddOutput("logits", OnnxDataType.Float, 1, 10);
        var m = OnnxImporter.Import(b.Build());
        Assert.False(m.OutputIsProbabilities);

        var x = RandomImages(3, 9);
        var logits = m.Run(x);
        for (int n = 0; n < 3; n++)
        {
            var h = new double[32];
            for (int j = 0; j < 32; j++)
            {
                double acc = 0;
                for (int i = 0; i < 784; i++) acc += x.Data[n * 784 + i] * w1[i * 32 + j];
                h[j] = 1 / (1 + Math.Exp(-(0.5 * acc + 2 * b1[j])));
            }

            for (int o = 0; o < 10; o++)
            {
                double acc = b2[o];
                for (int j = 0; j < 32; j++) acc += h[j] * w2[o * 32 + j];
                Assert.Equal(acc, logits.Data[n * 10 + o], 4);
            }
        }
    }

    private static string Join(JsonElement e) => string.Join(",", e.EnumerateArray().Select(v =>
        v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetInt64().ToString(CultureInfo.InvariantCulture)));
}
