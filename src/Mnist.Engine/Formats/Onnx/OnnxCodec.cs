using Mnist.Engine.Formats.Protobuf;

namespace Mnist.Engine.Formats.Onnx;

/// <summary>
/// Encodes and decodes the ONNX object model to and from protobuf bytes. Field numbers follow
/// onnx.proto (checked against the descriptors of the onnx Python package). Unknown fields are
/// skipped on read; empty optional strings are not written.
/// </summary>
internal static class OnnxCodec
{
    // ---------------------------------------------------------------- write

    public static byte[] Encode(ModelProto model)
    {
        var w = new ProtoWriter(1 << 16);
        WriteModel(w, model);
        return w.ToArray();
    }

    private static void WriteModel(ProtoWriter w, ModelProto m)
    {
        w.WriteInt64(1, m.IrVersion);
        WriteNonEmpty(w, 2, m.ProducerName);
        WriteNonEmpty(w, 3, m.ProducerVersion);
        WriteNonEmpty(w, 4, m.Domain);
        if (m.ModelVersion != 0)
        {
            w.WriteInt64(5, m.ModelVersion);
        }

        WriteNonEmpty(w, 6, m.DocString);
        w.WriteMessage(7, g => WriteGraph(g, m.Graph));
        foreach (OperatorSetIdProto o in m.OpsetImport)
        {
            w.WriteMessage(8, x =>
            {
                WriteNonEmpty(x, 1, o.Domain);
                x.WriteInt64(2, o.Version);
            });
        }

        foreach (StringStringEntryProto e in m.MetadataProps)
        {
            w.WriteMessage(14, x =>
            {
                x.WriteString(1, e.Key);
                x.WriteString(2, e.Value);
            });
        }
    }

    private static void WriteGraph(ProtoWriter w, GraphProto g)
    {
        foreach (NodeProto n in g.Node)
        {
            w.WriteMessage(1, x => WriteNode(x, n));
        }

        WriteNonEmpty(w, 2, g.Name);
        foreach (TensorProto t in g.Initializer)
        {
            w.WriteMessage(5, x => WriteTensor(x, t));
        }

        WriteNonEmpty(w, 10, g.DocString);
        foreach (ValueInfoProto v in g.Input)
        {
            w.WriteMessage(11, x => WriteValueInfo(x, v));
        }

        foreach (ValueInfoProto v in g.Output)
        {
            w.WriteMessage(12, x => WriteValueInfo(x, v));
        }

        foreach (ValueInfoProto v in g.ValueInfo)
        {
            w.WriteMessage(13, x => WriteValueInfo(x, v));
        }
    }

    private static void WriteNode(ProtoWriter w, NodeProto n)
    {
        foreach (string s in n.Input)
        {
            w.WriteString(1, s);
        }

        foreach (string s in n.Output)
        {
            w.WriteString(2, s);
        }

        WriteNonEmpty(w, 3, n.Name);
        w.WriteString(4, n.OpType);
        foreach (AttributeProto a in n.Attribute)
        {
            w.WriteMessage(5, x => WriteAttribute(x, a));
        }

        WriteNonEmpty(w, 6, n.DocString);
        WriteNonEmpty(w, 7, n.Domain);
    }

    private static void WriteAttribute(ProtoWriter w, AttributeProto a)
    {
        w.WriteString(1, a.Name);
        switch (a.Type)
        {
            case OnnxAttributeType.Float:
                w.WriteFloat(2, a.F);
                break;
            case OnnxAttributeType.Int:
                w.WriteInt64(3, a.I);
                break;
            case OnnxAttributeType.String:
                w.WriteBytes(4, a.S);
                break;
            case OnnxAttributeType.Tensor:
                TensorProto t = a.T ?? throw new InvalidOperationException($"Tensor attribute '{a.Name}' has no tensor.");
                w.WriteMessage(5, x => WriteTensor(x, t));
                break;
            case OnnxAttributeType.Floats:
                // repeated float in a proto2 file without [packed=true]: written unpacked, as protoc does.
                foreach (float f in a.Floats)
                {
                    w.WriteFloat(7, f);
                }

                break;
            case OnnxAttributeType.Ints:
                foreach (long i in a.Ints)
                {
                    w.WriteInt64(8, i);
                }

                break;
            case OnnxAttributeType.Strings:
                foreach (byte[] s in a.Strings)
                {
                    w.WriteBytes(9, s);
                }

                break;
            default:
                throw new NotSupportedException($"Attribute '{a.Name}' of type {a.Type} cannot be written.");
        }

        WriteNonEmpty(w, 13, a.DocString);
        w.WriteInt32(20, (int)a.Type);
    }

    private static void WriteTensor(ProtoWriter w, TensorProto t)
    {
        // proto2 repeated scalars without [packed=true] are unpacked on the wire by protoc; parsers
        // accept both, so the writer uses the compact packed form.
        w.WritePackedInt64(1, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(t.Dims));
        w.WriteInt32(2, (int)t.DataType);
        w.WritePackedFloat(4, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(t.FloatData));
        w.WritePackedInt32(5, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(t.Int32Data));
        w.WritePackedInt64(7, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(t.Int64Data));
        WriteNonEmpty(w, 8, t.Name);
        if (t.RawData is not null)
        {
            w.WriteBytes(9, t.RawData);
        }

        w.WritePackedDouble(10, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(t.DoubleData));
        WriteNonEmpty(w, 12, t.DocString);
    }

    private static void WriteValueInfo(ProtoWriter w, ValueInfoProto v)
    {
        w.WriteString(1, v.Name);
        if (v.Type is { } type)
        {
            w.WriteMessage(2, x => WriteType(x, type));
        }

        WriteNonEmpty(w, 3, v.DocString);
    }

    private static void WriteType(ProtoWriter w, TypeProto t)
    {
        if (t.TensorType is { } tt)
        {
            w.WriteMessage(1, x =>
            {
                x.WriteInt32(1, (int)tt.ElemType);
                if (tt.Shape is { } shape)
                {
                    x.WriteMessage(2, s =>
                    {
                        foreach (OnnxDim d in shape.Dim)
                        {
                            s.WriteMessage(1, dw =>
                            {
                                if (d.Value is long value)
                                {
                                    dw.WriteInt64(1, value);
                                }
                                else if (d.Param is { } param)
                                {
                                    dw.WriteString(2, param);
                                }

                                WriteNonEmpty(dw, 3, d.Denotation);
                            });
                        }
                    });
                }
            });
        }

        WriteNonEmpty(w, 6, t.Denotation);
    }

    private static void WriteNonEmpty(ProtoWriter w, int field, string value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            w.WriteString(field, value);
        }
    }

    // ---------------------------------------------------------------- read

    public static ModelProto Decode(ReadOnlySpan<byte> bytes)
    {
        var m = new ModelProto();
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: m.IrVersion = r.ReadInt64(); break;
                case 2: m.ProducerName = r.ReadString(); break;
                case 3: m.ProducerVersion = r.ReadString(); break;
                case 4: m.Domain = r.ReadString(); break;
                case 5: m.ModelVersion = r.ReadInt64(); break;
                case 6: m.DocString = r.ReadString(); break;
                case 7: m.Graph = ReadGraph(r.ReadLengthDelimited()); break;
                case 8: m.OpsetImport.Add(ReadOpset(r.ReadLengthDelimited())); break;
                case 14: m.MetadataProps.Add(ReadEntry(r.ReadLengthDelimited())); break;
                default: r.SkipField(wt); break;
            }
        }

        return m;
    }

    private static OperatorSetIdProto ReadOpset(ReadOnlySpan<byte> bytes)
    {
        string domain = "";
        long version = 0;
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: domain = r.ReadString(); break;
                case 2: version = r.ReadInt64(); break;
                default: r.SkipField(wt); break;
            }
        }

        return new OperatorSetIdProto(domain, version);
    }

    private static StringStringEntryProto ReadEntry(ReadOnlySpan<byte> bytes)
    {
        string key = "", value = "";
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: key = r.ReadString(); break;
                case 2: value = r.ReadString(); break;
                default: r.SkipField(wt); break;
            }
        }

        return new StringStringEntryProto(key, value);
    }

    private static GraphProto ReadGraph(ReadOnlySpan<byte> bytes)
    {
        var g = new GraphProto();
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: g.Node.Add(ReadNode(r.ReadLengthDelimited())); break;
                case 2: g.Name = r.ReadString(); break;
                case 5: g.Initializer.Add(ReadTensor(r.ReadLengthDelimited())); break;
                case 10: g.DocString = r.ReadString(); break;
                case 11: g.Input.Add(ReadValueInfo(r.ReadLengthDelimited())); break;
                case 12: g.Output.Add(ReadValueInfo(r.ReadLengthDelimited())); break;
                case 13: g.ValueInfo.Add(ReadValueInfo(r.ReadLengthDelimited())); break;
                default: r.SkipField(wt); break;
            }
        }

        return g;
    }

    private static NodeProto ReadNode(ReadOnlySpan<byte> bytes)
    {
        var n = new NodeProto();
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: n.Input.Add(r.ReadString()); break;
                case 2: n.Output.Add(r.ReadString()); break;
                case 3: n.Name = r.ReadString(); break;
                case 4: n.OpType = r.ReadString(); break;
                case 5: n.Attribute.Add(ReadAttribute(r.ReadLengthDelimited())); break;
                case 6: n.DocString = r.ReadString(); break;
                case 7: n.Domain = r.ReadString(); break;
                default: r.SkipField(wt); break;
            }
        }

        return n;
    }

    private static AttributeProto ReadAttribute(ReadOnlySpan<byte> bytes)
    {
        var a = new AttributeProto();
        var r = new ProtoReader(bytes);
        bool hasType = false, hasF = false, hasI = false, hasS = false;
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: a.Name = r.ReadString(); break;
                case 2: a.F = r.ReadFloat(); hasF = true; break;
                case 3: a.I = r.ReadInt64(); hasI = true; break;
                case 4: a.S = r.ReadBytes(); hasS = true; break;
                case 5: a.T = ReadTensor(r.ReadLengthDelimited()); break;
                case 7: r.ReadRepeatedFloat(wt, a.Floats); break;
                case 8: r.ReadRepeatedInt64(wt, a.Ints); break;
                case 9: a.Strings.Add(r.ReadBytes()); break;
                case 13: a.DocString = r.ReadString(); break;
                case 20: a.Type = (OnnxAttributeType)r.ReadInt32(); hasType = true; break;
                default: r.SkipField(wt); break;
            }
        }

        if (!hasType)
        {
            // IR version 1 files carry no type field: infer it from the value present.
            a.Type = a.T is not null ? OnnxAttributeType.Tensor
                : hasF ? OnnxAttributeType.Float
                : hasI ? OnnxAttributeType.Int
                : hasS ? OnnxAttributeType.String
                : a.Floats.Count > 0 ? OnnxAttributeType.Floats
                : a.Ints.Count > 0 ? OnnxAttributeType.Ints
                : a.Strings.Count > 0 ? OnnxAttributeType.Strings
                : OnnxAttributeType.Undefined;
        }

        return a;
    }

    private static TensorProto ReadTensor(ReadOnlySpan<byte> bytes)
    {
        var t = new TensorProto();
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: r.ReadRepeatedInt64(wt, t.Dims); break;
                case 2: t.DataType = (OnnxDataType)r.ReadInt32(); break;
                case 4: r.ReadRepeatedFloat(wt, t.FloatData); break;
                case 5: r.ReadRepeatedInt32(wt, t.Int32Data); break;
                case 7: r.ReadRepeatedInt64(wt, t.Int64Data); break;
                case 8: t.Name = r.ReadString(); break;
                case 9: t.RawData = r.ReadBytes(); break;
                case 10: r.ReadRepeatedDouble(wt, t.DoubleData); break;
                case 12: t.DocString = r.ReadString(); break;
                case 13:
                    throw new NotSupportedException("Tensors with external data are not supported; save the model with its weights inside.");
                default: r.SkipField(wt); break;
            }
        }

        _ = t.ElementCount; // validates the dims now, so no reader of this tensor sees a negative or overflowing shape
        return t;
    }

    private static ValueInfoProto ReadValueInfo(ReadOnlySpan<byte> bytes)
    {
        var v = new ValueInfoProto();
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: v.Name = r.ReadString(); break;
                case 2: v.Type = ReadType(r.ReadLengthDelimited()); break;
                case 3: v.DocString = r.ReadString(); break;
                default: r.SkipField(wt); break;
            }
        }

        return v;
    }

    private static TypeProto ReadType(ReadOnlySpan<byte> bytes)
    {
        var t = new TypeProto();
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: t.TensorType = ReadTensorType(r.ReadLengthDelimited()); break;
                case 6: t.Denotation = r.ReadString(); break;
                default: r.SkipField(wt); break;
            }
        }

        return t;
    }

    private static TensorTypeProto ReadTensorType(ReadOnlySpan<byte> bytes)
    {
        var t = new TensorTypeProto();
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: t.ElemType = (OnnxDataType)r.ReadInt32(); break;
                case 2: t.Shape = ReadShape(r.ReadLengthDelimited()); break;
                default: r.SkipField(wt); break;
            }
        }

        return t;
    }

    private static TensorShapeProto ReadShape(ReadOnlySpan<byte> bytes)
    {
        var s = new TensorShapeProto();
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            if (field == 1)
            {
                s.Dim.Add(ReadDim(r.ReadLengthDelimited()));
            }
            else
            {
                r.SkipField(wt);
            }
        }

        return s;
    }

    private static OnnxDim ReadDim(ReadOnlySpan<byte> bytes)
    {
        long? value = null;
        string? param = null;
        string denotation = "";
        var r = new ProtoReader(bytes);
        while (r.TryReadTag(out int field, out WireType wt))
        {
            switch (field)
            {
                case 1: value = r.ReadInt64(); param = null; break;
                case 2: param = r.ReadString(); value = null; break;
                case 3: denotation = r.ReadString(); break;
                default: r.SkipField(wt); break;
            }
        }

        return new OnnxDim(value, param, denotation);
    }
}
