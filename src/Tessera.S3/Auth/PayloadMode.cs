namespace Tessera.S3.Auth;

/// <summary>How the request body is protected, from the <c>x-amz-content-sha256</c> header.</summary>
public enum PayloadMode
{
    /// <summary>A hex SHA-256 of the whole body was signed; the caller must hash the body and compare.</summary>
    Sha256,

    /// <summary><c>UNSIGNED-PAYLOAD</c>: the body is not covered by the signature.</summary>
    Unsigned,

    /// <summary><c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c>: aws-chunked body, every chunk signed.</summary>
    StreamingSigned,

    /// <summary><c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER</c>: signed chunks followed by signed trailers.</summary>
    StreamingSignedTrailer,

    /// <summary><c>STREAMING-UNSIGNED-PAYLOAD-TRAILER</c>: aws-chunked body without signatures, with trailers.</summary>
    StreamingUnsignedTrailer,
}
