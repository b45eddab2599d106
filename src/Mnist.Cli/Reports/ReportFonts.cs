using SkiaSharp;

namespace Mnist.Cli.Reports;

/// <summary>
/// A font for chart text. The self-contained Skia native library used here has no fontconfig, so its default
/// typeface draws nothing on Linux; the report loads a TrueType file itself and registers it with ScottPlot.
/// </summary>
internal static class ReportFonts
{
    private const string Family = "ReportSans";

    private static readonly string[] s_candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "/Library/Fonts/Arial.ttf",
        @"C:\Windows\Fonts\arial.ttf",
    ];

    private static readonly Lazy<(SKTypeface Regular, SKTypeface Bold)> s_typefaces = new(Load);

    /// <summary>Regular typeface for Skia drawing.</summary>
    public static SKTypeface Regular => s_typefaces.Value.Regular;

    /// <summary>Bold typeface for Skia drawing.</summary>
    public static SKTypeface Bold => s_typefaces.Value.Bold;

    /// <summary>Makes ScottPlot draw with the loaded font (idempotent).</summary>
    public static void UseForScottPlot()
    {
        _ = s_typefaces.Value;
        if (FindFile() is not { } path) return;
        string? bold = BoldFile(path);
        ScottPlot.Fonts.AddFontFile(Family, path, bold: false, italic: false);
        if (bold is not null) ScottPlot.Fonts.AddFontFile(Family, bold, bold: true, italic: false);
        ScottPlot.Fonts.Default = Family;
    }

    private static (SKTypeface, SKTypeface) Load()
    {
        if (FindFile() is not { } path) return (SKTypeface.Default, SKTypeface.Default);
        var regular = SKTypeface.FromFile(path) ?? SKTypeface.Default;
        var bold = BoldFile(path) is { } b ? SKTypeface.FromFile(b) ?? regular : regular;
        return (regular, bold);
    }

    private static string? FindFile()
    {
        if (Environment.GetEnvironmentVariable("MNIST_REPORT_FONT") is { Length: > 0 } custom && File.Exists(custom)) return custom;
        return s_candidates.FirstOrDefault(File.Exists);
    }

    private static string? BoldFile(string regular)
    {
        string dir = Path.GetDirectoryName(regular)!, name = Path.GetFileNameWithoutExtension(regular);
        string[] options = [name + "-Bold", name.Replace("-Regular", "-Bold", StringComparison.Ordinal), name + "bd"];
        return options.Select(o => Path.Combine(dir, o + Path.GetExtension(regular))).FirstOrDefault(File.Exists);
    }
}
