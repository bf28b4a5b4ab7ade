namespace Tessera.S3.Auth;

/// <summary>The <c>x-amz-content-sha256</c> values SigV4 knows, and how to tell them apart.</summary>
public static class PayloadHash
{
    /// <summary>The hex SHA-256 of an empty body.</summary>
    public const string EmptySha256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary><c>UNSIGNED-PAYLOAD</c>.</summary>
    public const string Unsigned = "UNSIGNED-PAYLOAD";

    /// <summary><c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c>.</summary>
    public const string StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";

    /// <summary><c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER</c>.</summary>
    public const string StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";

    /// <summary><c>STREAMING-UNSIGNED-PAYLOAD-TRAILER</c>.</summary>
    public const string StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

    /// <summary>Whether <paramref name="value"/> is 64 hex digits (either case).</summary>
    public static bool IsValidSha256Hex(string? value) => value is not null && IsValidSha256Hex(value.AsSpan());

    /// <summary>Whether <paramref name="value"/> is 64 hex digits (either case).</summary>
    public static bool IsValidSha256Hex(ReadOnlySpan<char> value)
    {
        if (value.Length != 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Classifies an <c>x-amz-content-sha256</c> value.</summary>
    /// <returns><see langword="false"/> when the value is none of the known forms.</returns>
    public static bool TryParseMode(string value, out PayloadMode mode)
    {
        switch (value)
        {
            case Unsigned:
                mode = PayloadMode.Unsigned;
                return true;
            case StreamingSigned:
                mode = PayloadMode.StreamingSigned;
                return true;
            case StreamingSignedTrailer:
                mode = PayloadMode.StreamingSignedTrailer;
                return true;
            case StreamingUnsignedTrailer:
                mode = PayloadMode.StreamingUnsignedTrailer;
                return true;
            default:
                mode = PayloadMode.Sha256;
                return IsValidSha256Hex(value);
        }
    }
}
