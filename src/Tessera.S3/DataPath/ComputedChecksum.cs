using Tessera.Core.Hashing;
using Tessera.Store;

namespace Tessera.S3.DataPath;

/// <summary>
/// The check of bytes no client digest covers (a copy, a browser upload's spooled file): computes the requested
/// checksum, and first waits for <paramref name="source"/> (the copy's reader), so a source that failed part-way is
/// refused before anything commits.
/// </summary>
internal sealed class ComputedChecksum(ChecksumAlgorithm algorithm, Task? source = null) : IBodyCheck
{
    /// <inheritdoc />
    public ChecksumAlgorithm Algorithm => algorithm;

    /// <inheritdoc />
    public bool NeedsSha256 => false;

    /// <inheritdoc />
    public async ValueTask<KeyValuePair<string, string>?> VerifyAsync(ObjectHasher hasher, CancellationToken cancellationToken)
    {
        if (source is not null)
        {
            await source.ConfigureAwait(false);
        }

        return Computed(hasher);
    }

    /// <summary>The additional checksum as computed (algorithm name, base64), or null; the hasher must be finished.</summary>
    internal static KeyValuePair<string, string>? Computed(ObjectHasher hasher) =>
        hasher.Checksum == ChecksumAlgorithm.None ? null : new(Checksums.Name(hasher.Checksum), Convert.ToBase64String(hasher.GetChecksum(hasher.GetSha256())!));
}
