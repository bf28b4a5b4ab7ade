namespace Tessera.S3.Auth;

/// <summary>
/// A request that passed SigV4 verification: who signed it and how its body is protected. For the streaming modes it
/// also carries what <see cref="AwsChunkedStream"/> needs to verify the chunk signatures that chain from the seed.
/// </summary>
public sealed class AuthResult
{
    /// <summary>The access key that signed the request.</summary>
    public required string AccessKey { get; init; }

    /// <summary>How the body is protected.</summary>
    public required PayloadMode Mode { get; init; }

    /// <summary>The lower-case hex SHA-256 the client declared for the body, in <see cref="PayloadMode.Sha256"/> mode.</summary>
    public string? PayloadSha256Hex { get; init; }

    /// <summary>The request's verified signature (lower-case hex): the seed of the chunk signature chain.</summary>
    public required string SeedSignature { get; init; }

    /// <summary>The derived signing key (32 bytes). Shared with the verifier's cache: never write to it.</summary>
    public required ReadOnlyMemory<byte> SigningKey { get; init; }

    /// <summary>The credential scope, <c>yyyyMMdd/region/s3/aws4_request</c>.</summary>
    public required string Scope { get; init; }

    /// <summary>The request time as signed, <c>yyyyMMdd'T'HHmmss'Z'</c>.</summary>
    public required string AmzDate { get; init; }

    /// <summary>The request time.</summary>
    public required DateTimeOffset RequestTime { get; init; }

    /// <summary>Whether the signature came from the query string (a presigned URL) rather than the Authorization header.</summary>
    public bool IsPresigned { get; init; }

    /// <summary>Whether the body is aws-chunked and must be read through <see cref="AwsChunkedStream"/>.</summary>
    public bool IsStreaming => Mode is PayloadMode.StreamingSigned or PayloadMode.StreamingSignedTrailer or PayloadMode.StreamingUnsignedTrailer;
}
