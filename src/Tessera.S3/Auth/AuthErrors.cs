using System.Diagnostics.CodeAnalysis;
using Tessera.Core.Errors;

namespace Tessera.S3.Auth;

/// <summary>Throw helpers for authentication failures, so the hot paths stay small.</summary>
internal static class AuthErrors
{
    /// <summary>The message S3 gives for an authorization scheme it does not take (SigV4a, say).</summary>
    public const string UnsupportedMechanism = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";

    /// <summary>Throws <paramref name="error"/> with its default message.</summary>
    [DoesNotReturn]
    public static void Throw(S3Error error) => throw new S3Exception(error);

    /// <summary>Throws <paramref name="error"/> with <paramref name="message"/>.</summary>
    [DoesNotReturn]
    public static void Throw(S3Error error, string message) => throw new S3Exception(error, message);

    /// <summary>Throws <c>AuthorizationHeaderMalformed</c> or <c>AuthorizationQueryParametersError</c>, by where the credential came from.</summary>
    [DoesNotReturn]
    public static void ThrowCredential(bool presigned, string detail)
    {
        if (presigned)
        {
            throw new S3Exception(S3Errors.AuthorizationQueryParametersError, "Error parsing the X-Amz-Credential parameter; " + detail);
        }

        throw new S3Exception(S3Errors.AuthorizationHeaderMalformed, "The authorization header is malformed; " + detail);
    }

    /// <summary>Throws <c>SignatureDoesNotMatch</c>.</summary>
    [DoesNotReturn]
    public static void ThrowSignatureDoesNotMatch() => throw new S3Exception(S3Errors.SignatureDoesNotMatch);

    /// <summary>Throws <c>IncompleteBody</c> with <paramref name="message"/>.</summary>
    [DoesNotReturn]
    public static void ThrowIncompleteBody(string message) => throw new S3Exception(S3Errors.IncompleteBody, message);

    /// <summary>Throws <c>InvalidRequest</c> for malformed aws-chunked framing.</summary>
    [DoesNotReturn]
    public static void ThrowMalformedChunk(string detail) => throw new S3Exception(S3Errors.InvalidRequest, "Malformed aws-chunked body: " + detail);
}
