namespace Mnist.Engine.Training;

/// <summary>
/// Counts of (true class, predicted class) pairs: row = the label, column = the prediction, so the
/// diagonal holds the correct answers and row sums are the class sizes.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts;

    /// <summary>An all-zero matrix for <paramref name="classes"/> classes.</summary>
    public ConfusionMatrix(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Classes = classes;
        _counts = new int[classes * classes];
    }

    /// <summary>Number of classes (rows and columns).</summary>
    public int Classes { get; }

    /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[Index(actual, predicted)];

    /// <summary>Counts one sample.</summary>
    public void Add(int actual, int predicted) => _counts[Index(actual, predicted)]++;

    /// <summary>Samples whose label is <paramref name="actual"/>.</summary>
    public int RowTotal(int actual)
    {
        int sum = 0;
        for (int j = 0; j < Classes; j++) sum += this[actual, j];
        return sum;
    }

    /// <summary>All samples counted.</summary>
    public int Total => _counts.Sum();

    /// <summary>The matrix as rows (row = true class), e.g. for JSON.</summary>
    public int[][] ToRows()
    {
        var rows = new int[Classes][];
        for (int i = 0; i < Classes; i++) rows[i] = _counts.AsSpan(i * Classes, Classes).ToArray();
        return rows;
    }

    private int Index(int actual, int predicted)
    {
        if ((uint)actual >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(actual));
        if ((uint)predicted >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(predicted));
        return actual * Classes + predicted;
    }
}
