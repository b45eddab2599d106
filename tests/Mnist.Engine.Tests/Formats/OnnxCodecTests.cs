using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Formats.Protobuf;
using Xunit.Abstractions;

namespace Mnist.Engine.Tests.Formats;

public class OnnxCodecTests(ITestOutputHelper output)
{
    [Fact]
    public void Builder_RoundTripsThroughBytes()
    {
        var net = new TinyCnn();
        ModelProto model = TinyCnnExports.ToOnnx(net);
        model.Graph.Node[0].DocString = "first";
        model.Graph.Node.Add(new NodeProto { OpType = "Identity", Domain = "custom.domain" });
        model.Graph.Node[^1].Input.Add("");
        model.Graph.Node[^1].Attribute.Add(AttributeProto.String("mode", "constant"));
        model.Graph.Node[^1].Attribute.Add(AttributeProto.FloatList("scales", 1f, 2.5f));
        model.Graph.Node[^1].Attribute.Add(AttributeProto.StringList("names", "a", "b"));
        model.Graph.Node[^1].Attribute.Add(AttributeProto.Tensor("value", TensorProto.FromFloats("v", [2], [1f, -1f])));
        model.ModelVersion = 3;
        model.Domain = "org.example";

        byte[] bytes = OnnxModel.Serialize(model);
        ModelProto back = OnnxModel.Parse(bytes);

        Assert.Equal(7, back.IrVersion);
        Assert.Equal(13, back.GetOpsetVersion());
        Assert.Equal("Mnist.Engine", back.ProducerName);
        Assert.Equal(model.ProducerVersion, back.ProducerVersion);
        Assert.Equal(("org.example", 3L, "test model"), (back.Domain, back.ModelVersion, back.DocString));
        Assert.Equal(model.MetadataProps, back.MetadataProps);
        Assert.Equal("tiny-test-cnn", back.GetMetadata("architecture"));

        GraphProto g = back.Graph;
        Assert.Equal("tiny_cnn", g.Name);
        Assert.Equal(model.Graph.Node.Select(n => n.ToString()), g.Node.Select(n => n.ToString()));
        Assert.Equal(model.Graph.Node.SelectMany(n => n.Attribute).Select(a => a.ToString()),
            g.Node.SelectMany(n => n.Attribute).Select(a => a.ToString()));
        Assert.Equal("first", g.Node[0].DocString);
        Assert.Equal("custom.domain", g.Node[^1].Domain);
        Assert.Equal([""], g.Node[^1].Input);
        Assert.Equal(["a", "b"], g.Node[^1].FindAttribute("names")!.Strings.Select(s => System.Text.Encoding.UTF8.GetString(s)));
        Assert.Equal([1f, -1f], g.Node[^1].FindAttribute("value")!.T!.ToFloatArray());

        Assert.Equal("input: Float[N,1,28,28]", g.Input.Single().ToString());
        Assert.Equal("probabilities: Float[N,10]", g.Output.Single().ToString());
        Assert.Equal("pool: Float[N,4,13,13]", g.ValueInfo.Single().ToString());
        Assert.Equal(OnnxDim.FromString("N"), g.Input[0].Type!.TensorType!.Shape!.Dim[0]);

        Assert.Equal(net.ConvWeight, g.FindInitializer("conv.weight")!.ToFloatArray());
        Assert.Equal(net.FcWeight, g.FindInitializer("fc.weight")!.ToFloatArray());
        Assert.Equal([TinyCnn.Classes, (long)TinyCnn.Features], g.FindInitializer("fc.weight")!.Dims);
        Assert.Equal([-1L, TinyCnn.Features], g.FindInitializer("flat.shape")!.ToInt64Array());

        // Encoding is deterministic: re-serializing the parsed model gives the same bytes.
        Assert.Equal(bytes, OnnxModel.Serialize(back));
    }

    [Fact]
    public void UnknownFields_AreSkippedAtEveryLevel()
    {
        ModelProto model = TinyCnnExports.ToOnnx(new TinyCnn());
        byte[] plain = OnnxModel.Serialize(model);

        // Append unknown fields to the model message (field 99 of every wire type, and field 20
        // training_info which the subset does not model).
        var extra = new ProtoWriter();
        extra.WriteInt64(99, 12345);
        extra.WriteFixed32(98, 1);
        extra.WriteFixed64(97, 1);
        extra.WriteString(96, "future");
        extra.WriteMessage(20, m => m.WriteString(1, "training info"));
        ModelProto back = OnnxModel.Parse([.. plain, .. extra.ToArray()]);
        Assert.Equal(OnnxModel.Serialize(model), OnnxModel.Serialize(back));
    }

    [Fact]
    public void TensorData_IsReadFromTypedFieldsAndRawData()
    {
        var typed = new TensorProto { Name = "t", DataType = OnnxDataType.Float };
        typed.Dims.AddRange([2, 2]);
        typed.FloatData.AddRange([1f, 2f, 3f, 4f]);
        TensorProto back = RoundTrip(typed);
        Assert.Null(back.RawData);
        Assert.Equal([1f, 2f, 3f, 4f], back.ToFloatArray());

        var rawInt64 = new TensorProto { Name = "s", DataType = OnnxDataType.Int64, RawData = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x90, 0x01, 0, 0, 0, 0, 0, 0] };
        rawInt64.Dims.Add(2);
        Assert.Equal([-1L, 400L], RoundTrip(rawInt64).ToInt64Array());

        var int32 = new TensorProto { Name = "i", DataType = OnnxDataType.Int32 };
        int32.Dims.Add(3);
        int32.Int32Data.AddRange([-7, 0, 7]);
        Assert.Equal([-7L, 0L, 7L], RoundTrip(int32).ToInt64Array());

        var dbl = new TensorProto { Name = "d", DataType = OnnxDataType.Double };
        dbl.DoubleData.Add(0.5);
        Assert.Equal([0.5f], RoundTrip(dbl).ToFloatArray()); // scalar: no dims, one element

        var wrongSize = new TensorProto { Name = "w", DataType = OnnxDataType.Float, RawData = [0, 0, 0] };
        Assert.Throws<InvalidDataException>(() => wrongSize.ToFloatArray());
        Assert.Throws<InvalidDataException>(() => int32.ToFloatArray());
        Assert.Throws<ArgumentException>(() => TensorProto.FromFloats("x", [2, 3], [1f]));
    }

    [Fact]
    public void LeNet5FromPyTorch_IsRead()
    {
        ModelProto m = OnnxModel.Load(ExportFixtures.ThirdPartyLeNet());
        foreach (NodeProto n in m.Graph.Node)
        {
            output.WriteLine($"{n}  {string.Join(" ", n.Attribute)}");
        }

        foreach (TensorProto t in m.Graph.Initializer)
        {
            output.WriteLine(t.ToString());
        }

        Assert.Equal(4, m.IrVersion);
        Assert.Equal(9, m.GetOpsetVersion());
        Assert.Equal("pytorch", m.ProducerName);
        Assert.Equal(
            ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Constant", "Reshape", "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"],
            m.Graph.Node.Select(n => n.OpType));

        var shapes = m.Graph.Initializer.ToDictionary(t => t.Name, t => string.Join(",", t.Dims));
        Assert.Equal("6,1,5,5", shapes["body.conv1.weight"]);
        Assert.Equal("6", shapes["body.conv1.bias"]);
        Assert.Equal("16,6,5,5", shapes["body.conv2.weight"]);
        Assert.Equal("120,400", shapes["head.fc1.weight"]);
        Assert.Equal("84,120", shapes["head.fc2.weight"]);
        Assert.Equal("10,84", shapes["head.fc3.weight"]);
        Assert.Equal("10", shapes["head.fc3.bias"]);
        Assert.All(m.Graph.Initializer, t => Assert.Equal(t.ElementCount, t.ToFloatArray().Length));

        NodeProto conv1 = m.Graph.Node[0];
        Assert.Equal([2L, 2, 2, 2], conv1.FindAttribute("pads")!.Ints);
        Assert.Equal([5L, 5], conv1.FindAttribute("kernel_shape")!.Ints);
        Assert.Equal(OnnxAttributeType.Int, conv1.FindAttribute("group")!.Type);

        AttributeProto shape = m.Graph.Node[6].FindAttribute("value")!;
        Assert.Equal(OnnxAttributeType.Tensor, shape.Type);
        Assert.Equal([-1L, 400L], shape.T!.ToInt64Array());
        Assert.Equal(1, m.Graph.Node[^1].FindAttribute("axis")!.I);
        Assert.Equal(1, m.Graph.Node[8].FindAttribute("transB")!.I);

        Assert.Equal("input_0: Float[10,1,28,28]", m.Graph.Input[0].ToString());
        Assert.Equal("output_0: Float[10,10]", m.Graph.Output.Single().ToString());
    }

    private static TensorProto RoundTrip(TensorProto t)
    {
        var b = new OnnxGraphBuilder();
        b.AddInitializer(t);
        return OnnxModel.Parse(OnnxModel.Serialize(b.Build())).Graph.Initializer.Single();
    }
}
