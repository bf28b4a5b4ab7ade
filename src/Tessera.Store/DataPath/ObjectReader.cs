using Tessera.Index;
using Tessera.Store.Tiering;

namespace Tessera.Store;

/// <summary>
/// The read path of a whole object: streams a byte range of a version segment by segment, each through a
/// <see cref="SegmentReader"/> (k data blocks in parallel, parity and reconstruction only where damage is met), and
/// reports what each segment met (a degraded read is logged and queued for repair); a tiered segment streams from its
/// remote tier (<see cref="TieredSegment"/>). GET, copies and restores share it.
/// </summary>
public static class ObjectReader
{
    /// <summary>Writes bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of <paramref name="version"/> to <paramref name="destination"/>.</summary>
    /// <param name="store">The store.</param>
    /// <param name="bucket">The bucket (for the degraded-read log).</param>
    /// <param name="version">The version to read.</param>
    /// <param name="offset">The first byte.</param>
    /// <param name="length">How many bytes.</param>
    /// <param name="destination">Where they go.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task CopyToAsync(StoreServices store, string bucket, ObjectManifest version, long offset, long length, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(version);
        long segmentStart = 0;
        var end = offset + length;
        foreach (var segment in version.Segments)
        {
            var segmentEnd = segmentStart + segment.Size;
            if (segmentEnd > offset && segmentStart < end)
            {
                var from = Math.Max(offset, segmentStart) - segmentStart;
                var to = Math.Min(end, segmentEnd) - segmentStart;
                if (segment.IsTiered)
                {
                    await TieredSegment.CopyToAsync(store, segment, from, to - from, destination, cancellationToken).ConfigureAwait(false);
                    segmentStart = segmentEnd;
                    continue;
                }

                using var reader = new SegmentReader(store.Storage, segment, store.Buffers);
                await reader.CopyToAsync(destination, from, to - from, cancellationToken).ConfigureAwait(false);
                reader.ReportDamage(store, bucket, version.Key);
            }

            segmentStart = segmentEnd;
        }
    }
}
