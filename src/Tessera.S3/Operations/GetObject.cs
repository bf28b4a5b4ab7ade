using System.Globalization;
using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.Store;

namespace Tessera.S3.Operations;

/// <summary>
/// GetObject and HeadObject: <c>GET|HEAD /bucket/key</c> with Range or partNumber, conditional headers,
/// response-* overrides and x-amz-checksum-mode. The body streams stripe by stripe from the fragments.
/// </summary>
internal static class GetObject
{
    private static readonly (string Query, string Header)[] Overrides =
    [
        ("response-content-type", "Content-Type"),
        ("response-content-language", "Content-Language"),
        ("response-expires", "Expires"),
        ("response-cache-control", "Cache-Control"),
        ("response-content-disposition", "Content-Disposition"),
        ("response-content-encoding", "Content-Encoding"),
    ];

    public static async Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var head = HttpMethods.IsHead(r.Request.Method);
        var versionId = r.VersionIdQuery();
        var manifest = r.Store.Index.GetObject(r.Bucket, r.Key, versionId, includeDeleteMarker: true)
            ?? throw (versionId is null ? r.Error(S3Errors.NoSuchKey) : r.Error(S3Errors.NoSuchVersion));
        if (manifest.IsDeleteMarker)
        {
            // The current version is a delete marker: 404 NoSuchKey; asked for by id: 405, as S3 answers.
            var error = versionId is null ? r.Error(S3Errors.NoSuchKey) : r.Error(S3Errors.MethodNotAllowed);
            throw new S3Exception(error.Error, error.Message)
            {
                Details = error.Details,
                Headers = [new("x-amz-delete-marker", "true"), new("x-amz-version-id", manifest.VersionId), new("Last-Modified", manifest.LastModified.ToString("R"))],
            };
        }

        foreach (var (query, _) in Overrides)
        {
            if (r.Query(query) is { } value)
            {
                HeaderValues.RequireOverride(query, value);
            }
        }

        // Archived without a restored copy: GET is InvalidObjectState; HEAD answers (with x-amz-restore).
        var bytes = head ? manifest : ArchiveAccess.ForRead(r, r.Bucket, manifest);
        CheckConditions(r, manifest);

        long start = 0, end = manifest.Size - 1;
        var partial = false;
        var partNumber = r.Query("partNumber");
        var range = r.Header("Range");
        if (partNumber is not null)
        {
            if (range is not null)
            {
                throw new S3Exception(S3Errors.InvalidRequest, "Cannot specify both Range header and partNumber query parameter");
            }

            (start, end) = PartRange(manifest, partNumber);
            partial = true;
        }
        else
        {
            switch (HttpRange.Resolve(range, manifest.Size, out start, out end))
            {
                case HttpRange.Kind.Unsatisfiable:
                    throw new S3Exception(S3Errors.InvalidRange)
                    {
                        Details = [new("RangeRequested", range!), new("ActualObjectSize", manifest.Size.ToString(CultureInfo.InvariantCulture))],
                    };
                case HttpRange.Kind.Range:
                    partial = true;
                    break;
            }
        }

        var response = r.Response;
        ObjectHeaders.WriteResponseHeaders(response, manifest, bucket.Versioning != VersioningState.Unversioned);
        BucketLifecycle.ExpirationHeader(r, bucket, manifest);
        ArchiveAccess.RestoreHeader(r, manifest);
        foreach (var (query, header) in Overrides)
        {
            if (r.Query(query) is { } value)
            {
                response.Headers[header] = value;
            }
        }

        if (!partial && string.Equals(r.Header("x-amz-checksum-mode"), "ENABLED", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var (algorithm, value) in manifest.Checksums)
            {
                response.Headers["x-amz-checksum-" + algorithm.ToLowerInvariant()] = value;
                response.Headers["x-amz-checksum-type"] = ChecksumTypes.Of(value);
            }
        }

        if (IsMultipart(manifest))
        {
            response.Headers["x-amz-mp-parts-count"] = manifest.Segments.Count.ToString(CultureInfo.InvariantCulture);
        }

        var length = manifest.Size == 0 ? 0 : end - start + 1;
        response.StatusCode = partial ? 206 : 200;
        if (partial)
        {
            response.Headers.ContentRange = $"bytes {start}-{end}/{manifest.Size}";
        }

        response.ContentLength = length;
        if (head || length == 0)
        {
            return;
        }

        await ObjectReader.CopyToAsync(r.Store, r.Bucket, bytes, start, length, r.Response.Body, r.Aborted).ConfigureAwait(false);
    }

    private static (long Start, long End) PartRange(ObjectManifest manifest, string partNumber)
    {
        if (!int.TryParse(partNumber, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 10000)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive");
        }

        if (!IsMultipart(manifest))
        {
            return n == 1 ? (0, manifest.Size - 1) : throw new S3Exception(S3Errors.InvalidPartNumber);
        }

        long offset = 0;
        foreach (var segment in manifest.Segments)
        {
            if (segment.PartNumber == n)
            {
                return (offset, offset + segment.Size - 1);
            }

            offset += segment.Size;
        }

        throw new S3Exception(S3Errors.InvalidPartNumber);
    }

    /// <summary>An object completed from a multipart upload: its segments carry part numbers.</summary>
    private static bool IsMultipart(ObjectManifest manifest) => manifest.Segments.Count > 0 && manifest.Segments[0].PartNumber > 0;

    /// <summary>
    /// RFC 7232 as S3 applies it: If-Match (412) takes precedence over If-Unmodified-Since, If-None-Match (304)
    /// over If-Modified-Since. Dates compare at one-second precision.
    /// </summary>
    private static void CheckConditions(S3Request r, ObjectManifest m)
    {
        var etag = "\"" + m.ETag + "\"";
        var modified = m.LastModified.ToUnixTimeSeconds();
        var ifMatch = r.Header("If-Match");
        var ifNoneMatch = r.Header("If-None-Match");
        if (ifMatch is not null)
        {
            if (!ETagMatches(ifMatch, m.ETag))
            {
                throw new S3Exception(S3Errors.PreconditionFailed) { Details = [new("Condition", "If-Match")] };
            }
        }
        else if (ParseDate(r.Header("If-Unmodified-Since")) is { } unmodifiedSince && modified > unmodifiedSince)
        {
            throw new S3Exception(S3Errors.PreconditionFailed) { Details = [new("Condition", "If-Unmodified-Since")] };
        }

        if (ifNoneMatch is not null)
        {
            if (ETagMatches(ifNoneMatch, m.ETag))
            {
                throw NotModified(etag, m);
            }
        }
        else if (ParseDate(r.Header("If-Modified-Since")) is { } modifiedSince && modified <= modifiedSince)
        {
            throw NotModified(etag, m);
        }
    }

    private static S3Exception NotModified(string etag, ObjectManifest m) =>
        new(S3Errors.NotModified) { Headers = [new("ETag", etag), new("Last-Modified", m.LastModified.ToString("R"))] };

    /// <summary>True when a list of entity tags (or <c>*</c>) names <paramref name="etag"/>.</summary>
    public static bool ETagMatches(string header, string etag)
    {
        foreach (var part in header.Split(','))
        {
            var candidate = part.Trim();
            if (candidate == "*" || candidate.Trim('"') == etag || (candidate.StartsWith("W/", StringComparison.Ordinal) && candidate[2..].Trim('"') == etag))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses an HTTP date into Unix seconds; an unparsable date is ignored, as S3 does.</summary>
    public static long? ParseDate(string? value) =>
        value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date.ToUnixTimeSeconds()
            : null;
}
