namespace Tessera.Tests.Fuzz;

/// <summary>Whether a body digest header (Content-MD5, x-amz-checksum-crc32) is sent, and right.</summary>
internal enum GatewayDigest
{
    /// <summary>Not sent.</summary>
    None,

    /// <summary>The body's digest.</summary>
    Correct,

    /// <summary>A well-formed digest of other bytes.</summary>
    Wrong,
}
