namespace Tessera.Cluster.Index.Sharding;

/// <summary>Orders byte strings as etcd orders keys: lexicographically, unsigned bytes, a prefix first.</summary>
internal sealed class ByteOrder : IComparer<byte[]>
{
    /// <summary>The one instance.</summary>
    public static readonly ByteOrder Instance = new();

    /// <inheritdoc/>
    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
