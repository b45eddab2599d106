namespace Mnist.Engine.Formats.TfLite;

/// <summary>
/// Builtin operator options: one record per <c>BuiltinOptions</c> table. Each writes its fields in
/// schema order (field ids as commented) and can be read back for tests.
/// </summary>
public abstract record TfLiteBuiltinOptions
{
    /// <summary>The union discriminant stored in <c>builtin_options_type</c>.</summary>
    public abstract TfLiteOptionsType OptionsType { get; }

    internal abstract int Write(FlatBufferWriter w);

    internal static TfLiteBuiltinOptions? Read(FlatBufferReader r, TfLiteOptionsType type, int table) => type switch
    {
        TfLiteOptionsType.Conv2DOptions => new TfLiteConv2DOptions(
            (TfLitePadding)r.GetByte(table, 0), r.GetInt32(table, 1), r.GetInt32(table, 2),
            (TfLiteActivation)r.GetByte(table, 3), r.GetInt32(table, 4, 1), r.GetInt32(table, 5, 1)),
        TfLiteOptionsType.Pool2DOptions => new TfLitePool2DOptions(
            (TfLitePadding)r.GetByte(table, 0), r.GetInt32(table, 1), r.GetInt32(table, 2),
            r.GetInt32(table, 3), r.GetInt32(table, 4), (TfLiteActivation)r.GetByte(table, 5)),
        TfLiteOptionsType.FullyConnectedOptions => new TfLiteFullyConnectedOptions(
            (TfLiteActivation)r.GetByte(table, 0), r.GetBool(table, 2)),
        TfLiteOptionsType.SoftmaxOptions => new TfLiteSoftmaxOptions(r.GetFloat(table, 0)),
        TfLiteOptionsType.AddOptions => new TfLiteAddOptions((TfLiteActivation)r.GetByte(table, 0)),
        TfLiteOptionsType.MulOptions => new TfLiteMulOptions((TfLiteActivation)r.GetByte(table, 0)),
        TfLiteOptionsType.ReshapeOptions => new TfLiteReshapeOptions(r.GetInt32s(table, 0)),
        TfLiteOptionsType.TransposeOptions => new TfLiteTransposeOptions(),
        TfLiteOptionsType.QuantizeOptions => new TfLiteQuantizeOptions(),
        TfLiteOptionsType.DequantizeOptions => new TfLiteDequantizeOptions(),
        _ => null,
    };
}

/// <summary><c>Conv2DOptions</c>: padding (0), stride_w (1), stride_h (2), fused activation (3), dilation_w (4), dilation_h (5).</summary>
public sealed record TfLiteConv2DOptions(
    TfLitePadding Padding, int StrideW, int StrideH, TfLiteActivation Activation = TfLiteActivation.None,
    int DilationW = 1, int DilationH = 1) : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.Conv2DOptions;

    internal override int Write(FlatBufferWriter w)
    {
        w.StartTable(6);
        w.AddInt32(1, StrideW);
        w.AddInt32(2, StrideH);
        w.AddInt32(4, DilationW);
        w.AddInt32(5, DilationH);
        w.AddByte(0, (byte)Padding);
        w.AddByte(3, (byte)Activation);
        return w.EndTable();
    }
}

/// <summary><c>Pool2DOptions</c>: padding (0), stride_w (1), stride_h (2), filter_width (3), filter_height (4), fused activation (5).</summary>
public sealed record TfLitePool2DOptions(
    TfLitePadding Padding, int StrideW, int StrideH, int FilterWidth, int FilterHeight,
    TfLiteActivation Activation = TfLiteActivation.None) : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.Pool2DOptions;

    internal override int Write(FlatBufferWriter w)
    {
        w.StartTable(6);
        w.AddInt32(1, StrideW);
        w.AddInt32(2, StrideH);
        w.AddInt32(3, FilterWidth);
        w.AddInt32(4, FilterHeight);
        w.AddByte(0, (byte)Padding);
        w.AddByte(5, (byte)Activation);
        return w.EndTable();
    }
}

/// <summary>
/// <c>FullyConnectedOptions</c>: fused activation (0), weights_format (1, always DEFAULT here),
/// keep_num_dims (2). Weights are <c>[out, in]</c>; the input is flattened to <c>[batch, in]</c>.
/// </summary>
public sealed record TfLiteFullyConnectedOptions(
    TfLiteActivation Activation = TfLiteActivation.None, bool KeepNumDims = false) : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.FullyConnectedOptions;

    internal override int Write(FlatBufferWriter w)
    {
        w.StartTable(3);
        w.AddByte(0, (byte)Activation);
        w.AddByte(1, 0);
        w.AddBool(2, KeepNumDims);
        return w.EndTable();
    }
}

/// <summary><c>SoftmaxOptions</c>: beta (0).</summary>
public sealed record TfLiteSoftmaxOptions(float Beta = 1f) : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.SoftmaxOptions;

    internal override int Write(FlatBufferWriter w)
    {
        w.StartTable(1);
        w.AddFloat(0, Beta);
        return w.EndTable();
    }
}

/// <summary><c>AddOptions</c>: fused activation (0).</summary>
public sealed record TfLiteAddOptions(TfLiteActivation Activation = TfLiteActivation.None) : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.AddOptions;

    internal override int Write(FlatBufferWriter w)
    {
        w.StartTable(1);
        w.AddByte(0, (byte)Activation);
        return w.EndTable();
    }
}

/// <summary><c>MulOptions</c>: fused activation (0).</summary>
public sealed record TfLiteMulOptions(TfLiteActivation Activation = TfLiteActivation.None) : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.MulOptions;

    internal override int Write(FlatBufferWriter w)
    {
        w.StartTable(1);
        w.AddByte(0, (byte)Activation);
        return w.EndTable();
    }
}

/// <summary><c>ReshapeOptions</c>: new_shape (0). Newer runtimes prefer the shape as a second input tensor; writing both is the compatible choice.</summary>
public sealed record TfLiteReshapeOptions(int[] NewShape) : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.ReshapeOptions;

    internal override int Write(FlatBufferWriter w)
    {
        int shape = w.CreateInt32Vector(NewShape);
        w.StartTable(1);
        w.AddOffsetField(0, shape);
        return w.EndTable();
    }

    /// <inheritdoc/>
    public bool Equals(TfLiteReshapeOptions? other) => other is not null && NewShape.AsSpan().SequenceEqual(other.NewShape);

    /// <inheritdoc/>
    public override int GetHashCode() => NewShape.Length;
}

/// <summary><c>TransposeOptions</c> (no fields; the permutation is the second input tensor).</summary>
public sealed record TfLiteTransposeOptions : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.TransposeOptions;

    internal override int Write(FlatBufferWriter w)
    {
        w.StartTable(0);
        return w.EndTable();
    }
}

/// <summary><c>QuantizeOptions</c> (no fields): float → int8 using the output tensor's quantization.</summary>
public sealed record TfLiteQuantizeOptions : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.QuantizeOptions;

    internal override int Write(FlatBufferWriter w)
    {
        w.StartTable(0);
        return w.EndTable();
    }
}

/// <summary><c>DequantizeOptions</c> (no fields): int8 → float using the input tensor's quantization.</summary>
public sealed record TfLiteDequantizeOptions : TfLiteBuiltinOptions
{
    /// <inheritdoc/>
    public override TfLiteOptionsType OptionsType => TfLiteOptionsType.DequantizeOptions;

    internal override int Write(FlatBufferWriter w)
    {
        w.StartTable(0);
        return w.EndTable();
    }
}
