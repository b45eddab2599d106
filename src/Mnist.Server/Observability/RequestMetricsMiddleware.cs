using System.Diagnostics;

namespace Mnist.Server.Observability;

/// <summary>Times every request and counts it under its route pattern (so label values stay bounded).</summary>
internal sealed class RequestMetricsMiddleware(RequestDelegate next, ServerMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            string endpoint = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText
                ?? (context.Response.StatusCode == StatusCodes.Status404NotFound ? "unmatched" : "static");
            metrics.RecordRequest(endpoint, Method(context.Request.Method), context.Response.StatusCode, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    // Methods are client-chosen strings: only the standard ones become label values.
    private static string Method(string m) => HttpMethods.IsGet(m) ? "GET" : HttpMethods.IsPost(m) ? "POST" : HttpMethods.IsHead(m) ? "HEAD"
        : HttpMethods.IsOptions(m) ? "OPTIONS" : HttpMethods.IsPut(m) ? "PUT" : HttpMethods.IsDelete(m) ? "DELETE" : "other";
}
