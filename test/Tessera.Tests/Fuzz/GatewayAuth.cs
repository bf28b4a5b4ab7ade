namespace Tessera.Tests.Fuzz;

/// <summary>How a fuzzed gateway request authenticates and declares its payload.</summary>
internal enum GatewayAuth
{
    /// <summary>SigV4 header, x-amz-content-sha256 UNSIGNED-PAYLOAD.</summary>
    Unsigned,

    /// <summary>SigV4 header, the body's SHA-256.</summary>
    Sha256,

    /// <summary>SigV4 header, the SHA-256 of other bytes.</summary>
    WrongSha256,

    /// <summary>SigV4 header, aws-chunked with chunk signatures.</summary>
    StreamingSigned,

    /// <summary>SigV4 header, aws-chunked with chunk signatures and a signed checksum trailer.</summary>
    StreamingSignedTrailer,

    /// <summary>SigV4 header, aws-chunked without signatures, with a checksum trailer.</summary>
    StreamingUnsignedTrailer,

    /// <summary>A SigV4 presigned URL.</summary>
    Presigned,

    /// <summary>A SigV2 Authorization header.</summary>
    SigV2,

    /// <summary>No authentication at all.</summary>
    Anonymous,

    /// <summary>A POST Object form, authenticated by its own fields.</summary>
    Form,
}
