using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Formats.TfLite;

namespace Mnist.Engine.Tests.Formats;

/// <summary>Builds <see cref="TinyCnn"/> as ONNX and TFLite files with the format builders.</summary>
internal static class TinyCnnExports
{
    public static ModelProto ToOnnx(TinyCnn net, long opset = 13, long irVersion = 7)
    {
        var b = new OnnxGraphBuilder("tiny_cnn") { OpsetVersion = opset, IrVersion = irVersion, DocString = "test model" };
        b.AddInput("input", OnnxDataType.Float, "N", 1, 28, 28);
        b.AddOutput("probabilities", OnnxDataType.Float, "N", TinyCnn.Classes);
        b.AddInitializer("conv.weight", [TinyCnn.Channels, 1, TinyCnn.K, TinyCnn.K], net.ConvWeight);
        b.AddInitializer("conv.bias", [TinyCnn.Channels], net.ConvBias);
        b.AddInitializer("fc.weight", [TinyCnn.Classes, TinyCnn.Features], net.FcWeight);
        b.AddInitializer("fc.bias", [TinyCnn.Classes], net.FcBias);
        b.AddInt64Initializer("flat.shape", [2], [-1, TinyCnn.Features]);
        b.AddNode("Conv", ["input", "conv.weight", "conv.bias"], ["conv"],
            AttributeProto.IntList("kernel_shape", TinyCnn.K, TinyCnn.K),
            AttributeProto.IntList("strides", 1, 1),
            AttributeProto.IntList("pads", 0, 0, 0, 0),
            AttributeProto.IntList("dilations", 1, 1),
            AttributeProto.Int("group", 1));
        b.AddNode("Relu", ["conv"], ["relu"]);
        b.AddNode("MaxPool", ["relu"], ["pool"],
            AttributeProto.IntList("kernel_shape", 2, 2),
            AttributeProto.IntList("strides", 2, 2));
        b.AddNode("Reshape", ["pool", "flat.shape"], ["flat"]);
        b.AddNode("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"],
            AttributeProto.Float("alpha", 1f),
            AttributeProto.Float("beta", 1f),
            AttributeProto.Int("transB", 1));
        b.AddNode("Softmax", ["logits"], ["probabilities"], AttributeProto.Int("axis", 1));
        b.AddValueInfo("pool", OnnxDataType.Float, "N", TinyCnn.Channels, TinyCnn.PoolOut, TinyCnn.PoolOut);
        b.SetMetadata("architecture", "tiny-test-cnn");
        b.SetMetadata("dataset", "none (random weights)");
        b.SetMetadata("test_accuracy", "n/a");
        b.SetMetadata("training_time", "0");
        b.SetMetadata("preprocessing_version", "1");
        return b.Build();
    }

    public static byte[] ToTfLite(TinyCnn net)
    {
        var b = new TfLiteModelBuilder { Description = "tiny test cnn" };
        int input = b.AddTensor("input", [1, 28, 28, 1], TfLiteTensorType.Float32);
        int convW = b.AddTensor("conv/weights", [TinyCnn.Channels, TinyCnn.K, TinyCnn.K, 1], net.ConvWeightOhwi());
        int convB = b.AddTensor("conv/bias", [TinyCnn.Channels], net.ConvBias);
        int conv = b.AddTensor("conv", [1, TinyCnn.ConvOut, TinyCnn.ConvOut, TinyCnn.Channels], TfLiteTensorType.Float32);
        int pool = b.AddTensor("pool", [1, TinyCnn.PoolOut, TinyCnn.PoolOut, TinyCnn.Channels], TfLiteTensorType.Float32);
        int shape = b.AddTensor("flat/shape", [2], (ReadOnlySpan<int>)[1, TinyCnn.Features]);
        int flat = b.AddTensor("flat", [1, TinyCnn.Features], TfLiteTensorType.Float32);
        int fcW = b.AddTensor("fc/weights", [TinyCnn.Classes, TinyCnn.Features], net.FcWeightNhwc());
        int fcB = b.AddTensor("fc/bias", [TinyCnn.Classes], net.FcBias);
        int logits = b.AddTensor("logits", [1, TinyCnn.Classes], TfLiteTensorType.Float32);
        int probs = b.AddTensor("probabilities", [1, TinyCnn.Classes], TfLiteTensorType.Float32);

        b.AddOperator(TfLiteBuiltinOperator.Conv2D, [input, convW, convB], [conv],
            new TfLiteConv2DOptions(TfLitePadding.Valid, 1, 1, TfLiteActivation.Relu));
        b.AddOperator(TfLiteBuiltinOperator.MaxPool2D, [conv], [pool],
            new TfLitePool2DOptions(TfLitePadding.Valid, 2, 2, 2, 2));
        b.AddOperator(TfLiteBuiltinOperator.Reshape, [pool, shape], [flat],
            new TfLiteReshapeOptions([1, TinyCnn.Features]));
        b.AddOperator(TfLiteBuiltinOperator.FullyConnected, [flat, fcW, fcB], [logits],
            new TfLiteFullyConnectedOptions());
        b.AddOperator(TfLiteBuiltinOperator.Softmax, [logits], [probs], new TfLiteSoftmaxOptions(1f));
        b.SetInputs(input);
        b.SetOutputs(probs);
        return b.Build();
    }
}
