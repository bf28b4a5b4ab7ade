using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// A logger factory whose loggers keep the exceptions they are given (the gateway logs what turned into a 500), so a
/// failing case can show the exception behind it. Nothing is written anywhere.
/// </summary>
internal sealed class CapturingLogger : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<Exception> _exceptions = new();

    /// <summary>Takes the exceptions logged since the last call.</summary>
    public List<Exception> Drain()
    {
        var drained = new List<Exception>();
        while (_exceptions.TryDequeue(out var exception))
        {
            drained.Add(exception);
        }

        return drained;
    }

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is not null)
        {
            _exceptions.Enqueue(exception);
        }
    }

    public void Dispose()
    {
    }
}
