using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mnist.Server.Tests.TestSupport;

/// <summary>A logger provider that keeps every Error or Critical entry (with its exception), so a test can show what
/// the server logged when it answered 500 or failed in the background.</summary>
public sealed class ErrorLogCollector : ILoggerProvider
{
    /// <summary>"category: message: exception" of each error logged so far.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Errors);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> errors) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) errors.Enqueue($"{category}: {formatter(state, exception)}: {exception}");
        }
    }
}
