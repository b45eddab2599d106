using System.Globalization;

namespace Mnist.Cli.Reports;

/// <summary>
/// How charts name classes: digits by themselves; datasets with longer names (clothing) by number where space is
/// short, with the name beside the number where it fits. One rule for every chart, so a class never appears as a
/// name in one cell and a number in the next.
/// </summary>
internal static class ClassLabels
{
    /// <summary>True when every name is short enough to label a cell by itself.</summary>
    public static bool AreShort(IReadOnlyList<string> names) => names.All(n => n.Length <= 3);

    /// <summary>The name when all names are short, else the class number.</summary>
    public static string Short(IReadOnlyList<string> names, int c) =>
        AreShort(names) && c < names.Count ? names[c] : c.ToString(CultureInfo.InvariantCulture);

    /// <summary>The name when all names are short, else "number name".</summary>
    public static string Long(IReadOnlyList<string> names, int c) =>
        c >= names.Count ? c.ToString(CultureInfo.InvariantCulture)
        : AreShort(names) ? names[c]
        : string.Create(CultureInfo.InvariantCulture, $"{c} {names[c]}");
}
