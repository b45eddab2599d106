using System.Text.Encodings.Web;
using System.Text.Json;

namespace Mnist.Cli.Cli;

/// <summary>
/// JSON as every <c>--json</c> line writes it: plain UTF-8. The default encoder escapes quotes, <c>&lt;</c>, <c>&amp;</c>
/// and non-ASCII letters (<c>\u0022</c>) for safe embedding in HTML; these lines go to terminals and scripts, never into
/// a page, so the relaxed encoder keeps them readable (control characters and invalid text are still escaped).
/// </summary>
internal static class CliJson
{
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = Encoder };

    public static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = Encoder };
}
