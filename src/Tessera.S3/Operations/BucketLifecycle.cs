using System.Collections.Concurrent;
using System.Text;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.Index.Lifecycle;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration and DeleteBucketLifecycle: <c>/bucket?lifecycle</c>
/// (the deprecated PutBucketLifecycle and GetBucketLifecycle use the same address, and their legacy top-level
/// <c>Prefix</c> is part of the grammar). The configuration is validated by <see cref="LifecycleXml.Parse"/> and kept
/// with the bucket record in its canonical form; GET returns that form. The <c>x-amz-expiration</c> header of object
/// reads and writes comes from <see cref="ExpirationHeader"/>.
/// </summary>
internal static class BucketLifecycle
{
    /// <summary>The request and response header of the minimum-size behaviour of transitions.</summary>
    private const string MinimumSizeHeader = "x-amz-transition-default-minimum-object-size";

    /// <summary>
    /// The largest request document. Larger than the stored bound (<see cref="LifecycleXml.MaxStoredBytes"/>) because a
    /// client's document may carry whitespace and namespace prefixes the canonical form drops.
    /// </summary>
    private const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>Parsed configurations by stored text, so that object reads do not parse XML on every request.</summary>
    private static readonly ConcurrentDictionary<string, LifecycleConfiguration> Parsed = new(StringComparer.Ordinal);

    public static async Task PutAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var root = await RequestBody.ReadXmlAsync(r, MaxDocumentBytes, required: true, integrityRequired: true).ConfigureAwait(false);
        var configuration = LifecycleXml.Parse(root!, r.Header(MinimumSizeHeader));
        var stored = LifecycleXml.ToStored(configuration);
        if (Encoding.UTF8.GetByteCount(stored) > LifecycleXml.MaxStoredBytes)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "The lifecycle configuration is larger than 512 KiB.");
        }

        if (!r.Store.Index.UpdateBucket(bucket with { Lifecycle = stored }))
        {
            throw r.Error(S3Errors.NoSuchBucket);
        }

        r.Response.Headers[MinimumSizeHeader] = configuration.TransitionDefaultMinimumObjectSize;
        r.Response.StatusCode = 200;
        r.Response.ContentLength = 0;
    }

    public static Task GetAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var configuration = Of(bucket) ?? throw r.Error(S3Errors.NoSuchLifecycleConfiguration);
        r.Response.Headers[MinimumSizeHeader] = configuration.TransitionDefaultMinimumObjectSize;
        return S3Xml.WriteAsync(r.Response, 200, w => LifecycleXml.Write(w, configuration));
    }

    public static Task DeleteAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        if (bucket.Lifecycle is not null && !r.Store.Index.UpdateBucket(bucket with { Lifecycle = null }))
        {
            throw r.Error(S3Errors.NoSuchBucket);
        }

        r.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    /// <summary>The bucket's lifecycle configuration, or null.</summary>
    public static LifecycleConfiguration? Of(BucketInfo bucket)
    {
        if (bucket.Lifecycle is not { } stored)
        {
            return null;
        }

        if (Parsed.TryGetValue(stored, out var configuration))
        {
            return configuration;
        }

        if (Parsed.Count >= 256)
        {
            // Bounded: configurations that were replaced are dropped wholesale rather than tracked.
            Parsed.Clear();
        }

        return Parsed[stored] = LifecycleXml.FromStored(stored);
    }

    /// <summary>
    /// Sets <c>x-amz-expiration</c> (<c>expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="…"</c>, the id
    /// URL-encoded) when an enabled rule will expire <paramref name="manifest"/>: the current version by Expiration; a
    /// version read by id (<c>?versionId=</c>) as the index holds it now, so the current one by Expiration as without
    /// the id, a noncurrent one by NoncurrentVersionExpiration counted from when it became noncurrent
    /// (<see cref="LifecycleVersionWalk.Find"/>, as the lifecycle worker counts it). See
    /// <see cref="LifecycleEvaluator.Expiry"/>.
    /// </summary>
    public static void ExpirationHeader(S3Request r, BucketInfo bucket, ObjectManifest manifest)
    {
        if (Of(bucket) is not { } configuration)
        {
            return;
        }

        var subject = r.VersionIdQuery() is null
            ? LifecycleVersionWalk.Current(manifest)
            : LifecycleVersionWalk.Find(r.Store.Index, bucket.Name, manifest.Key, manifest.VersionId);
        if (subject is not null && LifecycleEvaluator.Expiry(configuration, subject, r.Services.Options.LifecycleDay) is { } expiry)
        {
            r.Response.Headers["x-amz-expiration"] = Format(expiry);
        }
    }

    /// <summary>S3's <c>x-amz-expiration</c> value.</summary>
    internal static string Format(LifecycleExpiry expiry) =>
        $"expiry-date=\"{expiry.Date.UtcDateTime:R}\", rule-id=\"{Uri.EscapeDataString(expiry.RuleId)}\"";
}
