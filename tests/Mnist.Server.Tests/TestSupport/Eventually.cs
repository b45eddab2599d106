namespace Mnist.Server.Tests.TestSupport;

/// <summary>Waits for something the server does in the background (a model reload) to become visible.</summary>
internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms for up to 15 s; fails the test naming <paramref name="what"/>.</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"Timed out waiting for {what}.");
    }
}
