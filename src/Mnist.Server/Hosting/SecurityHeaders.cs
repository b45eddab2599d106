namespace Mnist.Server.Hosting;

/// <summary>
/// Response headers that make the browser refuse what this server never intends: content sniffing, framing by other
/// sites, and scripts or connections from anywhere but this origin.
/// </summary>
/// <remarks>
/// The policy fits the web app as it is (checked in Chromium by the end-to-end tests): its own module scripts and
/// stylesheet, the on-device runtime's WebAssembly kernel (which needs <c>'wasm-unsafe-eval'</c> to compile, and nothing more),
/// the model and predictions fetched from this origin, the 28×28 preview drawn on a canvas. No inline script or
/// style is allowed, so an injected attribute or tag does nothing. The API reference page (<c>/scalar</c>) is the one
/// exception: Scalar's generated page configures itself with an inline script, so it gets the same policy plus that.
/// </remarks>
public static class SecurityHeaders
{
    /// <summary>The Content-Security-Policy of every response outside the API reference.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " + AfterScripts;

    private const string AfterScripts =
        "style-src 'self'; img-src 'self' data: blob:; " +
        "connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; object-src 'none'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary><see cref="ContentSecurityPolicy"/> that also allows the inline scripts whose SHA-256 (base64) is given,
    /// and no other inline script.</summary>
    public static string ContentSecurityPolicyAllowingScripts(params string[] sha256) =>
        $"default-src 'self'; script-src 'self' {string.Join(' ', sha256.Select(h => $"'sha256-{h}'"))} 'wasm-unsafe-eval'; " + AfterScripts;

    /// <summary>The policy of the API reference page (<c>/scalar</c>): its inline bootstrap script and styles are allowed there only.</summary>
    public const string ReferenceContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Adds the headers to every response, before the endpoint writes.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) =>
        {
            // Set when the headers go out, not now: the exception handler clears the response's headers before it
            // writes its problem, and those answers need the headers as much as any other.
            context.Response.OnStarting(static state => { Apply((HttpContext)state); return Task.CompletedTask; }, context);
            return next(context);
        });
    }

    private static void Apply(HttpContext context)
    {
            IHeaderDictionary h = context.Response.Headers;
            // JSON that echoes client text (an upload's file name) must never be sniffed into HTML.
            h.XContentTypeOptions = "nosniff";
            // frame-ancestors in the policy is the standard; X-Frame-Options covers browsers without it.
            h.XFrameOptions = "DENY";
            // An endpoint may have set a stricter variant (the app's page allows its import map by hash: AppShell).
            if (string.IsNullOrEmpty(h.ContentSecurityPolicy))
                h.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/scalar", StringComparison.OrdinalIgnoreCase)
                    ? ReferenceContentSecurityPolicy
                    : ContentSecurityPolicy;
            h["Referrer-Policy"] = "no-referrer";
            h["Cross-Origin-Opener-Policy"] = "same-origin";
    }
}
