using Microsoft.Extensions.Logging;

namespace Tessera.S3;

/// <summary>Every log line of the S3 layer, with stable event ids.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Request {RequestId} ({Operation}) {Method} {Path} failed")]
    public static partial void UnhandledError(ILogger logger, Exception exception, string requestId, string operation, string method, string? path);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Request {RequestId}: storage unavailable: {Reason}")]
    public static partial void StorageUnavailable(ILogger logger, string requestId, string reason);
}
