using Mnist.Engine.Formats;
using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Formats.Protobuf;
using Mnist.Engine.Formats.TfLite;

namespace Mnist.Engine.Tests.Formats;

/// <summary>
/// Model files built to hurt the reader (issue 18): each must be refused with <see cref="InvalidDataException"/> or
/// <see cref="NotSupportedException"/>, cheaply, never by a crash or an allocation sized by a number in the file.
/// </summary>
public class CraftedModelTests
{
    // Generous for the tiny graphs below; the crafted shapes asked for gigabytes.
    private const long AllocationBudget = 64L << 20;

    [Fact]
    public void Four_megabytes_of_nested_start_group_tags_are_refused_without_recursing()
    {
        // Field 15, wire type 3 (start group): one byte per nesting level. The recursive skip overflowed the stack,
        // which ends the process (exit 134) instead of throwing.
        byte[] bytes = new byte[4 << 20];
        bytes.AsSpan().Fill((15 << 3) | 3);
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(bytes));
        Assert.Contains($"nested deeper than {ProtoReader.MaxNestingDepth}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_nested_within_the_limit_are_still_skipped()
    {
        // 50 nested groups around a varint, then the IR version: unknown fields must still be skipped correctly.
        var bytes = new List<byte>();
        for (int i = 0; i < 50; i++) bytes.Add((15 << 3) | 3);
        bytes.AddRange([(1 << 3) | 0, 42]);
        for (int i = 0; i < 50; i++) bytes.Add((15 << 3) | 4);
        bytes.AddRange([(1 << 3) | 0, 7]);
        Assert.Equal(7, OnnxModel.Parse(bytes.ToArray()).IrVersion);
    }

    [Fact]
    public void A_tiny_file_whose_input_shape_needs_gigabytes_is_refused_before_allocating()
    {
        // [N,1,23170,23170] plus a scalar Add: the Add's constant broadcast to one item is 536,848,900 floats (2 GB).
        var b = new OnnxGraphBuilder();
        b.AddInput("input", OnnxDataType.Float, "N", 1, 23170, 23170);
        b.AddOutput("out", OnnxDataType.Float, "N", 1, 23170, 23170);
        b.AddInitializer("c", [], [1f]);
        b.AddNode("Add", ["input", "c"], ["out"]);
        byte[] bytes = OnnxModel.Serialize(b.Build());
        Assert.True(bytes.Length < 1024, $"{bytes.Length} bytes");

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(bytes));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("refused before allocating", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < AllocationBudget, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_layer_whose_output_is_too_large_per_image_is_refused()
    {
        // A 1x1 convolution from 1 to 4096 channels on a 28x28 input: 3.2 M values per image from a 16 KB weight.
        var b = new OnnxGraphBuilder();
        b.AddInput("input", OnnxDataType.Float, "N", 1, 28, 28);
        b.AddOutput("out", OnnxDataType.Float, "N", 4096, 28, 28);
        b.AddInitializer("w", [4096, 1, 1, 1], new float[4096]);
        b.AddNode("Conv", ["input", "w"], ["out"], AttributeProto.IntList("kernel_shape", 1, 1));
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(OnnxModel.Serialize(b.Build())));
        Assert.Contains($"more than {OnnxImporter.MaxItemElements}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensor_dims_whose_product_wraps_around_are_refused_at_decode()
    {
        // 2^32 · 2^32 wraps to 0 in 64 bits: an empty raw_data matched it, and (int) casts of the dims followed.
        var b = new OnnxGraphBuilder();
        b.AddInput("input", OnnxDataType.Float, "N", 784);
        b.AddOutput("out", OnnxDataType.Float, "N", 10);
        var t = TensorProto.FromFloats("w", [0], []);
        t.Dims.Clear();
        t.Dims.AddRange([1L << 32, 1L << 32]);
        b.AddInitializer(t);
        b.AddNode("MatMul", ["input", "w"], ["out"]);
        byte[] bytes = OnnxModel.Serialize(b.Build());
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(bytes));
        Assert.Contains("Tensor 'w'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Impossible_layer_arguments_are_invalid_data_not_argument_exceptions(int stride)
    {
        var b = new OnnxGraphBuilder();
        b.AddInput("input", OnnxDataType.Float, "N", 1, 28, 28);
        b.AddOutput("out", OnnxDataType.Float, "N", 1, 28, 28);
        b.AddNode("MaxPool", ["input"], ["out"], AttributeProto.IntList("kernel_shape", 2, 2), AttributeProto.IntList("strides", stride, stride));
        Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(OnnxModel.Serialize(b.Build())));
    }

    [Fact]
    public void TfLite_offsets_that_overflow_are_invalid_data()
    {
        // The root table at 8 says its vtable is int.MinValue bytes back: table - offset overflowed in checked
        // arithmetic (OverflowException) instead of being reported as a bad file.
        byte[] bytes = new byte[64];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, 8);
        "TFL3"u8.CopyTo(bytes.AsSpan(4));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), int.MinValue);
        Assert.Throws<InvalidDataException>(() => TfLiteModel.Parse(bytes));
    }

    [Fact]
    public void A_model_card_with_free_text_numbers_still_loads()
    {
        // The tiny CNN's card says test_accuracy "n/a": the card parser threw FormatException, so a runnable model was unloadable.
        ImportedModel model = OnnxImporter.Import(TinyCnnExports.ToOnnx(new TinyCnn()));
        Assert.NotNull(model.Card);
        Assert.Null(model.Card!.TestAccuracy);
        Assert.Equal("tiny-test-cnn", model.Card.Architecture);
    }
}
