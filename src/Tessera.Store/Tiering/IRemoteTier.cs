namespace Tessera.Store.Tiering;

/// <summary>
/// A remote tier: another S3-compatible store (an endpoint, a bucket, a key prefix and credentials, configured by the
/// operator, as MinIO's tiers are) that holds the bytes of tiered segments, one remote object per segment, named by the
/// segment id under the tier's prefix. The store never edits a remote object: a transition puts a new one, and the
/// garbage collector deletes it once no version references its segment.
/// </summary>
/// <remarks>
/// Every method throws <see cref="Tessera.Storage.StorageUnavailableException"/> when the tier does not answer (or
/// answers with a server error), so a GET of a tiered object is a 503 ServiceUnavailable while the tier is down, and the
/// lifecycle worker and the collector try again later.
/// </remarks>
public interface IRemoteTier
{
    /// <summary>The tier's name (what storage classes and tiered segments refer to).</summary>
    string Name { get; }

    /// <summary>
    /// Stores <paramref name="length"/> bytes of <paramref name="source"/> as the remote object of
    /// <paramref name="segment"/>. With <paramref name="md5Hex"/> the remote store checks the bytes against it
    /// (Content-MD5) and refuses them if they differ.
    /// </summary>
    Task PutAsync(Guid segment, Stream source, long length, string? md5Hex, CancellationToken cancellationToken);

    /// <summary>
    /// Opens bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of the remote object of
    /// <paramref name="segment"/>. With <paramref name="md5Hex"/> the read is conditional on the remote object still
    /// being the one put (If-Match on its ETag): another object under the same name is refused, not streamed.
    /// </summary>
    Task<Stream> OpenReadAsync(Guid segment, string? md5Hex, long offset, long length, CancellationToken cancellationToken);

    /// <summary>Deletes the remote object of <paramref name="segment"/> (a missing one is not an error).</summary>
    Task DeleteAsync(Guid segment, CancellationToken cancellationToken);

    /// <summary>Every remote object under the tier's prefix whose name is a segment id, with its last-modified time.</summary>
    IAsyncEnumerable<(Guid Segment, DateTimeOffset LastModified)> ListAsync(CancellationToken cancellationToken);
}
