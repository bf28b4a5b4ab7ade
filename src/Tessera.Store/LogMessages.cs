using Microsoft.Extensions.Logging;

namespace Tessera.Store;

/// <summary>Every log line of the storage engine, with stable event ids (the S3 layer's are 1000–1001).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Read of {Bucket}/{Key} met {Blocks} missing or corrupt blocks and reconstructed them")]
    public static partial void DegradedRead(ILogger logger, string bucket, string key, int blocks);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Garbage collector deleted {Fragments} fragments of {Segments} segments")]
    public static partial void GarbageCollected(ILogger logger, int fragments, int segments);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Garbage collector pass failed")]
    public static partial void GarbageCollectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Scrub checked {Fragments} fragments of {Segments} segments ({Bytes} bytes verified) in {Seconds:F1} s: {Missing} missing, {Corrupt} corrupt ({CorruptBlocks} blocks), {Orphans} orphans, {FailedDisks} failed disks")]
    public static partial void ScrubCompleted(ILogger logger, long fragments, long segments, long bytes, double seconds, long missing, long corrupt, long corruptBlocks, long orphans, int failedDisks);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Scrub found damage: {Missing} missing and {Corrupt} corrupt fragments ({CorruptBlocks} blocks), {FailedDisks} failed disks ({Disks})")]
    public static partial void ScrubFoundDamage(ILogger logger, long missing, long corrupt, long corruptBlocks, int failedDisks, string disks);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Scrub pass failed")]
    public static partial void ScrubFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Repaired segment {Segment}: {Rebuilt} fragments rebuilt, {Moved} moved to other disks, {Blocked} without a disk that keeps placement")]
    public static partial void SegmentRepaired(ILogger logger, Guid segment, int rebuilt, int moved, int blocked);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Error, Message = "Segment {Segment} has {Readable} readable fragments of the {Needed} needed: it cannot be rebuilt now")]
    public static partial void RepairUnrecoverable(ILogger logger, Guid segment, int readable, int needed);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "Repair of segment {Segment} failed; it will be retried")]
    public static partial void RepairFailed(ILogger logger, Exception exception, Guid segment);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Warning, Message = "Disk {Disk} is {State} ({Probe}); {Segments} segments queued for repair")]
    public static partial void DiskStateChanged(ILogger logger, string disk, string state, string probe, int segments);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Warning, Message = "Disk monitor pass failed")]
    public static partial void DiskMonitorFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Warning, Message = "Disk {Disk} fails its probes; it is declared failed if they fail for {Seconds} s without a break")]
    public static partial void DiskDown(ILogger logger, string disk, double seconds);

    [LoggerMessage(EventId = 1026, Level = LogLevel.Warning, Message = "Rebalance move of segment {Segment} failed; the next pass plans it again")]
    public static partial void RebalanceMoveFailed(ILogger logger, Exception exception, Guid segment);

    [LoggerMessage(EventId = 1027, Level = LogLevel.Information, Message = "Rebalance pass finished: {Planned} fragment moves planned, {Moved} moved, {Failed} not moved")]
    public static partial void RebalanceFinished(ILogger logger, long planned, long moved, long failed);

    [LoggerMessage(EventId = 1028, Level = LogLevel.Warning, Message = "Transition of {Bucket}/{Key} to {StorageClass} cannot proceed now: {Reason}")]
    public static partial void TransitionUnavailable(ILogger logger, string bucket, string key, string storageClass, string reason);

    [LoggerMessage(EventId = 1040, Level = LogLevel.Warning, Message = "Remote object of segment {Segment} on tier {Tier} not deleted now: {Reason}")]
    public static partial void TierDeleteFailed(ILogger logger, Guid segment, string tier, string reason);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "Tier {Tier}: {Deleted} remote objects no version references deleted")]
    public static partial void TierOrphansDeleted(ILogger logger, string tier, int deleted);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "Lifecycle pass finished in {Seconds:F1} s: {Objects} versions and {Uploads} uploads scanned, {Actions} actions taken")]
    public static partial void LifecyclePassFinished(ILogger logger, double seconds, long objects, long uploads, long actions);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Warning, Message = "Lifecycle pass failed; the next one resumes from its cursor")]
    public static partial void LifecyclePassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1032, Level = LogLevel.Warning, Message = "Lifecycle configuration of bucket {Bucket} does not parse; the bucket is skipped")]
    public static partial void LifecycleConfigurationUnreadable(ILogger logger, Exception exception, string bucket);

    [LoggerMessage(EventId = 1060, Level = LogLevel.Information, Message = "Restored {Bucket}/{Key} version {VersionId}: {Bytes} bytes re-encoded into a temporary STANDARD copy until {Expiry:u}")]
    public static partial void ObjectRestored(ILogger logger, string bucket, string key, string versionId, long bytes, DateTimeOffset expiry);

    [LoggerMessage(EventId = 1061, Level = LogLevel.Warning, Message = "Restore of {Bucket}/{Key} version {VersionId} failed; it will be retried")]
    public static partial void RestoreFailed(ILogger logger, Exception exception, string bucket, string key, string versionId);

    [LoggerMessage(EventId = 1062, Level = LogLevel.Information, Message = "The restored copy of {Bucket}/{Key} version {VersionId} expired: its segments are queued as garbage")]
    public static partial void RestoreExpired(ILogger logger, string bucket, string key, string versionId);

    [LoggerMessage(EventId = 1063, Level = LogLevel.Warning, Message = "Restore worker pass failed")]
    public static partial void RestorePassFailed(ILogger logger, Exception exception);
}
