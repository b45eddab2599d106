namespace Mnist.Engine.Kernels.Common;

/// <summary>
/// Fixed partitioning of work over threads. Work item ranges depend only on the item count and the
/// degree of parallelism, never on timing, so per-thread partial results (e.g. weight-gradient
/// accumulators) are reduced in the same order every run: results are bit-identical for a given
/// thread count.
/// </summary>
public static class Parallelism
{
    private static int s_degree = Environment.ProcessorCount;

    /// <summary>Threads used by kernels and layers (default: <see cref="Environment.ProcessorCount"/>).</summary>
    public static int Degree
    {
        get => s_degree;
        set => s_degree = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "At least one thread.");
    }

    /// <summary>
    /// Splits [0, <paramref name="count"/>) into at most <see cref="Degree"/> contiguous chunks and calls
    /// <paramref name="body"/>(chunkIndex, start, end) for each, in parallel. Chunk 0 runs on the calling thread.
    /// </summary>
    public static void ForChunks(int count, Action<int, int, int> body, int minItemsPerChunk = 1)
    {
        ArgumentNullException.ThrowIfNull(body);
        int chunks = ChunkCount(count, minItemsPerChunk);
        if (chunks <= 1)
        {
            if (count > 0) body(0, 0, count);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            var (start, end) = ChunkRange(count, chunks, c);
            body(c, start, end);
        });
    }

    /// <summary>How many chunks <see cref="ForChunks"/> uses for <paramref name="count"/> items.</summary>
    public static int ChunkCount(int count, int minItemsPerChunk = 1) =>
        Math.Max(1, Math.Min(Degree, count / Math.Max(1, minItemsPerChunk)));

    /// <summary>The [start, end) range of chunk <paramref name="chunk"/> of <paramref name="chunks"/>.</summary>
    public static (int Start, int End) ChunkRange(int count, int chunks, int chunk)
    {
        int baseSize = count / chunks, extra = count % chunks;
        int start = chunk * baseSize + Math.Min(chunk, extra);
        return (start, start + baseSize + (chunk < extra ? 1 : 0));
    }
}
