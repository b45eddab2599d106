using Mnist.Testing;
using System.Globalization;
using System.Text.Json;
using Mnist.Engine.Formats.Onnx;
using Xunit.Abstractions;

namespace Mnist.Engine.Tests.Formats;

/// <summary>Debian's python3-onnx judges the files the builder writes.</summary>
public class OnnxThirdPartyTests(ITestOutputHelper output)
{
    private const string CheckScript = """
        import json, sys, onnx, numpy as np
        from onnx import numpy_helper
        m = onnx.load("model.onnx")
        onnx.checker.check_model(m, full_check=True)
        inferred = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
        shapes = {}
        for v in list(inferred.graph.value_info) + list(inferred.graph.output):
            shapes[v.name] = [d.dim_param if d.dim_param else d.dim_value for d in v.type.tensor_type.shape.dim]
        result = {
            "onnx_version": onnx.__version__,
            "ir_version": m.ir_version,
            "opset": [[o.domain, o.version] for o in m.opset_import],
            "ops": [n.op_type for n in m.graph.node],
            "metadata": {p.key: p.value for p in m.metadata_props},
            "initializers": {t.name: list(t.dims) for t in m.graph.initializer},
            "fc_weight_sum": float(numpy_helper.to_array([t for t in m.graph.initializer if t.name == "fc.weight"][0]).astype(np.float64).sum()),
            "shapes": shapes,
        }
        # Debian's onnx 1.12 predates onnx.reference, so the graph is evaluated here with numpy from the file's own
        # nodes, attributes and initializers (numpy_helper), independently of the engine's code.
        x = np.fromfile("input.f32", dtype="<f4").reshape(1, 1, 28, 28).astype(np.float64)
        init = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer}
        env = {"input": x}
        def attr(n, name, default):
            for a in n.attribute:
                if a.name == name:
                    return list(a.ints) if a.ints else a.i
            return default
        def val(name):
            return env[name] if name in env else init[name]
        for n in m.graph.node:
            ins = [val(i) for i in n.input]
            if n.op_type == "Conv":
                xi, w, b = ins[0], ins[1], ins[2]
                kh, kw = w.shape[2], w.shape[3]
                oh, ow = xi.shape[2] - kh + 1, xi.shape[3] - kw + 1
                y = np.zeros((xi.shape[0], w.shape[0], oh, ow))
                for i in range(kh):
                    for j in range(kw):
                        y += np.einsum("nchw,oc->nohw", xi[:, :, i:i + oh, j:j + ow], w[:, :, i, j])
                out = y + b.reshape(1, -1, 1, 1)
            elif n.op_type == "Relu":
                out = np.maximum(ins[0], 0)
            elif n.op_type == "MaxPool":
                k = attr(n, "kernel_shape", [2, 2])[0]; st = attr(n, "strides", [k, k])[0]
                xi = ins[0]; oh, ow = (xi.shape[2] - k) // st + 1, (xi.shape[3] - k) // st + 1
                out = np.full((xi.shape[0], xi.shape[1], oh, ow), -np.inf)
                for i in range(k):
                    for j in range(k):
                        out = np.maximum(out, xi[:, :, i:i + st * oh:st, j:j + st * ow:st])
            elif n.op_type in ("Reshape", "Flatten"):
                out = ins[0].reshape(ins[0].shape[0], -1)
            elif n.op_type == "Gemm":
                a, w, b = ins[0], ins[1], ins[2]
                out = a @ (w.T if attr(n, "transB", 0) else w) + b
            elif n.op_type == "Softmax":
                e = np.exp(ins[0] - ins[0].max(axis=-1, keepdims=True))
                out = e / e.sum(axis=-1, keepdims=True)
            else:
                raise SystemExit("unexpected op " + n.op_type)
            env[n.output[0]] = out
        result["reference"] = env[m.graph.output[0].name].ravel().tolist()
        print(json.dumps(result))
        """;

    [Fact]
    public void OnnxChecker_AcceptsTinyCnn_AndNumpyEvaluationOfTheFileAgrees()
    {
        PythonRunner.Require("onnx", "numpy");

        var net = new TinyCnn();
        float[] x = TinyCnn.SampleInput();
        byte[] model = OnnxModel.Serialize(TinyCnnExports.ToOnnx(net));
        string stdout = PythonRunner.Run(CheckScript, new Dictionary<string, byte[]>
        {
            ["model.onnx"] = model,
            ["input.f32"] = PythonRunner.ToRawFloats(x),
        });
        output.WriteLine(stdout);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement r = doc.RootElement;

        Assert.Equal(7, r.GetProperty("ir_version").GetInt32());
        Assert.Equal(13, r.GetProperty("opset")[0][1].GetInt32());
        Assert.Equal(["Conv", "Relu", "MaxPool", "Reshape", "Gemm", "Softmax"], r.GetProperty("ops").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("tiny-test-cnn", r.GetProperty("metadata").GetProperty("architecture").GetString());
        Assert.Equal("10,676", string.Join(",", r.GetProperty("initializers").GetProperty("fc.weight").EnumerateArray().Select(e => e.GetInt32())));
        Assert.Equal(net.FcWeight.Sum(v => (double)v), r.GetProperty("fc_weight_sum").GetDouble(), 1e-9);

        // Strict shape inference agrees with the intended shapes, symbolic batch included.
        JsonElement shapes = r.GetProperty("shapes");
        Assert.Equal("N,10", Dims(shapes.GetProperty("probabilities")));
        Assert.Equal("N,4,26,26", Dims(shapes.GetProperty("conv")));
        Assert.Equal("N,4,13,13", Dims(shapes.GetProperty("pool")));

        // The file's graph evaluated by numpy must give the naive reference's probabilities: a weight stored in the wrong
        // layout passes the checker but not this.
        float[] expected = net.Forward(x);
        float[] actual = [.. r.GetProperty("reference").EnumerateArray().Select(e => e.GetSingle())];
        Assert.Equal(TinyCnn.Classes, actual.Length);
        double maxDiff = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"numpy evaluation of the file: max abs diff {maxDiff:E3}");
        Assert.True(maxDiff <= 1e-5, $"max abs diff {maxDiff} > 1e-5");
    }

    [Fact]
    public void ModelsReserializedByPythonOnnx_ReadBackIdentically()
    {
        PythonRunner.Require("onnx");

        // protoc-generated code writes proto2 repeated scalars unpacked and orders fields by number;
        // the reader must accept that as well as the writer's own encoding.
        const string script = """
            import onnx, sys
            m = onnx.load("model.onnx")
            onnx.save(m, "resaved.onnx")
            sys.stdout.buffer.write(open("resaved.onnx", "rb").read().hex().encode())
            """;
        ModelProto model = TinyCnnExports.ToOnnx(new TinyCnn());
        string hex = PythonRunner.Run(script, new Dictionary<string, byte[]> { ["model.onnx"] = OnnxModel.Serialize(model) });
        ModelProto back = OnnxModel.Parse(Convert.FromHexString(hex.Trim()));
        Assert.Equal(OnnxModel.Serialize(model), OnnxModel.Serialize(back));
    }

    private static string Dims(JsonElement dims) => string.Join(",", dims.EnumerateArray().Select(d =>
        d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetInt64().ToString(CultureInfo.InvariantCulture)));
}
