namespace Tessera.Index.Lifecycle;

/// <summary>
/// S3's <c>Expiration</c> of current versions: after <see cref="Days"/> days, on <see cref="Date"/>, or (alone) the
/// removal of expired object delete markers.
/// </summary>
public sealed record LifecycleExpiration
{
    /// <summary>Days after the object's creation, positive; or null.</summary>
    public int? Days { get; init; }

    /// <summary>A midnight UTC date; or null.</summary>
    public DateTimeOffset? Date { get; init; }

    /// <summary>ExpiredObjectDeleteMarker as given (true or false), or null when absent.</summary>
    public bool? ExpiredObjectDeleteMarker { get; init; }
}
