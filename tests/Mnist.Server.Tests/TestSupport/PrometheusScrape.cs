using System.Globalization;
using System.Text.RegularExpressions;

namespace Mnist.Server.Tests.TestSupport;

/// <summary>Reads samples out of a Prometheus text scrape, matching a series by name and by the labels given (other
/// labels, such as the exporter's <c>otel_scope_name</c>, are ignored).</summary>
internal static partial class PrometheusScrape
{
    /// <summary>The value of the first sample of <paramref name="name"/> carrying every label in <paramref name="labels"/>;
    /// null when there is none.</summary>
    public static double? Value(string scrape, string name, params (string Key, string Value)[] labels)
    {
        foreach (string line in scrape.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Match m = Sample().Match(line);
            if (!m.Success || m.Groups["name"].Value != name) continue;
            var have = Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value);
            if (labels.All(l => have.TryGetValue(l.Key, out string? v) && v == l.Value))
                return m.Groups["value"].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    /// <summary>True when every line is a comment, a sample (name, optional labels, value, optional timestamp) or the
    /// OpenMetrics end marker; the offending line otherwise.</summary>
    public static string? FirstMalformedLine(string scrape) =>
        scrape.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(l => !l.StartsWith("# ", StringComparison.Ordinal) && !Sample().IsMatch(l));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>[-+0-9.eE]+|[-+]Inf|NaN)( -?\d+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
