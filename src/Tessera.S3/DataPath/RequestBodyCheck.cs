using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.S3.Auth;
using Tessera.S3.Gateway;
using Tessera.Store;

namespace Tessera.S3.DataPath;

/// <summary>
/// The digests a request body must match (<see cref="RequestDigests"/>), as the write path's check: for an aws-chunked
/// body it first reads the decoder through the final chunk, so the trailer (its checksum, its signature) is read and
/// checked, and bytes past the declared length are refused.
/// </summary>
internal sealed class RequestBodyCheck(RequestDigests digests, AwsChunkedStream? chunked) : IBodyCheck
{
    /// <inheritdoc />
    public ChecksumAlgorithm Algorithm => digests.Algorithm;

    /// <inheritdoc />
    public bool NeedsSha256 => digests.PayloadSha256Hex is not null;

    /// <inheritdoc />
    public async ValueTask<KeyValuePair<string, string>?> VerifyAsync(ObjectHasher hasher, CancellationToken cancellationToken)
    {
        if (chunked is not null)
        {
            var probe = new byte[1];
            if (await chunked.ReadAsync(probe, cancellationToken).ConfigureAwait(false) != 0)
            {
                throw new S3Exception(S3Errors.IncompleteBody, "The request body is longer than x-amz-decoded-content-length.");
            }
        }

        return digests.Verify(hasher, chunked);
    }
}
