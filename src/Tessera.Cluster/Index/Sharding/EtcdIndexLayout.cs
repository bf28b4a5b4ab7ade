using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary><see cref="EtcdIndexStore"/>'s layout as a range move sees it (<see cref="EtcdIndexKeys"/>).</summary>
public sealed class EtcdIndexLayout : IShardLayout
{
    /// <summary>The layout (it has no state).</summary>
    public static readonly EtcdIndexLayout Instance = new();

    private EtcdIndexLayout()
    {
    }

    /// <summary>The latest-pointer keyspace, whose size and writes the <see cref="RangeSplitter"/> measures.</summary>
    public static byte[] LatestSpace => IndexKeys.LatestSpace.ToArray();

    /// <inheritdoc/>
    public IReadOnlyList<byte[]> ObjectSpaces { get; } =
    [
        IndexKeys.LatestSpace.ToArray(),
        IndexKeys.VersionSpace.ToArray(),
        IndexKeys.UploadSpace.ToArray(),
        IndexKeys.PartSpace.ToArray(),
        IndexKeys.UploadIdSpace.ToArray(),
        IndexKeys.CompletedUploadSpace.ToArray(),
        EtcdIndexKeys.GuardSpace.ToArray(),
        EtcdIndexKeys.LinkSpace.ToArray(),
    ];

    /// <inheritdoc/>
    public byte[] ReferenceSpace { get; } = IndexKeys.SegmentReferenceSpace.ToArray();

    /// <inheritdoc/>
    public byte[] ReferenceOwner(ReadOnlySpan<byte> value)
    {
        var reference = ManifestSerializer.ReadSegmentReference(value);
        return IndexCoordinates.Of(reference.Bucket, reference.Key);
    }

    /// <inheritdoc/>
    public IEnumerable<byte[]> Dependents(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        // A version record or latest pointer in the chunked form keeps its segments in a chunk set.
        var versionOrLatest = key.StartsWith(IndexKeys.VersionSpace) || key.StartsWith(IndexKeys.LatestSpace);
        if (!versionOrLatest || !EtcdRecords.IsChunked(value))
        {
            return [];
        }

        EtcdRecords.ReadChunked(value, out var set, out _);
        return [EtcdIndexKeys.SetPrefix(set)];
    }
}
