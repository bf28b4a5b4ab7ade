using System.Security.Cryptography;
using Tessera.Core.Errors;

namespace Tessera.S3.Auth;

/// <summary>
/// Checks a body against the SHA-256 declared in <c>x-amz-content-sha256</c> (<see cref="PayloadMode.Sha256"/>):
/// feed every body byte to <see cref="Append"/>, then call <see cref="Verify"/> before committing the object.
/// </summary>
public sealed class PayloadHashVerifier : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _expected = new byte[32];

    /// <summary>Creates the verifier for a declared hex hash.</summary>
    /// <exception cref="ArgumentException">The value is not 64 hex digits.</exception>
    public PayloadHashVerifier(string expectedSha256Hex)
    {
        if (!SigV4Encoding.TryParseHex(expectedSha256Hex.AsSpan(), _expected))
        {
            throw new ArgumentException("Expected 64 hex digits.", nameof(expectedSha256Hex));
        }
    }

    /// <summary>Hashes the next body bytes.</summary>
    public void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    /// <summary>Throws <c>XAmzContentSHA256Mismatch</c> unless the bytes appended so far hash to the declared value.</summary>
    public void Verify()
    {
        Span<byte> actual = stackalloc byte[32];
        _hash.GetHashAndReset(actual);
        if (!CryptographicOperations.FixedTimeEquals(actual, _expected))
        {
            AuthErrors.Throw(S3Errors.XAmzContentSHA256Mismatch);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _hash.Dispose();
}
