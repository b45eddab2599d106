using Mnist.Engine.Data;

namespace Mnist.Engine.Tests.Data;

public class DataLocatorTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Key == name).Value;

    [Fact]
    public void Option_wins_over_environment()
    {
        var loc = DataLocator.Resolve(DatasetCatalog.Mnist, "/data/x", Env(("MNIST_DATA", "/env")), _ => true);
        Assert.Equal((Path.GetFullPath("/data/x"), DataLocationSource.Option), (loc.Folder, loc.Source));
    }

    [Fact]
    public void Environment_then_cache_for_mnist()
    {
        var env = DataLocator.Resolve(DatasetCatalog.Mnist, null, Env(("MNIST_DATA", "/env")), _ => true);
        Assert.Equal((Path.GetFullPath("/env"), DataLocationSource.Environment), (env.Folder, env.Source));
        Assert.Equal("$MNIST_DATA", env.Describe());

        var cache = DataLocator.Resolve(DatasetCatalog.Mnist, null, Env(("XDG_CACHE_HOME", "/xdg")), _ => true);
        Assert.Equal((Path.Combine("/xdg", "mnist-cs", "mnist"), DataLocationSource.UserCache), (cache.Folder, cache.Source));

        var home = DataLocator.Resolve(DatasetCatalog.Mnist, null, Env(("HOME", "/home/u")), _ => false);
        Assert.Equal(Path.Combine("/home/u", ".cache", "mnist-cs", "mnist"), home.Folder);
    }

    [Fact]
    public void Fashion_uses_the_system_package_folder_when_present()
    {
        var fashion = DatasetCatalog.FashionMnist;
        // $MNIST_DATA is for MNIST only.
        var sys = DataLocator.Resolve(fashion, null, Env(("MNIST_DATA", "/env"), ("XDG_CACHE_HOME", "/xdg")), d => d == "/usr/share/datasets/fashion-mnist");
        Assert.Equal(("/usr/share/datasets/fashion-mnist", DataLocationSource.SystemPackage), (sys.Folder, sys.Source));
        var cache = DataLocator.Resolve(fashion, null, Env(("XDG_CACHE_HOME", "/xdg")), _ => false);
        Assert.Equal(Path.Combine("/xdg", "mnist-cs", "fashion"), cache.Folder);
    }

    [Fact]
    public void Catalog_lookup()
    {
        Assert.Same(DatasetCatalog.FashionMnist, DatasetCatalog.Get("Fashion-MNIST"));
        Assert.Same(DatasetCatalog.Mnist, DatasetCatalog.Get("mnist"));
        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Get("cifar"));
        Assert.Contains("mnist, fashion", e.Message, StringComparison.Ordinal);
        Assert.All(DatasetCatalog.All, d => Assert.Equal(4, d.Files.Count));
        Assert.All(DatasetCatalog.All.SelectMany(d => d.Mirrors), m => Assert.EndsWith("/", m.AbsoluteUri, StringComparison.Ordinal));
    }

    [Fact]
    public void Fashion_system_copy_verifies_when_installed()
    {
        string folder = DatasetCatalog.FashionMnist.SystemFolder!;
        if (!Directory.Exists(folder)) return; // optional Debian package dataset-fashion-mnist
        var results = DatasetVerifier.Verify(DatasetCatalog.FashionMnist, folder);
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Path}: {r.Status}"));
    }
}
