using Microsoft.Playwright;

namespace Mnist.TestSupport;

/// <summary>
/// One model, the real Mnist.Server on 127.0.0.1 (<see cref="ServerHost"/>) and one headless Chromium (Debian's, /usr/bin/chromium) for the app tests.
/// Playwright's own browser download is not used.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;

    /// <summary>True when Chromium is installed (apt-get install chromium); the browser tests skip otherwise.</summary>
    public static bool HasChromium => File.Exists(ChromiumPath);

    /// <summary>Stops a browser test when Chromium is missing: a visible skip outside CI, a failure in CI.</summary>
    public static void RequireChromium()
    {
        if (!HasChromium) global::Mnist.Testing.TestEnvironment.Unavailable($"Chromium is not installed at {ChromiumPath} (apt-get install chromium)");
    }

    internal ServerHost Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string ModelPath { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ModelPath = TestModel.Path;
        Server = await ServerHost.StartAsync(ModelPath);
        if (!HasChromium) return;
        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
    }

    internal static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = ChromiumPath,
        Headless = true,
        Args = ChromiumArgs,
    });

    /// <summary>A fresh context like a phone: 390×844 CSS px at 3× (an iPhone 12–15 class screen), touch, mobile.</summary>
    public Task<IBrowserContext> NewPhoneContextAsync(IBrowser? browser = null) => (browser ?? Browser).NewContextAsync(PhoneOptions);

    public static BrowserNewContextOptions PhoneOptions => new()
    {
        ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        DeviceScaleFactor = 3,
        IsMobile = true,
        HasTouch = true,
        ServiceWorkers = ServiceWorkerPolicy.Allow,
    };
}

[CollectionDefinition("app")]
public sealed class AppCollection : ICollectionFixture<AppFixture>;
