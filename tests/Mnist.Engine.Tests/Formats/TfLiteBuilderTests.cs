using Mnist.Testing;
using Mnist.Engine.Formats.TfLite;

namespace Mnist.Engine.Tests.Formats;

public class TfLiteBuilderTests
{
    [Fact]
    public void TinyCnn_ReadsBackWithEverythingItWrote()
    {
        var net = new TinyCnn();
        byte[] bytes = TinyCnnExports.ToTfLite(net);
        Assert.Equal("TFL3", System.Text.Encoding.ASCII.GetString(bytes, 4, 4));

        TfLiteModel m = TfLiteModel.Parse(bytes);
        Assert.Equal(3, m.Version);
        Assert.Equal("tiny test cnn", m.Description);
        Assert.Equal(1, m.SubgraphCount);
        Assert.Equal("main", m.SubgraphName);
        Assert.Empty(m.Buffers[0]);
        Assert.Equal([TfLiteBuiltinOperator.Conv2D, TfLiteBuiltinOperator.MaxPool2D, TfLiteBuiltinOperator.Reshape,
            TfLiteBuiltinOperator.FullyConnected, TfLiteBuiltinOperator.Softmax],
            m.Operators.Select(o => m.OperatorCodes[o.OpcodeIndex].Operator));
        Assert.All(m.OperatorCodes, c => Assert.Equal(c.BuiltinCode, c.DeprecatedBuiltinCode));

        TfLiteTensor input = m.Tensors[m.Inputs.Single()];
        Assert.Equal(("input", "1,28,28,1", TfLiteTensorType.Float32, 0), (input.Name, string.Join(",", input.Shape), input.Type, input.Buffer));
        TfLiteTensor output = m.Tensors[m.Outputs.Single()];
        Assert.Equal(("probabilities", "1,10"), (output.Name, string.Join(",", output.Shape)));

        Assert.Equal(new TfLiteConv2DOptions(TfLitePadding.Valid, 1, 1, TfLiteActivation.Relu), m.Operators[0].Options);
        Assert.Equal(new TfLitePool2DOptions(TfLitePadding.Valid, 2, 2, 2, 2), m.Operators[1].Options);
        Assert.Equal(new TfLiteReshapeOptions([1, TinyCnn.Features]), m.Operators[2].Options);
        Assert.Equal(new TfLiteFullyConnectedOptions(), m.Operators[3].Options);
        Assert.Equal(new TfLiteSoftmaxOptions(1f), m.Operators[4].Options);
        Assert.Equal(TfLiteOptionsType.Conv2DOptions, m.Operators[0].OptionsType);

        int fcW = m.Operators[3].Inputs[1];
        Assert.Equal(net.FcWeightNhwc(), m.GetFloatData(fcW));
        Assert.Equal(net.ConvWeightOhwi(), m.GetFloatData(m.Operators[0].Inputs[1]));
    }

    [Fact]
    public void OperatorCodes_FollowTheCompatibilityRule_AndAreShared()
    {
        var b = new TfLiteModelBuilder();
        int x = b.AddTensor("x", [1, 4], TfLiteTensorType.Float32);
        int y = b.AddTensor("y", [1, 4], TfLiteTensorType.Float32);
        b.AddOperator(TfLiteBuiltinOperator.Relu, [x], [y]);
        b.AddOperator(TfLiteBuiltinOperator.Relu, [y], [x]);
        b.AddOperator(TfLiteBuiltinOperator.Quantize, [x], [y], new TfLiteQuantizeOptions(), version: 2);
        b.AddOperator((TfLiteBuiltinOperator)130, [x], [y]); // BROADCAST_TO, a code above 127
        b.SetInputs(x);
        b.SetOutputs(y);
        TfLiteModel m = TfLiteModel.Parse(b.Build());

        Assert.Equal(3, m.OperatorCodes.Count);
        Assert.Equal(new TfLiteOperatorCode(19, 19, 1), m.OperatorCodes[0]);
        Assert.Equal(new TfLiteOperatorCode(114, 114, 2), m.OperatorCodes[1]);
        Assert.Equal(new TfLiteOperatorCode(127, 130, 1), m.OperatorCodes[2]);
        Assert.Equal((TfLiteBuiltinOperator)130, m.OperatorCodes[2].Operator);
        Assert.Equal([0, 0, 1, 2], m.Operators.Select(o => o.OpcodeIndex));
        Assert.Null(m.Operators[0].Options);
        Assert.Equal(TfLiteOptionsType.None, m.Operators[0].OptionsType);
        Assert.IsType<TfLiteQuantizeOptions>(m.Operators[2].Options);
    }

    [Fact]
    public void Int8Tensors_KeepQuantizationAndData_AndMetadataIsStored()
    {
        var b = new TfLiteModelBuilder();
        int x = b.AddTensor("x", [1, 3], TfLiteTensorType.Float32);
        var q = new TfLiteQuantization([0.5f, 0.25f], [0, -3], QuantizedDimension: 0);
        int w = b.AddTensor("w", [2, 3], (ReadOnlySpan<sbyte>)[-128, -1, 0, 1, 2, 127], q);
        int bias = b.AddTensor("b", [2], (ReadOnlySpan<int>)[100, -100], new TfLiteQuantization([0.1f, 0.2f], [0, 0]));
        int y = b.AddTensor("y", [1, 2], TfLiteTensorType.Int8, quantization: TfLiteQuantization.PerTensor(0.05f, 4));
        b.AddOperator(TfLiteBuiltinOperator.FullyConnected, [x, w, bias], [y], new TfLiteFullyConnectedOptions(TfLiteActivation.Relu, KeepNumDims: true));
        b.AddMetadata("min_runtime_version", "1.14.0\0"u8);
        b.SetInputs(x);
        b.SetOutputs(y);
        TfLiteModel m = TfLiteModel.Parse(b.Build());

        Assert.Equal(TfLiteTensorType.Int8, m.Tensors[w].Type);
        Assert.Equal(q, m.Tensors[w].Quantization);
        Assert.Equal(new byte[] { 0x80, 0xFF, 0, 1, 2, 0x7F }, m.Buffers[m.Tensors[w].Buffer]);
        Assert.Equal(TfLiteQuantization.PerTensor(0.05f, 4), m.Tensors[y].Quantization);
        Assert.Null(m.Tensors[x].Quantization);
        Assert.Equal(new TfLiteFullyConnectedOptions(TfLiteActivation.Relu, true), m.Operators[0].Options);
        Assert.Equal("1.14.0\0"u8.ToArray(), m.Buffers[m.Metadata["min_runtime_version"]]);
    }

    [Fact]
    public void ConstantBuffers_Are16ByteAligned()
    {
        byte[] bytes = TinyCnnExports.ToTfLite(new TinyCnn());
        TfLiteModel m = TfLiteModel.Parse(bytes);
        float[] fc = m.GetFloatData(m.Operators[3].Inputs[1]);

        // Locate the FC weights inside the file and check the alignment of their first byte.
        byte[] needle = PythonRunner.ToRawFloats(fc.AsSpan(0, 8));
        int at = bytes.AsSpan().IndexOf(needle);
        Assert.True(at > 0);
        Assert.Equal(0, at % 16);
    }

    [Fact]
    public void InvalidUse_Throws()
    {
        var b = new TfLiteModelBuilder();
        Assert.Throws<ArgumentException>(() => b.AddTensor("w", [2, 2], (ReadOnlySpan<float>)[1f, 2f, 3f]));
        int x = b.AddTensor("x", [1], TfLiteTensorType.Float32);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.AddOperator(TfLiteBuiltinOperator.Relu, [x], [5]));
        Assert.Throws<InvalidOperationException>(() => b.Build());
        Assert.Throws<InvalidDataException>(() => TfLiteModel.Parse(new byte[16]));
    }
}
