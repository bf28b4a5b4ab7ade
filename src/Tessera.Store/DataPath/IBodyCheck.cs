using Tessera.Core.Hashing;

namespace Tessera.Store;

/// <summary>
/// What a write's bytes must match, checked by <see cref="ObjectWriter"/> once every byte is read and before anything
/// commits: the protocol's digests (Content-MD5, checksums, a signed payload hash), or, for a copy, that the source
/// was read whole. The protocol decides which error a mismatch is; the writer only guarantees when it is asked.
/// </summary>
public interface IBodyCheck
{
    /// <summary>The additional checksum to compute while the bytes stream (None for none).</summary>
    ChecksumAlgorithm Algorithm { get; }

    /// <summary>Whether to compute the SHA-256 of the bytes too (a signed payload hash to check).</summary>
    bool NeedsSha256 { get; }

    /// <summary>
    /// Checks the finished <paramref name="hasher"/> (it may first read what follows the bytes, such as a trailer) and
    /// returns the computed additional checksum (algorithm name, base64), or null. Throws to refuse the bytes.
    /// </summary>
    ValueTask<KeyValuePair<string, string>?> VerifyAsync(ObjectHasher hasher, CancellationToken cancellationToken);
}
