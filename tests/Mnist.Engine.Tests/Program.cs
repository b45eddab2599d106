namespace Mnist.Engine.Tests;

/// <summary>
/// The test assembly doubles as a console program so that tests can re-run checks in a child process
/// with different DOTNET_Enable* settings (see KernelParityRunner once it exists).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine($"usage: dotnet Mnist.Engine.Tests.dll <mode>; got [{string.Join(' ', args)}]");
        return 2;
    }
}
