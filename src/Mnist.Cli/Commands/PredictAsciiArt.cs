using System.Text;

namespace Mnist.Cli.Commands;

/// <summary>Renders a 28×28 image in [0, 1] as text, two characters per pixel so that it looks square.</summary>
internal static class PredictAsciiArt
{
    private const string Ramp = " .:-=+*#%@";

    public static string Render(ReadOnlySpan<float> pixels784)
    {
        var sb = new StringBuilder(28 * 57);
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                float v = Math.Clamp(pixels784[y * 28 + x], 0f, 1f);
                char c = Ramp[Math.Min(Ramp.Length - 1, (int)(v * Ramp.Length))];
                sb.Append(c).Append(c);
            }
            if (y < 27) sb.Append('\n');
        }
        return sb.ToString();
    }
}
