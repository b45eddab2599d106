using Google.Protobuf;
using Mnist.Engine.Formats.Onnx;

namespace Mnist.Formats.Bench;

/// <summary>How each codec treats the crafted ONNX files of the hardening issue: what it throws, and the managed
/// memory it allocated before throwing.</summary>
internal static class Crafted
{
    public static int Run()
    {
        byte[] model = Models.Read("mnist.onnx");
        var cases = new (string Name, byte[] Bytes)[]
        {
            ("4 MB of nested start-group tags in the graph field", NestedGroups(4 << 20)),
            ("a tensor whose packed float_data claims 2^33 bytes (20-byte file)", PackedFloatsClaim()),
            ("the shipped model cut in half", model[..(model.Length / 2)]),
            ("the shipped model with one byte flipped every 4 KB", Flipped(model)),
        };
        Console.WriteLine($"Google.Protobuf {typeof(IMessage).Assembly.GetName().Version}, assembly {new FileInfo(typeof(IMessage).Assembly.Location).Length / 1024} KB; Mnist.Engine {new FileInfo(typeof(OnnxModel).Assembly.Location).Length / 1024} KB");
        foreach (var (name, bytes) in cases)
        {
            Console.WriteLine($"{name} ({bytes.Length:N0} bytes):");
            Console.WriteLine($"  hand-written:    {Attempt(() => OnnxModel.Parse(bytes))}");
            Console.WriteLine($"  Google.Protobuf: {Attempt(() => Generated.ModelProto.Parser.ParseFrom(bytes))}");
        }
        return 0;
    }

    private static string Attempt(Func<object> decode)
    {
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        string outcome;
        try
        {
            decode();
            outcome = "decoded";
        }
        catch (Exception e)
        {
            outcome = $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        return $"{outcome} [{allocated / 1024.0:N0} KB allocated]";
    }

    // Field 7 (graph) as start-group tags (wire type 3): 0x3B, nested as deep as the bytes go.
    private static byte[] NestedGroups(int length) => Enumerable.Repeat((byte)0x3B, length).ToArray();

    // graph { initializer { float_data: packed, length 2^33 } } with 10 bytes of data.
    private static byte[] PackedFloatsClaim()
    {
        using var tensor = new MemoryStream();
        tensor.WriteByte(0x22); // field 4, wire type 2
        WriteVarint(tensor, 1UL << 33);
        tensor.Write(new byte[10]);
        using var graph = new MemoryStream();
        graph.WriteByte(0x2A); // field 5 (initializer)
        WriteVarint(graph, (ulong)tensor.Length);
        graph.Write(tensor.ToArray());
        using var model = new MemoryStream();
        model.WriteByte(0x3A); // field 7 (graph)
        WriteVarint(model, (ulong)graph.Length);
        model.Write(graph.ToArray());
        return model.ToArray();
    }

    private static byte[] Flipped(byte[] model)
    {
        byte[] copy = (byte[])model.Clone();
        for (int i = 100; i < copy.Length; i += 4096) copy[i] ^= 0x5A;
        return copy;
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        s.WriteByte((byte)v);
    }
}
