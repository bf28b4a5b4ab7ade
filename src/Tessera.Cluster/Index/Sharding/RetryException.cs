namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// The attempt must start over from its reads: a compare failed (another mutation of the object committed in between),
/// the revision it read at was compacted, a staged chunk set was collected, or a bucket marker is missing while the
/// catalog still has the bucket (a DeleteBucket may put it back). Callers never see it.
/// </summary>
internal sealed class RetryException(string reason) : Exception(reason);
