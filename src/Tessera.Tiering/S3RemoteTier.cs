using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Storage;
using Tessera.Store.Tiering;

namespace Tessera.Tiering;

/// <summary>
/// A remote tier on an S3-compatible store (Amazon S3, MinIO, another Tessera), through the AWS SDK at its default
/// settings but for path-style addressing and a bounded number of retries. Remote objects are
/// <c>{prefix}{segment id as 32 hex digits}</c>; puts carry Content-MD5 so the remote store refuses bytes that are not
/// the segment's, and reads are conditional on that ETag (If-Match), so a remote object replaced behind the store's
/// back is refused rather than served.
/// </summary>
public sealed class S3RemoteTier : IRemoteTier, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly TierOptions _options;

    /// <summary>Creates the tier's client (no request is made until the tier is used).</summary>
    public S3RemoteTier(TierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), new AmazonS3Config
        {
            ServiceURL = options.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = options.Region,
            MaxErrorRetry = 2,
            Timeout = TimeSpan.FromMinutes(10),
        });
    }

    /// <inheritdoc/>
    public string Name => _options.Name;

    /// <summary>The tier's settings.</summary>
    public TierOptions Options => _options;

    /// <summary>The remote object name of <paramref name="segment"/>.</summary>
    public string ObjectName(Guid segment) => _options.Prefix + segment.ToString("N");

    /// <inheritdoc/>
    public async Task PutAsync(Guid segment, Stream source, long length, string? md5Hex, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = ObjectName(segment),
            InputStream = source,
            AutoCloseStream = false,
            ContentType = "application/octet-stream",
        };
        request.Headers.ContentLength = length;
        if (md5Hex is not null)
        {
            request.MD5Digest = Convert.ToBase64String(Convert.FromHexString(md5Hex));
        }

        await CallAsync("PUT", segment, () => _client.PutObjectAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenReadAsync(Guid segment, string? md5Hex, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
        {
            return Stream.Null; // S3 has no empty range; nothing to ask for.
        }

        var request = new GetObjectRequest { BucketName = _options.Bucket, Key = ObjectName(segment), ByteRange = new ByteRange(offset, offset + length - 1) };
        if (md5Hex is not null)
        {
            request.EtagToMatch = "\"" + md5Hex.ToLowerInvariant() + "\"";
        }

        var response = await CallAsync("GET", segment, () => _client.GetObjectAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        return response.ResponseStream;
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(Guid segment, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync("DELETE", segment, () => _client.DeleteObjectAsync(_options.Bucket, ObjectName(segment), cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound, ErrorCode: "NoSuchKey" })
        {
            // Already gone.
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<(Guid Segment, DateTimeOffset LastModified)> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _options.Prefix };
        while (true)
        {
            var page = await CallAsync("LIST", Guid.Empty, () => _client.ListObjectsV2Async(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.S3Objects ?? [])
            {
                var name = entry.Key.AsSpan(_options.Prefix.Length);
                if (name.Length == 32 && Guid.TryParseExact(name, "N", out var segment) && entry.LastModified is { } modified)
                {
                    yield return (segment, new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero));
                }
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    /// <summary>Runs one SDK call; every way the tier can fail becomes <see cref="StorageUnavailableException"/>.</summary>
    private async Task<T> CallAsync<T>(string what, Guid segment, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException or OperationCanceledException)
        {
            var detail = e is AmazonServiceException service
                ? string.Create(CultureInfo.InvariantCulture, $"{(int)service.StatusCode} {service.ErrorCode}")
                : e.GetBaseException().Message;
            var target = segment == Guid.Empty ? _options.Bucket + "/" + _options.Prefix : ObjectName(segment);
            throw new StorageUnavailableException($"The remote tier '{Name}' failed a {what} of {target}: {detail}.", e);
        }
    }
}
