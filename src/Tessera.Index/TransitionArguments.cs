namespace Tessera.Index;

/// <summary>The argument checks every <see cref="IIndexStore.TransitionVersion"/> makes before it reads anything.</summary>
public static class TransitionArguments
{
    /// <summary>
    /// Throws for a bad bucket or key, a missing argument, or a segment count that differs; returns whether the move
    /// keeps the same segments (a change of class only).
    /// </summary>
    public static bool Validate(string bucket, string key, string versionId, IReadOnlyList<Guid> expectedSegments, IReadOnlyList<SegmentManifest> newSegments, string storageClass)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(expectedSegments);
        ArgumentNullException.ThrowIfNull(newSegments);
        ArgumentException.ThrowIfNullOrEmpty(storageClass);
        if (expectedSegments.Count != newSegments.Count)
        {
            throw new ArgumentException("A transition keeps the number of segments.", nameof(newSegments));
        }

        return expectedSegments.SequenceEqual(newSegments.Select(s => s.Segment));
    }
}
