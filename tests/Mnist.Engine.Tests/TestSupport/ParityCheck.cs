namespace Mnist.Engine.Tests.TestSupport;

/// <summary>A registered parity check: its display name and the method to run (throws on mismatch).</summary>
public sealed record ParityCheck(string Name, Action Run);
