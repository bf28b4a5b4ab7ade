namespace Tessera.Index;

/// <summary>
/// The restore state of an archived version (GLACIER, DEEP_ARCHIVE): a RestoreObject request that is running, or the
/// temporary readable copy it made. The copy is a real one: the archived bytes re-encoded into the STANDARD erasure
/// policy as <see cref="Segments"/>, kept alongside the archived segments until <see cref="Expiry"/>.
/// </summary>
/// <remarks>
/// Part of the version's manifest (manifest flag 0x04, a trailing section); changed only by
/// <see cref="IIndexStore.SwapRestore"/>, a compare-and-set on the version. The restored segments are referenced by the
/// version exactly as its own segments are (segment references, garbage on removal, repair and scrub).
/// </remarks>
public sealed record ObjectRestore
{
    /// <summary>True while the restore runs (no copy yet); false once the copy is there.</summary>
    public bool Ongoing { get; init; }

    /// <summary>The number of days asked for (lifecycle days).</summary>
    public int Days { get; init; }

    /// <summary>The retrieval tier asked for: Standard, Bulk or Expedited.</summary>
    public string Tier { get; init; } = "Standard";

    /// <summary>When the restore (or the last extension of it) was asked for.</summary>
    public DateTimeOffset Requested { get; init; }

    /// <summary>When the copy expires (a lifecycle-day boundary); null while the restore runs.</summary>
    public DateTimeOffset? Expiry { get; init; }

    /// <summary>The restored copy's segments, in object order (empty while the restore runs).</summary>
    public IReadOnlyList<SegmentManifest> Segments { get; init; } = [];

    /// <summary>Whether the restored copy can be read at <paramref name="now"/>: done and not expired.</summary>
    public bool IsReadable(DateTimeOffset now) => !Ongoing && Expiry is { } expiry && now < expiry;

    /// <summary>
    /// Whether two restore states are the same, field by field and segment by segment (what
    /// <see cref="IIndexStore.SwapRestore"/> compares).
    /// </summary>
    public static bool SameState(ObjectRestore? a, ObjectRestore? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return a.Ongoing == b.Ongoing && a.Days == b.Days && a.Tier == b.Tier && a.Requested == b.Requested && a.Expiry == b.Expiry
            && a.Segments.Count == b.Segments.Count
            && a.Segments.Zip(b.Segments).All(p => p.First.Segment == p.Second.Segment && p.First.Disks.SequenceEqual(p.Second.Disks, StringComparer.Ordinal));
    }
}
