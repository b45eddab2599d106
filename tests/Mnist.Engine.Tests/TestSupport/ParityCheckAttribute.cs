namespace Mnist.Engine.Tests.TestSupport;

/// <summary>
/// Marks a parity check: a <c>static void</c> method without parameters, anywhere in this test assembly, that compares
/// a SIMD kernel with its scalar reference and throws (e.g. via <see cref="Tolerance.AssertClose{T}"/>) on a mismatch.
/// <see cref="ParityRegistry"/> finds it by reflection; nothing else needs registering. See <see cref="ParityRegistry"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ParityCheckAttribute : Attribute
{
    /// <summary>Display name; default "&lt;class name without 'ParityChecks'&gt;.&lt;method name&gt;", e.g. "Elementwise.Relu".</summary>
    public string? Name { get; init; }
}
