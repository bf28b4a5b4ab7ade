namespace Tessera.Index.Lifecycle;

/// <summary>What the evaluator needs to know of one object version (or delete marker) to decide its due action.</summary>
public sealed record LifecycleSubject
{
    /// <summary>The object key.</summary>
    public required string Key { get; init; }

    /// <summary>The size in bytes (0 for a delete marker).</summary>
    public long Size { get; init; }

    /// <summary>The version's tags (none for a delete marker).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    /// <summary>When the version was written.</summary>
    public DateTimeOffset LastModified { get; init; }

    /// <summary>The version's storage class.</summary>
    public string StorageClass { get; init; } = "STANDARD";

    /// <summary>Whether the bucket is (or was) versioned: expiring a current version then writes a delete marker.</summary>
    public bool Versioned { get; init; }

    /// <summary>Whether this is the current version (the newest of its key).</summary>
    public bool IsLatest { get; init; } = true;

    /// <summary>Whether this is a delete marker.</summary>
    public bool IsDeleteMarker { get; init; }

    /// <summary>A current delete marker: whether the key has noncurrent versions behind it.</summary>
    public bool HasNoncurrentVersions { get; init; }

    /// <summary>A noncurrent version: when it became noncurrent (its successor's last-modified time).</summary>
    public DateTimeOffset? NoncurrentSince { get; init; }

    /// <summary>A noncurrent version: how many noncurrent versions of the key are newer than it.</summary>
    public int NewerNoncurrentVersions { get; init; }
}
