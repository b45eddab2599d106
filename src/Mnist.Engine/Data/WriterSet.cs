using System.Globalization;
using System.Text;

namespace Mnist.Engine.Data;

/// <summary>
/// A set of writer numbers written as ranges, e.g. <c>1-20</c> or <c>1-5,8,21-30</c>, for leave-writers-out
/// training and evaluation on drawn digits (<see cref="DrawnDigitSet"/>).
/// </summary>
public sealed class WriterSet : IEquatable<WriterSet>
{
    private readonly SortedSet<int> _writers;

    private WriterSet(SortedSet<int> writers) => _writers = writers;

    /// <summary>The writers, ascending.</summary>
    public IReadOnlyCollection<int> Writers => _writers;

    /// <summary>Number of writers.</summary>
    public int Count => _writers.Count;

    /// <summary>True when <paramref name="writer"/> is in the set.</summary>
    public bool Contains(int writer) => _writers.Contains(writer);

    /// <summary>The set of exactly <paramref name="writers"/>.</summary>
    public static WriterSet Of(IEnumerable<int> writers)
    {
        ArgumentNullException.ThrowIfNull(writers);
        return new WriterSet(new SortedSet<int>(writers));
    }

    /// <summary>Parses comma-separated writers and inclusive ranges: <c>1-20</c>, <c>3</c>, <c>1-5,8,21-30</c>.</summary>
    /// <exception cref="FormatException">Empty text, a bad number, a reversed range or a writer below 1.</exception>
    public static WriterSet Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException("A writer set is empty; write e.g. 1-20 or 1-5,8,21-30.");
        var set = new SortedSet<int>();
        foreach (string raw in text.Split(','))
        {
            string part = raw.Trim();
            int dash = part.IndexOf('-', StringComparison.Ordinal);
            string lowText = dash >= 0 ? part[..dash] : part, highText = dash >= 0 ? part[(dash + 1)..] : part;
            if (!int.TryParse(lowText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int low)
                || !int.TryParse(highText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int high))
                throw new FormatException($"'{part}' in writer set '{text}' is neither a writer number nor a range like 1-20.");
            if (low < 1 || high < low)
                throw new FormatException($"'{part}' in writer set '{text}': writers are numbered from 1 and a range runs low-high.");
            if (high - low > 1_000_000) throw new FormatException($"'{part}' in writer set '{text}' is too large a range.");
            for (int w = low; w <= high; w++) set.Add(w);
        }
        return new WriterSet(set);
    }

    /// <summary>The set in its shortest range form, e.g. <c>1-20</c> or <c>1-5,8,21-30</c> (<see cref="Parse"/> reads it back).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        int? start = null, previous = null;
        void Flush()
        {
            if (start is null) return;
            if (sb.Length > 0) sb.Append(',');
            sb.Append(CultureInfo.InvariantCulture, $"{start}");
            if (previous != start) sb.Append(CultureInfo.InvariantCulture, $"-{previous}");
        }
        foreach (int w in _writers)
        {
            if (previous is int p && w == p + 1)
            {
                previous = w;
                continue;
            }
            Flush();
            start = previous = w;
        }
        Flush();
        return sb.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(WriterSet? other) => other is not null && _writers.SetEquals(other._writers);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as WriterSet);

    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
