namespace Mnist.Server.Tests.TestSupport;

/// <summary>One in-process server on the briefly trained lenet, shared by the test classes of its collection.</summary>
public sealed class TrainedServerFixture : IDisposable
{
    // Built on first use, inside a test: the model is trained on MNIST, and without MNIST that test must become a
    // visible skip, where an exception in this constructor would fail every test of the collection.
    private readonly Lazy<MnistServerFactory> _factory = new(() => new MnistServerFactory(TestModels.PrivateCopy(TestModels.TrainedLenetPath)));
    private readonly Lazy<HttpClient> _client;

    public TrainedServerFixture() => _client = new(() => _factory.Value.CreateClient());

    public MnistServerFactory Factory => _factory.Value;

    public HttpClient Client => _client.Value;

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
        if (_factory.IsValueCreated) _factory.Value.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedServerCollection : ICollectionFixture<TrainedServerFixture>
{
    public const string Name = "trained server";
}
