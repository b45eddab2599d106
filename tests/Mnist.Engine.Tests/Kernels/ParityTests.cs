using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>Runs every registered <see cref="ParityCheckAttribute"/> check in-process, one test case per check.</summary>
public class ParityTests
{
    /// <summary>The names of all registered checks.</summary>
    public static TheoryData<string> Checks => new(ParityRegistry.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Checks))]
    public void Kernel_matches_scalar_reference(string check) => ParityRegistry.Get(check).Run();

    [Fact]
    public void Registry_finds_the_checks_of_this_file_set()
    {
        var names = ParityRegistry.All.Select(c => c.Name).ToList();
        Assert.Contains("Elementwise.Relu", names);
        Assert.Contains("Pooling.MaxPool2d", names);
        Assert.Contains("Softmax.SoftmaxCrossEntropy", names);
    }
}
