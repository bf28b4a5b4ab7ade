using Microsoft.Extensions.Logging;

namespace Tessera.Cluster.Control;

/// <summary>The control plane's log messages (event ids 3000–3099).</summary>
internal static partial class ControlLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Node {NodeId} registered under lease {LeaseId} (TTL {TtlSeconds} s)")]
    public static partial void Registered(ILogger logger, string nodeId, long leaseId, long ttlSeconds);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Lease {LeaseId} of {Owner} lost ({Reason}); granting a new one")]
    public static partial void LeaseLost(ILogger logger, long leaseId, string owner, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Registering node {NodeId} failed; retrying")]
    public static partial void RegisterFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Watch on {Prefix} failed ({Reason}); resuming after revision {Revision}")]
    public static partial void WatchFailed(ILogger logger, string prefix, string reason, long revision);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Watch on {Prefix} after revision {Revision} was compacted (at {CompactRevision}); reloading the range")]
    public static partial void WatchCompacted(ILogger logger, string prefix, long revision, long compactRevision);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "{NodeId} became coordinator with fencing token {Token}")]
    public static partial void BecameLeader(ILogger logger, string nodeId, long token);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "{NodeId} is no longer coordinator (fencing token {Token}): {Reason}")]
    public static partial void LostLeadership(ILogger logger, string nodeId, long token, string reason);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Coordinator campaign of {NodeId} failed; retrying")]
    public static partial void CampaignFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Topology change of {Disks} disks with fencing token {Token} refused: the coordinator key's create revision is {Current} (0 = no coordinator)")]
    public static partial void ChangeRefused(ILogger logger, int disks, long token, long current);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Topology version {Version} committed by fencing token {Token}: {Disks} disks changed")]
    public static partial void ChangeCommitted(ILogger logger, long version, long token, int disks);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "etcd did not confirm the {Operation} of bucket {Bucket}; its record is read back from etcd before it is used again")]
    public static partial void BucketWriteUncertain(ILogger logger, string operation, string bucket, Exception exception);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "The record of bucket {Bucket} changed in etcd outside this index node (mod revision {Expected} expected, {Actual} found); the {Operation} was refused and the record reloaded")]
    public static partial void BucketRecordConflict(ILogger logger, string bucket, string operation, long expected, long actual);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Loaded {Count} bucket records from etcd at revision {Revision}")]
    public static partial void BucketsLoaded(ILogger logger, int count, long revision);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "Published user {AccessKey} to etcd")]
    public static partial void UserPublished(ILogger logger, string accessKey);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "User {AccessKey} of the users file differs from its record in etcd; etcd's record stays (change it there)")]
    public static partial void UserDiffers(ILogger logger, string accessKey);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "The user record at {Key} cannot be read; it is left out")]
    public static partial void UserUnreadable(ILogger logger, string key);
}
