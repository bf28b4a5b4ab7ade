using System.Text;
using System.Web;
using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;

namespace Tessera.S3.Operations;

/// <summary>Reading the object attributes a write carries in headers, and writing them back on reads.</summary>
internal static class ObjectHeaders
{
    private const string MetaPrefix = "x-amz-meta-";
    private const int MaxMetadataBytes = 2 * 1024;

    private static readonly HashSet<string> StorageClasses = new(StringComparer.Ordinal)
    {
        "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
        "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE",
    };

    /// <summary>The content headers a write stores and a read returns, besides Content-Type.</summary>
    private static readonly string[] StoredHeaders = ["Content-Encoding", "Content-Disposition", "Content-Language", "Cache-Control", "Expires"];

    /// <summary>Copies content headers, user metadata and storage class from the request into <paramref name="manifest"/>.</summary>
    public static ObjectManifest WithRequestAttributes(ObjectManifest manifest, S3Request r)
    {
        var metadata = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in r.Request.Headers)
        {
            AddMetadata(metadata, name, values.ToString());
        }

        return WithAttributes(manifest, metadata, r, static (request, name) => request.Header(name), r.Request.ContentType);
    }

    /// <summary>Adds <paramref name="name"/> to <paramref name="metadata"/> when it is an <c>x-amz-meta-*</c> name (lower-cased, prefix removed).</summary>
    public static void AddMetadata(List<KeyValuePair<string, string>> metadata, string name, string value)
    {
        if (name.StartsWith(MetaPrefix, StringComparison.OrdinalIgnoreCase))
        {
            metadata.Add(new(name[MetaPrefix.Length..].ToLowerInvariant(), HeaderValues.FromRequest(value)));
        }
    }

    /// <summary>
    /// The attributes of a write from wherever it carries them (request headers, or the fields of a POST form):
    /// <paramref name="metadata"/> from <see cref="AddMetadata"/>, the rest looked up by header name in
    /// <paramref name="source"/> (a static lookup, so a PUT allocates no delegate).
    /// </summary>
    public static ObjectManifest WithAttributes<TSource>(ObjectManifest manifest, List<KeyValuePair<string, string>> metadata, TSource source, Func<TSource, string, string?> lookup, string? contentType)
    {
        string? get(string name) => lookup(source, name);

        var size = 0;
        foreach (var (key, value) in metadata)
        {
            // A POST form can carry what no header can (a CR, a space in a name): refused here, not failed on every GET.
            if (!HeaderValues.IsToken(key) || !HeaderValues.IsWritable(value))
            {
                throw new S3Exception(S3Errors.InvalidArgument, "User-defined metadata names must be HTTP tokens and values may not hold control characters.")
                {
                    Details = [new("ArgumentName", MetaPrefix + key)],
                };
            }

            size += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value);
        }

        foreach (var header in StoredHeaders)
        {
            if (get(header) is { } value && !HeaderValues.IsWritable(value))
            {
                throw new S3Exception(S3Errors.InvalidArgument, $"The {header} value may not hold control characters.") { Details = [new("ArgumentName", header)] };
            }
        }

        if (contentType is not null && !HeaderValues.IsWritable(contentType))
        {
            throw new S3Exception(S3Errors.InvalidArgument, "The Content-Type value may not hold control characters.") { Details = [new("ArgumentName", "Content-Type")] };
        }

        if (size > MaxMetadataBytes)
        {
            throw new S3Exception(S3Errors.MetadataTooLarge);
        }

        var storageClass = get("x-amz-storage-class");
        if (storageClass is not null && !StorageClasses.Contains(storageClass))
        {
            throw new S3Exception(S3Errors.InvalidStorageClass);
        }

        return manifest with
        {
            ContentType = contentType ?? "binary/octet-stream",
            ContentEncoding = NullIfEmpty(ContentCoding(get("Content-Encoding"))),
            ContentDisposition = NullIfEmpty(get("Content-Disposition")),
            ContentLanguage = NullIfEmpty(get("Content-Language")),
            CacheControl = NullIfEmpty(get("Cache-Control")),
            Expires = NullIfEmpty(get("Expires")),
            UserMetadata = metadata,
            StorageClass = storageClass ?? "STANDARD",
        };
    }

    /// <summary>Parses the <c>x-amz-tagging</c> header (URL query form) into validated tags.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseTaggingHeader(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return [];
        }

        var parsed = HttpUtility.ParseQueryString(header);
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var key in parsed.AllKeys)
        {
            if (key is null)
            {
                throw new S3Exception(S3Errors.InvalidTag, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.");
            }

            var values = parsed.GetValues(key) ?? [""];
            if (values.Length != 1)
            {
                throw new S3Exception(S3Errors.InvalidTag, "Cannot provide multiple Tags with the same key");
            }

            tags.Add(new(key, values[0]));
        }

        ValidateTags(tags);
        return tags;
    }

    /// <summary>S3's tag limits: at most 10, keys 1–128 characters, values up to 256, keys unique.</summary>
    public static void ValidateTags(IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        if (tags.Count > 10)
        {
            throw new S3Exception(S3Errors.InvalidTag, "Object tags cannot be greater than 10");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            if (key.Length is 0 or > 128)
            {
                throw new S3Exception(S3Errors.InvalidTag, "The TagKey you have provided is invalid");
            }

            if (value.Length > 256)
            {
                throw new S3Exception(S3Errors.InvalidTag, "The TagValue you have provided is invalid");
            }

            if (!seen.Add(key))
            {
                throw new S3Exception(S3Errors.InvalidTag, "Cannot provide multiple Tags with the same key");
            }
        }
    }

    /// <summary>Sets the headers of a GET or HEAD response from the manifest (before any response-* override).</summary>
    public static void WriteResponseHeaders(HttpResponse response, ObjectManifest m, bool versioned)
    {
        var h = response.Headers;
        h.ETag = "\"" + m.ETag + "\"";
        h.LastModified = m.LastModified.ToString("R");
        h.AcceptRanges = "bytes";
        h.ContentType = HeaderValues.Writable(m.ContentType ?? "binary/octet-stream");
        Set(h, "Content-Encoding", m.ContentEncoding);
        Set(h, "Content-Disposition", m.ContentDisposition);
        Set(h, "Content-Language", m.ContentLanguage);
        Set(h, "Cache-Control", m.CacheControl);
        Set(h, "Expires", m.Expires);
        foreach (var (name, value) in m.UserMetadata)
        {
            h[MetaPrefix + name] = HeaderValues.ForResponse(value);
        }

        if (m.StorageClass != "STANDARD")
        {
            h["x-amz-storage-class"] = m.StorageClass;
        }

        if (m.Tags.Count > 0)
        {
            h["x-amz-tagging-count"] = m.Tags.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (versioned)
        {
            h["x-amz-version-id"] = m.VersionId;
        }
    }

    private static void Set(IHeaderDictionary headers, string name, string? value)
    {
        if (value is not null)
        {
            headers[name] = HeaderValues.Writable(value);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>
    /// The content codings of a Content-Encoding header without <c>aws-chunked</c>, which names the transport of the
    /// request body, not the object: <c>gzip, aws-chunked</c> is stored as <c>gzip</c>, <c>aws-chunked</c> as none.
    /// </summary>
    private static string? ContentCoding(string? header)
    {
        if (header is null || !header.Contains("aws-chunked", StringComparison.OrdinalIgnoreCase))
        {
            return header;
        }

        return string.Join(", ", header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(c => !c.Equals("aws-chunked", StringComparison.OrdinalIgnoreCase)));
    }
}
