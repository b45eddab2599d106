namespace Mnist.Server.Tests.TestSupport;

/// <summary>One in-process server on the briefly trained lenet, shared by the test classes of its collection.</summary>
public sealed class TrainedServerFixture : IDisposable
{
    public TrainedServerFixture()
    {
        Factory = new MnistServerFactory(TestModels.PrivateCopy(TestModels.TrainedLenetPath));
        Client = Factory.CreateClient();
    }

    public MnistServerFactory Factory { get; }

    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedServerCollection : ICollectionFixture<TrainedServerFixture>
{
    public const string Name = "trained server";
}
