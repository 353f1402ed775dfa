using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>Every log line the app writes (all levels, formatted, with exceptions), for tests that check what is never logged.</summary>
public sealed class LogCapture : ILoggerProvider
{
    /// <summary>The test setting that turns capturing on for a <see cref="TestApp"/>.</summary>
    public const string SettingKey = "Tests:CaptureLogs";

    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {state} {exception}");
    }
}
