using Mnist.Engine.Layers;
using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;
using Mnist.Engine.Tests.Data;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Training;

public class CheckpointTests
{
    private static TrainingState State(int epochs = 3) => new()
    {
        Architecture = "tiny", Recipe = "tiny", Seed = 11, TrainCount = 64, Epochs = epochs, EpochsCompleted = 1,
        BatchesCompleted = 2, PartialLossSum = 0.1 + 0.2, PartialSamples = 32, TrainSeconds = 1.0 / 3,
        History = [new EpochMetrics(1, 2.302585092994046, 0.1135, 2.25, 1.0 / 7, 1.0 / 7, 0.5, 1e-3, 64)],
    };

    /// <summary>A tiny net after a few Adam steps, so parameters, running statistics, dropout generator and moments all differ from fresh.</summary>
    private static (Sequential<float> Model, Adam<float> Optimizer) Trained(ulong seed)
    {
        var model = TrainingTestData.TinyNet(seed);
        var opt = new Adam<float>(model.Parameters, 1e-2);
        var trainer = new Trainer(model, opt);
        var rng = new SplitMix(seed, 9);
        var x = new Tensor<float>(8, 1, 28, 28);
        for (int i = 0; i < x.Length; i++) x.Data[i] = rng.NextSingle();
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];
        for (int s = 0; s < 3; s++) trainer.Step(x, labels);
        return (model, opt);
    }

    [Fact]
    public void Round_trip_restores_weights_running_stats_optimizer_and_dropout_exactly()
    {
        var (model, opt) = Trained(1);
        var state = State();
        var saved = Checkpoint.Capture(model, opt, state);
        using var ms = new MemoryStream();
        saved.WriteTo(ms);
        ms.Position = 0;
        var loaded = Checkpoint.ReadFrom(ms);

        var (other, otherOpt) = Trained(2);
        loaded.Restore(other);
        loaded.Restore(otherOpt);

        Assert.Equal(model.Parameters.Values, other.Parameters.Values);
        var bn = (BatchNorm<float>)model.UnfusedLayers[1];
        var bn2 = (BatchNorm<float>)other.UnfusedLayers[1];
        Assert.NotEqual(new float[4], bn.RunningMean);
        Assert.Equal(bn.RunningMean, bn2.RunningMean);
        Assert.Equal(bn.RunningVar, bn2.RunningVar);
        Assert.Equal(opt.StepCount, otherOpt.StepCount);
        foreach (var (name, buffer) in opt.State) Assert.Equal(buffer, otherOpt.State[name]);
        Assert.Equal(state, loaded.State with { History = state.History });
        Assert.Equal(state.History, loaded.State.History);
        Assert.True(loaded.HasOptimizerState);

        // Same dropout generator state: the next training-mode forward passes agree bit for bit.
        var x = new Tensor<float>(2, 1, 28, 28);
        x.Span.Fill(0.5f);
        model.Training = other.Training = true;
        Assert.Equal(model.Forward(x).Data, other.Forward(x).Data);
    }

    [Fact]
    public void Model_file_has_no_optimizer_state_and_refuses_to_restore_one()
    {
        var (model, opt) = Trained(1);
        var file = Checkpoint.Capture(model, null, State());
        using var ms = new MemoryStream();
        file.WriteTo(ms);
        ms.Position = 0;
        var loaded = Checkpoint.ReadFrom(ms);
        Assert.False(loaded.HasOptimizerState);
        Assert.Throws<InvalidOperationException>(() => loaded.Restore(opt));
    }

    [Fact]
    public void Lenet_checkpoint_creates_a_working_model()
    {
        var model = Networks.Architectures.Create<float>("lenet", 5);
        var cp = Checkpoint.Capture(model, null, State() with { Architecture = "lenet", Recipe = "lenet", Seed = 99 });
        var again = cp.CreateModel();
        Assert.Equal(model.Parameters.Values, again.Parameters.Values);
        Assert.False(again.Training);
    }

    [Fact]
    public void Restoring_into_another_architecture_is_a_clear_error()
    {
        var (model, _) = Trained(1);
        var cp = Checkpoint.Capture(model, null, State());
        var lenet = Networks.Architectures.Create<float>("lenet");
        var e = Assert.Throws<InvalidDataException>(() => cp.Restore(lenet));
        Assert.Contains("does not fit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupted_truncated_and_foreign_files_are_rejected()
    {
        var (model, opt) = Trained(1);
        using var dir = new TempDir();
        string path = dir.File("checkpoint.bin");
        Checkpoint.Capture(model, opt, State()).Save(path);
        byte[] good = File.ReadAllBytes(path);

        byte[] flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, flipped);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(path, good[..(good.Length - 100)]);
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));

        File.WriteAllBytes(path, "not a checkpoint at all"u8.ToArray());
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(path, good);
        Assert.Equal(model.Parameters.Values, Checkpoint.Load(path).Parameters.Values.SelectMany(v => v).ToArray());
    }

    [Fact]
    public void A_writer_failing_midway_leaves_the_previous_file_and_no_partial_file()
    {
        var (model, opt) = Trained(1);
        using var dir = new TempDir();
        string path = dir.File("checkpoint.bin");
        var first = Checkpoint.Capture(model, opt, State());
        first.Save(path);
        byte[] before = File.ReadAllBytes(path);

        var (newer, newerOpt) = Trained(3);
        var second = Checkpoint.Capture(newer, newerOpt, State(epochs: 9));
        var e = Assert.Throws<IOException>(() => second.Save(path, s => new FailingStream(s, failAfter: before.Length / 2)));
        Assert.Contains("injected", e.Message, StringComparison.Ordinal);

        Assert.Equal(["checkpoint.bin"], dir.Files());
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(3, Checkpoint.Load(path).State.Epochs);

        // A first write that fails leaves nothing at all.
        string fresh = dir.File("model.ckpt");
        Assert.Throws<IOException>(() => second.Save(fresh, s => new FailingStream(s, failAfter: 100)));
        Assert.False(File.Exists(fresh));
        Assert.Equal(["checkpoint.bin"], dir.Files());
    }

    /// <summary>Passes writes through until <c>failAfter</c> bytes, then throws (a full disk, a yanked drive).</summary>
    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = failAfter - _written;
            if (buffer.Length > room)
            {
                inner.Write(buffer[..(int)Math.Max(0, room)]);
                inner.Flush();
                throw new IOException("injected write failure");
            }
            inner.Write(buffer);
            _written += buffer.Length;
        }
    }

    [Fact]
    public void A_crafted_shape_whose_product_overflows_is_invalid_data()
    {
        // 2^21 · 2^21 · 2^21 = 2^63 wraps to a negative count in 64 bits: the reader went on to new float[negative]
        // (OverflowException). The checksum is recomputed, as anyone crafting a file would.
        var (model, _) = Trained(1);
        using var ms = new MemoryStream();
        Checkpoint.Capture(model, null, State()).WriteTo(ms);
        byte[] bytes = ms.ToArray();
        int jsonLength = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12));
        var header = System.Text.Json.Nodes.JsonNode.Parse(bytes.AsSpan(16, jsonLength))!;
        header["arrays"]![0]!["shape"] = new System.Text.Json.Nodes.JsonArray(1 << 21, 1 << 21, 1 << 21);
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        var crafted = new List<byte>(bytes[..12]);
        crafted.AddRange(BitConverter.GetBytes((uint)json.Length));
        crafted.AddRange(json);
        crafted.AddRange(bytes[(16 + jsonLength)..^32]);
        crafted.AddRange(System.Security.Cryptography.SHA256.HashData(crafted.ToArray()));

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadFrom(new MemoryStream(crafted.ToArray())));
        Assert.Contains("runs past the end of the file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_saved_time_outside_the_calendar_is_unknown_not_an_exception()
    {
        // Found by the fuzz tests: DateTimeOffset.TryParse throws for a stamp whose offset leaves its range.
        var (model, _) = Trained(1);
        using var ms = new MemoryStream();
        Checkpoint.Capture(model, null, State()).WriteTo(ms);
        byte[] bytes = ms.ToArray();
        int jsonLength = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12));
        var header = System.Text.Json.Nodes.JsonNode.Parse(bytes.AsSpan(16, jsonLength))!;
        header["saved_utc"] = "0001-01-01T00:00:00+14:00";
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        var crafted = new List<byte>(bytes[..12]);
        crafted.AddRange(BitConverter.GetBytes((uint)json.Length));
        crafted.AddRange(json);
        crafted.AddRange(bytes[(16 + jsonLength)..^32]);
        crafted.AddRange(System.Security.Cryptography.SHA256.HashData(crafted.ToArray()));

        Checkpoint loaded = Checkpoint.ReadFrom(new MemoryStream(crafted.ToArray()));
        Assert.Equal(DateTimeOffset.MinValue, loaded.SavedUtc);
    }
}
