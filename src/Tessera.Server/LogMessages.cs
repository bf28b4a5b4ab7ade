namespace Tessera.Server;

/// <summary>The server's log messages, with stable event ids (2000–2099).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Index snapshot written: {Entries} entries up to sequence {Sequence}")]
    public static partial void IndexSnapshotWritten(ILogger logger, long entries, ulong sequence);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Index snapshot failed")]
    public static partial void IndexSnapshotFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Sweep after a cluster change failed; the next change or scrub finds the segments")]
    public static partial void ClusterSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Starting a term as the cluster's coordinator failed; standing down and campaigning again")]
    public static partial void CoordinatorTermFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Reading which node coordinates the cluster failed; keeping the last one seen")]
    public static partial void CoordinatorReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Moved {Count} bucket records from the index's RocksDB to etcd")]
    public static partial void BucketsMovedToEtcd(ILogger logger, int count);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Writing disk states to etcd failed; retried within a second")]
    public static partial void TopologyPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Index range {RangeId} split at {At} ({Reason}: {Keys} keys); right half moved to {Target}, writes held {FrozenMs} ms")]
    public static partial void RangeSplit(ILogger logger, string rangeId, string at, string reason, long keys, string target, double frozenMs);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "An automatic index range split pass failed; tried again at the next tick")]
    public static partial void RangeSplitFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Index range split at {At} by the admin API: {Left} and {Right}")]
    public static partial void RangeSplitByAdmin(ILogger logger, string at, string left, string right);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Index range {RangeId} moved from {From} to {To} by the admin API: {PreCopied} records pre-copied, {DeltaCopied} in the delta, writes held {FrozenMs} ms, {Removed} removed from the source")]
    public static partial void RangeMoved(ILogger logger, string rangeId, string from, string to, int preCopied, int deltaCopied, double frozenMs, int removed);
}
