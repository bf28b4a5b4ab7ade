namespace Tessera.Storage;

/// <summary>How a storage class codes and spreads its segments.</summary>
/// <param name="DataShards">k.</param>
/// <param name="ParityShards">m.</param>
/// <param name="ShardSize">Bytes of each shard of a full stripe; a stripe holds k × this many bytes of data.</param>
/// <param name="DomainLevel">The failure-domain level fragments spread over: <c>disk</c>, <c>node</c>, <c>rack</c> or <c>zone</c>.</param>
public sealed record ErasurePolicy(int DataShards, int ParityShards, int ShardSize, string DomainLevel)
{
    /// <summary>The default: RS(4,2) with 256 KiB shards (1 MiB stripes), each disk its own domain.</summary>
    public static ErasurePolicy Default { get; } = new(4, 2, 256 * 1024, "disk");

    /// <summary>k + m.</summary>
    public int TotalShards => DataShards + ParityShards;

    /// <summary>Bytes of object data in a full stripe.</summary>
    public long StripeSize => (long)DataShards * ShardSize;
}
