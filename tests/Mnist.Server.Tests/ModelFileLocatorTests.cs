using Mnist.Server.Serving;

namespace Mnist.Server.Tests;

/// <summary>Where the server finds a relative model path: beside a published app first, else up the source tree.</summary>
public sealed class ModelFileLocatorTests
{
    private static readonly string Relative = Path.Combine("models", "locator-test.onnx");

    [Fact]
    public void AModelBesideTheAppWinsOverOneFoundUpTheCurrentFolder()
    {
        string top = Directory.CreateTempSubdirectory("mnist-locator-").FullName;
        try
        {
            string current = Path.Combine(top, "repo", "deep", "folder");
            string app = Path.Combine(top, "published");
            Directory.CreateDirectory(current);
            Touch(Path.Combine(top, "repo", Relative));
            Touch(Path.Combine(app, Relative));

            Assert.Equal(Path.Combine(app, Relative), ModelFileLocator.Resolve(Relative, current, current, app));
        }
        finally
        {
            Directory.Delete(top, recursive: true);
        }
    }

    [Fact]
    public void WithoutAModelBesideTheAppTheSourceTreeAboveIsSearched()
    {
        string top = Directory.CreateTempSubdirectory("mnist-locator-").FullName;
        try
        {
            string current = Path.Combine(top, "repo", "src", "Mnist.Server");
            string app = Path.Combine(current, "bin", "Release", "net10.0");
            Directory.CreateDirectory(app);
            Touch(Path.Combine(top, "repo", Relative));

            Assert.Equal(Path.Combine(top, "repo", Relative), ModelFileLocator.Resolve(Relative, current, current, app));
        }
        finally
        {
            Directory.Delete(top, recursive: true);
        }
    }

    private static void Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0]);
    }
}
