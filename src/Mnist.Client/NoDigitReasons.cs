using Mnist.Engine.Preprocessing;
using Mnist.Wire;

namespace Mnist.Client;

/// <summary>The server's <c>"no_digit"</c> names (<see cref="NoDigitNames"/>) as the engine's <see cref="NoDigitReason"/>.</summary>
internal static class NoDigitReasons
{
    /// <summary>The reason for a wire name; a missing or unknown name (a newer server) is <see cref="NoDigitReason.NoInk"/>,
    /// the SDK's "nothing to read".</summary>
    public static NoDigitReason Parse(string? name) => name switch
    {
        NoDigitNames.NoInk => NoDigitReason.NoInk,
        NoDigitNames.TooLittleInk => NoDigitReason.TooLittleInk,
        NoDigitNames.TooSmall => NoDigitReason.TooSmall,
        NoDigitNames.Blob => NoDigitReason.Blob,
        _ => NoDigitReason.NoInk,
    };
}
