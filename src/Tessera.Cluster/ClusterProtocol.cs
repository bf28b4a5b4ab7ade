namespace Tessera.Cluster;

/// <summary>Names shared by both ends of the node-to-node protocol.</summary>
public static class ClusterProtocol
{
    /// <summary>The path every storage endpoint request starts with (never a valid S3 bucket: names start with a letter or digit).</summary>
    public const string StoragePrefix = "/_tessera/storage/v1/";

    /// <summary>The header carrying the caller's node id, time and HMAC over the request line (<see cref="ClusterAuthenticator"/>).</summary>
    public const string AuthHeader = "X-Tessera-Cluster-Auth";
}
