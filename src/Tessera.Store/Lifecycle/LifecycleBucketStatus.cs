namespace Tessera.Store;

/// <summary>What the lifecycle worker did in one bucket in its current (or, once ended, its last) pass over it.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="PassStart">When the pass that counted these started.</param>
/// <param name="PassEnd">When the pass ended with this bucket, or null while it is in it.</param>
/// <param name="ObjectsScanned">Versions and delete markers listed.</param>
/// <param name="BytesScanned">Their bytes (delete markers have none).</param>
/// <param name="UploadsScanned">Incomplete multipart uploads listed.</param>
/// <param name="Actions">Actions taken, by kind (<see cref="LifecycleWorker.Outcomes"/>).</param>
/// <param name="BytesByClass">Bytes of the versions listed, by storage class.</param>
/// <param name="ActionsSinceStart">Actions taken in the bucket by kind since this process started (every pass).</param>
/// <param name="NextDue">The earliest expiration of a current version seen that is not due yet, or null.</param>
public sealed record LifecycleBucketStatus(
    string Bucket,
    DateTimeOffset PassStart,
    DateTimeOffset? PassEnd,
    long ObjectsScanned,
    long BytesScanned,
    long UploadsScanned,
    IReadOnlyDictionary<string, long> Actions,
    IReadOnlyDictionary<string, long> BytesByClass,
    IReadOnlyDictionary<string, long> ActionsSinceStart,
    DateTimeOffset? NextDue);
