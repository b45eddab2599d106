using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Mnist.Server.Api;
using Mnist.Server.Batching;
using Mnist.Server.Hosting;
using Mnist.Server.Observability;
using Mnist.Server.Serving;
using Scalar.AspNetCore;

namespace Mnist.Server;

/// <summary>
/// The server's composition root, shared by <c>Program</c> (<c>dotnet run --project src/Mnist.Server</c>) and
/// <c>mnist serve</c>: services, middleware, then one <c>MapXxx</c> per feature.
/// </summary>
public static class MnistServer
{
    /// <summary>Rate-limiting policy of the prediction endpoints.</summary>
    public const string PredictPolicy = "predict";

    /// <summary>Command-line switches besides ASP.NET Core's own (<c>--urls</c>, <c>--environment</c>, …).</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--model"] = "Mnist:ModelPath",
        ["--engine"] = "Mnist:Engine",
        ["--precision"] = "Mnist:Precision",
        ["--threads"] = "Mnist:IntraOpThreads",
        ["--max-batch"] = "Mnist:Batching:MaxBatchSize",
        ["--max-delay-us"] = "Mnist:Batching:MaxDelayMicroseconds",
        ["--workers"] = "Mnist:Batching:Workers",
    };

    /// <summary>Builds the application from command-line arguments; run it with <c>RunAsync</c>.</summary>
    public static WebApplication CreateApp(string[] args)
    {
        WebApplicationBuilder builder = CreateBuilder(args);
        return Configure(builder.Build());
    }

    /// <summary>The builder with every service registered (for hosts that add their own).</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = DefaultContentRoot(args) });
        // Started from elsewhere (mnist serve, a published folder): the defaults beside the assembly, below every
        // other source.
        string beside = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (!File.Exists(Path.Combine(builder.Environment.ContentRootPath, "appsettings.json")) && File.Exists(beside))
            builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = "appsettings.json", Optional = true, FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
            });
        builder.Configuration.AddCommandLine(args, SwitchMappings.ToDictionary());
        if (WebRootLocator.Find(builder.Environment.ContentRootPath) is { } webRoot)
        {
            builder.Environment.WebRootPath = webRoot;
            builder.Environment.WebRootFileProvider = new PhysicalFileProvider(webRoot);
            WebAssets.UseBuildManifest(builder);
        }
        AddServices(builder.Services);
        return builder;
    }

    /// <summary>
    /// The content root when none is given: the app's own folder when the server is started from a folder without
    /// an <c>appsettings.json</c> but has one beside its assembly (a published server or <c>mnist serve</c> started
    /// from anywhere, as <c>UseSystemd</c> does for services); null (the current directory) otherwise. The content root
    /// is watched for configuration changes: a published server started from <c>/</c> with <c>/</c> as its content
    /// root spent 35 s putting a watch on the whole file system before it was ready (3 s from an empty folder).
    /// </summary>
    internal static string? DefaultContentRoot(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool given = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)
                                   || a.StartsWith("/contentRoot", StringComparison.OrdinalIgnoreCase))
                     || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
                     || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
        if (given || File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"))) return null;
        return File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings.json")) ? AppContext.BaseDirectory : null;
    }

    /// <summary>Registers the server's services; every setting is read from <see cref="MnistServerOptions"/> when
    /// first needed, so configuration added later (tests, hosts) is honoured.</summary>
    public static void AddServices(IServiceCollection services)
    {
        // Settings: section "Mnist", checked at startup.
        services.AddOptions<MnistServerOptions>().BindConfiguration(MnistServerOptions.Section)
            .Validate(o => { o.Validate(); return true; }).ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        // Model, batching, metrics. The batcher and the reload service start with the host.
        services.AddMetrics();
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<ModelLoader>();
        services.AddSingleton<ModelStore>();
        services.AddSingleton<PredictionBatcher>();
        services.AddSingleton<PredictionService>();
        services.AddSingleton<ReadingService>();
        services.AddHostedService<ModelReloadService>();
        services.AddHostedService(sp => sp.GetRequiredService<PredictionBatcher>());

        // Operations: health checks behind /healthz and /readyz, the not-ready pause on shutdown, OpenTelemetry.
        services.AddSingleton<ShutdownDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        services.AddHealthChecks().AddCheck<ModelHealthCheck>("model", tags: [ModelHealthCheck.ReadyTag]);
        services.AddServerTelemetry();

        // Wire JSON: source-generated, snake_case.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            // Numbers are numbers: the Web defaults also accept them as strings, which the OpenAPI document then
            // declares as number-or-string ("elapsed_ms": ["number","string"]) and generated clients get wrong. The
            // request bodies that carry numbers are read by PredictJsonParser, which is strict anyway.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            // ASP.NET Core's default encoder is the relaxed one, which writes '<' and '>' as they are: an upload's
            // file name "<img src=x onerror=…>" came back verbatim. The default encoder escapes HTML-significant
            // characters (\u003C), so echoed client text is inert even if the JSON is ever shown as HTML.
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Mnist.Wire.WireJsonContext.Default);
        });

        // Errors: ProblemDetails for exceptions and for bare status codes; never a stack trace.
        services.AddProblemDetails();

        // Limits, rate limiting, timeouts and CORS, all from the options.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<MnistServerOptions>>((k, o) =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = Math.Max(o.Value.Limits.MaxImageBytes, o.Value.Limits.MaxJsonBytes) + 65536L;
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<MnistServerOptions>, ServerMetrics>(ConfigureRateLimiting);
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<MnistServerOptions>>((t, o) =>
            t.AddPolicy(PredictPolicy, new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(o.Value.Limits.RequestTimeoutSeconds),
                TimeoutStatusCode = StatusCodes.Status408RequestTimeout,
            }));
        services.AddOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>().Configure<IOptions<MnistServerOptions>>((f, o) =>
        {
            // Only the configured proxies: the framework's default trusts loopback, which would let any local
            // process pose as any client.
            f.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            f.KnownProxies.Clear();
            f.KnownIPNetworks.Clear();
            foreach (string proxy in o.Value.TrustedProxies) f.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        });
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<MnistServerOptions>>((c, o) =>
        {
            string[] origins = o.Value.CorsOrigins;
            if (origins.Length == 0) return;
            c.AddDefaultPolicy(p =>
            {
                if (origins.Contains("*")) p.AllowAnyOrigin();
                else p.WithOrigins(origins);
                p.WithMethods("GET", "POST", "HEAD").AllowAnyHeader().WithExposedHeaders("ETag");
            });
        });

        // OpenAPI document at /openapi/v1.json.
        services.AddOpenApi(o => o.AddSchemaTransformer(OpenApiBodies.OmittedWhenNullIsOptional).AddDocumentTransformer(HealthApi.DescribeMetrics));
    }

    /// <summary>The middleware pipeline and the endpoints.</summary>
    public static WebApplication Configure(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        MnistServerOptions options = app.Services.GetRequiredService<IOptions<MnistServerOptions>>().Value;
        ModelStore store = app.Services.GetRequiredService<ModelStore>();
        app.Services.GetRequiredService<ServerMetrics>().ObserveModelFrom(() => store.Current);
        if (options.TrustedProxies.Length > 0) app.UseForwardedHeaders(); // before anything reads the client address
        app.UseSecurityHeaders();
        app.UseMiddleware<RequestMetricsMiddleware>();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Kestrel's own rejections (oversized or malformed requests) keep their 4xx; anything else is a 500
            // without details, logged on the server.
            StatusCodeSelector = e => e switch
            {
                Microsoft.AspNetCore.Http.BadHttpRequestException b => b.StatusCode,
                ServiceUnavailableException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        app.UseStatusCodePages();

        // The web app: / → index.html (rewritten before routing), then its files as static web assets (compressed,
        // ETags, fingerprinted URLs cached as immutable; Hosting/WebAssets.cs), or as plain static files when the
        // build's manifests are not beside the assembly.
        string? assets = Directory.Exists(app.Environment.WebRootPath) ? WebAssets.EndpointsManifest : null;
        // The page and the service worker name the page's code by fingerprinted URL (Hosting/AppShell.cs).
        AppShell? shell = assets is null ? null : AppShell.Create(assets, app.Environment.WebRootFileProvider);
        if (shell is not null) app.Use((context, next) => shell.TryServe(context, out Task written) ? written : next(context));
        if (Directory.Exists(app.Environment.WebRootPath))
        {
            app.UseDefaultFiles();
            if (assets is null) app.UseStaticFiles();
        }

        app.UseRouting();
        app.UseCors();
        app.UseRateLimiter();
        app.UseRequestTimeouts();

        RouteGroupBuilder flask = app.MapGroup("/mnist").WithTags("Flask-compatible").RequireRateLimiting(PredictPolicy);
        flask.WithRequestTimeout(PredictPolicy);
        flask.MapFlaskApi();
        RouteGroupBuilder v1 = app.MapGroup("/v1").WithTags("Predictions").RequireRateLimiting(PredictPolicy);
        v1.WithRequestTimeout(PredictPolicy);
        v1.MapPredictApi();
        v1.MapReadApi();
        v1.MapModelApi();
        if (assets is not null) app.MapStaticAssets(assets);
        app.MapHealthApi(options.MetricsPath);
        app.MapOpenApi();
        // Its default fonts come from a CDN, which the page's Content-Security-Policy (same origin only) blocks.
        // The reference page works offline and calls no outside service: no fonts from a CDN, no AI chat, MCP,
        // telemetry or developer toolbar (its "Deploy" button), none of which belongs to this API.
        app.MapScalarApiReference(o => o.WithTitle("MNIST digit recognition API")
            .DisableDefaultFonts().DisableAgent().DisableMcp().DisableTelemetry().HideDeveloperTools());
        app.MapGet("/", () => TypedResults.Content(FallbackPage, "text/html; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    private static void ConfigureRateLimiting(RateLimiterOptions limiter, IOptions<MnistServerOptions> options, ServerMetrics metrics)
    {
        RateLimitOptions o = options.Value.RateLimit;
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.AddPolicy(PredictPolicy, context => !o.Enabled
            ? RateLimitPartition.GetNoLimiter("all")
            : RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.Burst,
                TokensPerPeriod = o.PermitsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        limiter.OnRejected = async (ctx, ct) =>
        {
            metrics.RecordRateLimited();
            HttpContext http = ctx.HttpContext;
            if (ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retry))
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = "The rate limit for this client is exhausted; retry later." },
            }).ConfigureAwait(false);
        };
    }

    private const string FallbackPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>MNIST digit recognition</title></head>
        <body><h1>MNIST digit recognition</h1>
        <p>The web app is not installed beside this server. Try <a href="/mnist">the upload form</a>,
        <a href="/scalar">the API reference</a> or <a href="/openapi/v1.json">the OpenAPI document</a>.</p></body></html>
        """;
}
