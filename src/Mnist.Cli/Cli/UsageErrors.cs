using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace Mnist.Cli.Cli;

/// <summary>
/// Rewrites the parser's errors (unknown option, unconvertible value, missing argument, failed validation) in the
/// command's own terms, with a "did you mean" for near misses and a pointer to the command's help.
/// </summary>
internal static partial class UsageErrors
{
    /// <summary>The message and hint for a parse or validation error of <c>mnist args…</c>.</summary>
    public static (string Message, string? Hint) Describe(CommandAppException e, IReadOnlyList<string> args)
    {
        CommandEntry? command = MnistApp.Find(args);
        string where = command is null ? "mnist" : "mnist " + command.Path;
        string help = $"Run '{where} --help' for the usage.";

        if (UnknownCommandPattern().Match(e.Message) is { Success: true } uc)
        {
            string name = uc.Groups[1].Value;
            string? near = Nearest(name, MnistApp.Commands.Select(c => c.Path.Split(' ')[0]).Distinct());
            return ($"unknown command '{name}'" + (near is null ? "." : $"; did you mean '{near}'?"), "Run 'mnist --help' for the commands.");
        }

        if (UnknownOptionPattern().Match(e.Message) is { Success: true } uo)
        {
            string name = uo.Groups[1].Value;
            string typed = (name.Length == 1 ? "-" : "--") + name;
            string? near = command is null ? null : Nearest(typed, OptionNames(command.Settings));
            return ($"unknown option '{typed}' for '{where}'" + (near is null ? "." : $"; did you mean '{near}'?"), help);
        }

        if (ConversionPattern().Match(e.Message) is { Success: true } cv)
        {
            string value = cv.Groups[1].Value;
            string? option = OptionGivenValue(args, value);
            string expected = command is not null && option is not null && OptionType(command.Settings, option) is Type t ? Expected(t) : "a different value";
            return (option is null
                ? $"'{value}' is not a valid value; expected {expected}."
                : $"{option} expects {expected}, not '{value}'.", help);
        }

        return (ErrorReporter.Sentence(e.Message), help);
    }

    /// <summary>
    /// An option that takes a value but is last or followed by another option (<c>--arch</c> alone, <c>--arch --json</c>).
    /// Checked before parsing: the parser would hand such an option an internal placeholder as its value.
    /// </summary>
    public static string? MissingValue(IReadOnlyList<string> args)
    {
        if (MnistApp.Find(args) is not { } command) return null;
        var needsValue = new HashSet<string>(StringComparer.Ordinal);
        foreach (PropertyInfo p in command.Settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<CommandOptionAttribute>() is not { ValueName: not null, ValueIsOptional: false } o) continue;
            foreach (string l in o.LongNames) needsValue.Add("--" + l);
            foreach (string s in o.ShortNames) needsValue.Add("-" + s);
        }
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == "--") break;
            if (needsValue.Contains(args[i]) && (i + 1 == args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)))
                return args[i];
        }
        return null;
    }

    /// <summary>The long and short names of <paramref name="settings"/>' options, with dashes (<c>--arch</c>, <c>-h</c>).</summary>
    public static IEnumerable<string> OptionNames(Type settings)
    {
        foreach (PropertyInfo p in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<CommandOptionAttribute>() is not { } o) continue;
            foreach (string l in o.LongNames) yield return "--" + l;
            foreach (string s in o.ShortNames) yield return "-" + s;
        }
        yield return "--help";
    }

    /// <summary>The closest of <paramref name="candidates"/> to <paramref name="typed"/>: at most 2 edits (1 for short
    /// words), or <paramref name="typed"/> is a prefix of it; null when nothing is that close.</summary>
    public static string? Nearest(string typed, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string c in candidates)
        {
            int d = c.StartsWith(typed, StringComparison.Ordinal) && typed.TrimStart('-').Length >= 2 ? 1 : Distance(typed, c);
            if (d < bestDistance)
            {
                best = c;
                bestDistance = d;
            }
        }
        int allowed = typed.TrimStart('-').Length <= 3 ? 1 : 2;
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1,
    /// so the common typo "arhc" is one edit from "arch".</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    /// <summary>The option that <paramref name="value"/> was given to: <c>--epochs two</c> or <c>--epochs=two</c>.</summary>
    private static string? OptionGivenValue(IReadOnlyList<string> args, string value)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            if (a.StartsWith('-') && eq > 0 && a[(eq + 1)..] == value) return a[..eq];
            if (a == value && i > 0 && args[i - 1].StartsWith('-')) return args[i - 1];
        }
        return null;
    }

    private static Type? OptionType(Type settings, string option)
    {
        foreach (PropertyInfo p in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<CommandOptionAttribute>() is not { } o) continue;
            if (o.LongNames.Any(l => "--" + l == option) || o.ShortNames.Any(s => "-" + s == option))
                return Nullable.GetUnderlyingType(p.PropertyType) ?? (p.PropertyType.IsArray ? p.PropertyType.GetElementType() : p.PropertyType);
        }
        return null;
    }

    private static string Expected(Type t) =>
        t == typeof(int) || t == typeof(long) ? "a whole number"
        : t == typeof(uint) || t == typeof(ulong) ? "a whole number ≥ 0"
        : t == typeof(double) || t == typeof(float) ? "a number"
        : t == typeof(bool) ? "true or false"
        : "a different value";

    [GeneratedRegex("^Unknown command '([^']*)'")]
    private static partial Regex UnknownCommandPattern();

    [GeneratedRegex("^Unknown option '([^']*)'")]
    private static partial Regex UnknownOptionPattern();

    [GeneratedRegex("^Failed to convert '([^']*)'")]
    private static partial Regex ConversionPattern();
}
