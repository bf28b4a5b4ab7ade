namespace Tessera.Cluster.Storage;

/// <summary>Names shared by both ends of the node-to-node storage protocol (<see cref="StorageEndpoint"/>, <see cref="RemoteDisk"/>).</summary>
public static class ClusterProtocol
{
    /// <summary>The path every storage endpoint request starts with (never a valid S3 bucket: names start with a letter or digit).</summary>
    public const string StoragePrefix = "/_tessera/storage/v1/";

    /// <summary>The header carrying the caller's node id, time and HMAC over the request line (<see cref="ClusterAuthenticator"/>).</summary>
    public const string AuthHeader = "X-Tessera-Cluster-Auth";

    /// <summary>The response header with a fragment's or record's last write time, as UTC ticks.</summary>
    public const string LastWriteHeader = "X-Tessera-Last-Write";

    /// <summary>The largest trailer or record the endpoint takes (the fragment format's limit).</summary>
    public const int MaxTrailerLength = 16 * 1024 * 1024;

    /// <summary>The path of one disk's resource: <c>/_tessera/storage/v1/{disk}/{rest}</c>.</summary>
    /// <param name="disk">The disk id.</param>
    /// <param name="rest">What follows, e.g. <c>fragments/…</c>.</param>
    public static string DiskPath(string disk, string rest) => StoragePrefix + Uri.EscapeDataString(disk) + "/" + rest;
}
