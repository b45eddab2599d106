using System.Reflection;

namespace Mnist.Engine.Tests.TestSupport;

/// <summary>
/// Every parity check in the test assembly, found by reflection, sorted by name. The same list runs
/// in-process as one xunit case per check (<c>ParityTests</c>) and in child processes with
/// DOTNET_Enable*=0 (<c>dotnet Mnist.Engine.Tests.dll --parity</c>, see <c>ParityAcrossIsaTests</c>).
/// </summary>
/// <remarks>
/// To add checks (e.g. for GEMM or convolution), create a file of your own with a static class and mark each
/// check <c>[ParityCheck]</c>:
/// <code>
/// internal static class GemmParityChecks
/// {
///     [ParityCheck]
///     public static void Sgemm()
///     {
///         float[] a = TestData.Floats(33 * 17, seed: 1), b = TestData.Floats(17 * 9, seed: 2);
///         float[] expected = new float[33 * 9], actual = new float[33 * 9];
///         ReferenceGemm.Gemm(...expected...);
///         Gemm.Gemm(...actual...);
///         Tolerance.Float32.Reduction.AssertClose&lt;float&gt;(expected, actual, "gemm 33x17x9");
///     }
/// }
/// </code>
/// It then shows up as test case "Gemm.Sgemm" and in every ISA child run. A check must be static, return void,
/// take no parameters and have a unique name, or discovery throws (so a mistake fails every parity test loudly).
/// Keep each check fast (well under a second): it also runs with all intrinsics disabled.
/// </remarks>
public static class ParityRegistry
{
    private static readonly Lazy<IReadOnlyList<ParityCheck>> s_all = new(Discover);

    /// <summary>All checks, sorted by name.</summary>
    public static IReadOnlyList<ParityCheck> All => s_all.Value;

    /// <summary>The check named <paramref name="name"/>.</summary>
    public static ParityCheck Get(string name) =>
        All.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"No parity check named '{name}'.", nameof(name));

    private static List<ParityCheck> Discover()
    {
        var checks = new List<ParityCheck>();
        const BindingFlags Flags = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (Type type in typeof(ParityRegistry).Assembly.GetTypes())
        {
            foreach (MethodInfo method in type.GetMethods(Flags))
            {
                var attribute = method.GetCustomAttribute<ParityCheckAttribute>();
                if (attribute is null)
                    continue;
                if (method.ReturnType != typeof(void) || method.GetParameters().Length != 0 || method.IsGenericMethodDefinition)
                    throw new InvalidOperationException($"[ParityCheck] {type.FullName}.{method.Name} must be 'static void {method.Name}()'.");
                string prefix = type.Name.EndsWith("ParityChecks", StringComparison.Ordinal) ? type.Name[..^"ParityChecks".Length] : type.Name;
                checks.Add(new ParityCheck(attribute.Name ?? $"{prefix}.{method.Name}", method.CreateDelegate<Action>()));
            }
        }
        var duplicate = checks.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two parity checks are named '{duplicate.Key}'.");
        checks.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return checks;
    }
}
