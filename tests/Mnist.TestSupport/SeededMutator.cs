using System.Buffers.Binary;
using System.Diagnostics;

namespace Mnist.Testing;

/// <summary>
/// Seeded mutation of a valid input, for fuzz tests that must run in CI in bounded time: every case is a pure function
/// of (seed, case index), so a failure names the case and reproduces exactly. Mutations follow what breaks binary
/// parsers in practice: flipped bits, boundary integers written over length and offset fields (0, -1, int.MaxValue,
/// int.MinValue, 2^30), bytes set to 0x00/0x7F/0x80/0xFF, chunks inserted, deleted or duplicated, and truncation.
/// </summary>
public static class SeededMutator
{
    private static readonly int[] BoundaryInts = [0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 1 << 30, int.MaxValue, int.MinValue];
    private static readonly byte[] BoundaryBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF];

    /// <summary>Case <paramref name="index"/> of the stream seeded by <paramref name="seed"/>: 1 to 8 mutations of <paramref name="valid"/>.</summary>
    public static byte[] Mutate(byte[] valid, int seed, int index)
    {
        // Not HashCode.Combine: it is randomized per process, and a case must be the same in every run.
        var rng = new Random(unchecked(seed * 1_000_003 + index));
        var data = new List<byte>(valid);
        int mutations = 1 + rng.Next(8);
        for (int m = 0; m < mutations && data.Count > 0; m++)
        {
            int at = rng.Next(data.Count);
            switch (rng.Next(7))
            {
                case 0:
                    data[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    data[at] = BoundaryBytes[rng.Next(BoundaryBytes.Length)];
                    break;
                case 2:
                    {
                        Span<byte> word = stackalloc byte[4];
                        int value = BoundaryInts[rng.Next(BoundaryInts.Length)];
                        if (rng.Next(2) == 0) BinaryPrimitives.WriteInt32LittleEndian(word, value);
                        else BinaryPrimitives.WriteInt32BigEndian(word, value);
                        for (int i = 0; i < 4 && at + i < data.Count; i++) data[at + i] = word[i];
                        break;
                    }

                case 3:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + rng.Next(64)));
                    break;
                case 4:
                    {
                        var chunk = new byte[1 + rng.Next(64)];
                        rng.NextBytes(chunk);
                        data.InsertRange(at, chunk);
                        break;
                    }

                case 5:
                    {
                        int length = Math.Min(data.Count - at, 1 + rng.Next(256));
                        data.InsertRange(rng.Next(data.Count), data.GetRange(at, length));
                        break;
                    }

                default:
                    data.RemoveRange(at, data.Count - at);
                    break;
            }
        }

        return [.. data];
    }

    /// <summary>
    /// Runs <paramref name="cases"/> mutations of <paramref name="valid"/> through <paramref name="parse"/> (or fewer
    /// when <paramref name="timeBudget"/> runs out, so CI time stays bounded on a slow machine; at least
    /// <paramref name="minimumCases"/> always run). An exception of a type outside <paramref name="expected"/>, or
    /// more than <paramref name="allocationLimit"/> bytes allocated by one case, fails with the case number.
    /// </summary>
    /// <returns>How many cases ran, and how many of them were accepted by the parser.</returns>
    public static (int Ran, int Accepted) Run(byte[] valid, int seed, int cases, TimeSpan timeBudget, int minimumCases,
        long allocationLimit, Action<byte[]> parse, params Type[] expected)
    {
        // CI runs the fixed seed; MNIST_FUZZ_SEED explores others locally (a failure names the seed to pin).
        if (int.TryParse(Environment.GetEnvironmentVariable("MNIST_FUZZ_SEED"), out int chosen)) seed = chosen;
        var clock = Stopwatch.StartNew();
        int ran = 0, accepted = 0;
        for (int i = 0; i < cases && (i < minimumCases || clock.Elapsed < timeBudget); i++)
        {
            byte[] input = Mutate(valid, seed, i);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                parse(input);
                accepted++;
            }
            catch (Exception e) when (expected.Any(t => t.IsInstanceOfType(e)))
            {
                // The contract: a bad file is reported as one of these.
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed} case {i} ({input.Length} bytes): unexpected {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > allocationLimit)
                throw new Xunit.Sdk.XunitException($"seed {seed} case {i} ({input.Length} bytes): allocated {allocated:N0} bytes, limit {allocationLimit:N0}.");
            ran++;
        }

        return (ran, accepted);
    }
}
