using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store.Tiering;

/// <summary>The read path of a tiered segment (<see cref="SegmentManifest.IsTiered"/>): a ranged GET from its tier.</summary>
public static class TieredSegment
{
    /// <summary>
    /// Writes bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of <paramref name="segment"/> to
    /// <paramref name="destination"/>. The remote read is opened before anything is written, so a tier that does not
    /// answer fails the request with <see cref="StorageUnavailableException"/> while its headers can still change; a
    /// remote body that ends early is an <see cref="IOException"/> (the response is cut, never padded).
    /// </summary>
    public static async Task CopyToAsync(StoreServices store, SegmentManifest segment, long offset, long length, Stream destination, CancellationToken cancellationToken)
    {
        await using var source = await OpenAsync(store, segment, offset, length, cancellationToken).ConfigureAwait(false);
        var buffer = store.Buffers.Rent(128 * 1024);
        try
        {
            var remaining = length;
            while (remaining > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"The remote tier '{segment.Tier}' ended segment {segment.Segment:N} {remaining} bytes early.");
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                remaining -= read;
            }
        }
        finally
        {
            store.Buffers.Return(buffer);
        }
    }

    /// <summary>Opens bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of <paramref name="segment"/> on its tier.</summary>
    public static Task<Stream> OpenAsync(StoreServices store, SegmentManifest segment, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(segment);
        var tier = store.Tiers.Get(segment.Tier ?? throw new ArgumentException("Not a tiered segment.", nameof(segment)));
        return tier.OpenReadAsync(segment.Segment, Md5Of(segment), offset, length, cancellationToken);
    }

    /// <summary>The segment's MD5 when its ETag is one (32 hex digits), else null.</summary>
    public static string? Md5Of(SegmentManifest segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return segment.ETag.Length == 32 && segment.ETag.All(char.IsAsciiHexDigit) ? segment.ETag : null;
    }
}
