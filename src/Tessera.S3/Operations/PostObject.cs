using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.S3.Auth;
using Tessera.S3.DataPath;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;
using Tessera.Store;

namespace Tessera.S3.Operations;

/// <summary>
/// POST Object: a browser-based upload, <c>POST /bucket</c> with a multipart/form-data body whose fields carry the
/// key, the object's attributes and a signed policy, and whose last part is the file. The signature covers the
/// policy (SigV4 or SigV2), the policy's conditions cover the other fields (<see cref="PostPolicy"/>), so the
/// request is authenticated from its body rather than its headers. Fields after the file are ignored, as S3 does.
/// </summary>
/// <remarks>
/// The file's length is known only at its closing boundary, and a segment's length must be known before its first
/// fragment is written, so the file is first copied to a temporary file (deleted on close): memory stays one
/// buffer, whatever the upload's size. Then it is written and committed like PutObject.
/// </remarks>
internal static class PostObject
{
    /// <summary>S3's limit on the form fields before the file (policy included).</summary>
    private const int MaxFieldBytes = 20 * 1024;

    /// <summary>Whether <paramref name="r"/> is a POST Object request: POST to a bucket with a form body.</summary>
    public static bool Matches(S3Request r) =>
        HttpMethods.IsPost(r.Request.Method) && r.RequestedBucket is not null && r.RequestedKey is null && !r.Request.QueryString.HasValue && !S3Gateway.IsAdminRequest(r)
        && (r.Request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) ?? false);

    public static async Task HandleAsync(S3Request r)
    {
        S3Routing.CheckBucketName(r);
        var boundary = Boundary(r.Request.ContentType!);
        var reader = new MultipartReader(boundary, r.Request.Body) { HeadersLengthLimit = 8 * 1024 };
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var fieldBytes = 0;
        MultipartSection? file = null;
        string? fileName = null;
        try
        {
            while (await reader.ReadNextSectionAsync(r.Aborted).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    throw new S3Exception(S3Errors.MalformedPOSTRequest);
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                if (name.Equals("file", StringComparison.OrdinalIgnoreCase))
                {
                    file = section;
                    fileName = HeaderUtilities.RemoveQuotes(disposition.FileName.HasValue ? disposition.FileName : disposition.FileNameStar).ToString();
                    break;
                }

                var value = await ReadFieldAsync(section, MaxFieldBytes - fieldBytes, r.Aborted).ConfigureAwait(false);
                fieldBytes += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
                if (!fields.TryAdd(name, value))
                {
                    throw new S3Exception(S3Errors.InvalidArgument, $"POST form field '{name}' appears more than once.");
                }
            }
        }
        catch (InvalidDataException)
        {
            throw new S3Exception(S3Errors.MalformedPOSTRequest);
        }

        if (file is null)
        {
            throw new S3Exception(S3Errors.IncorrectNumberOfFilesInPostRequest);
        }

        r.Auth = r.Services.Verifier.VerifyPostPolicy(fields);
        if (!r.Services.Users.TryGetUser(r.Auth.AccessKey, out var user))
        {
            throw new S3Exception(S3Errors.InvalidAccessKeyId);
        }

        r.User = user;
        var policy = PostPolicy.Parse(fields["policy"]);
        var key = SigV4Verifier.RequireField(fields, "key").Replace("${filename}", Path.GetFileName(fileName ?? ""), StringComparison.Ordinal);
        fields["key"] = key;
        fields["bucket"] = r.Bucket;
        policy.Check(fields, r.Store.Time.GetUtcNow());
        r.RequestedKey = key;
        S3Routing.CheckKey(r);
        var bucket = r.RequireOwnedBucket();

        await using var spool = BodySpool.Create();

        // Stops at the policy's largest size (or S3's), without spooling the rest.
        var limit = Math.Min(r.Services.Options.MaxObjectSize, policy.LengthRange?.Max ?? long.MaxValue);
        try
        {
            await BodySpool.FillAsync(file.Body, spool, limit, r.Store.Buffers, policy.CheckLength, r.Aborted).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            throw new S3Exception(S3Errors.MalformedPOSTRequest);
        }

        var length = spool.Length;
        policy.CheckLength(length);

        var template = Attributes(fields, new ObjectManifest { Key = key, VersionId = r.NewVersionId(bucket) }) with { Owner = r.User.AccessKey };
        var written = await ObjectUpload.CommitAsync(r, spool, length, template.StorageClass, new ComputedChecksum(ChecksumAlgorithm.None), new VersionTarget(bucket.Name, template)).ConfigureAwait(false);
        await RespondAsync(r, fields, bucket, written.Version!).ConfigureAwait(false);
    }

    private static string Boundary(string contentType)
    {
        var boundary = MediaTypeHeaderValue.TryParse(contentType, out var media) ? HeaderUtilities.RemoveQuotes(media.Boundary).ToString() : "";
        return boundary.Length is > 0 and <= 70 ? boundary : throw new S3Exception(S3Errors.MalformedPOSTRequest);
    }

    private static async Task<string> ReadFieldAsync(MultipartSection section, int budget, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await section.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > budget)
            {
                throw new S3Exception(S3Errors.MaxPostPreDataLengthExceededError);
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The object's attributes from the form fields, as PutObject takes them from headers.</summary>
    private static ObjectManifest Attributes(Dictionary<string, string> fields, ObjectManifest manifest)
    {
        var metadata = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in fields)
        {
            ObjectHeaders.AddMetadata(metadata, name, value);
        }

        var tags = Field(fields, "tagging") is { } tagging ? Tags(tagging) : [];
        return ObjectHeaders.WithAttributes(manifest, metadata, fields, static (f, name) => Field(f, name), Field(fields, "Content-Type")) with { Tags = tags };
    }

    private static string? Field(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>The <c>tagging</c> field: a Tagging XML document, as PutObjectTagging takes it.</summary>
    private static List<KeyValuePair<string, string>> Tags(string xml) => ObjectTagging.Parse(S3Xml.Parse(xml));

    /// <summary>success_action_redirect (303 to it), else success_action_status 200, 201 (XML) or 204 (the default).</summary>
    private static async Task RespondAsync(S3Request r, Dictionary<string, string> fields, BucketInfo bucket, ObjectManifest stored)
    {
        var etag = "\"" + stored.ETag + "\"";
        var location = $"{r.Request.Scheme}://{r.Request.Host}/{bucket.Name}/{Uri.EscapeDataString(stored.Key).Replace("%2F", "/", StringComparison.Ordinal)}";
        r.Response.Headers.ETag = etag;
        r.Response.Headers.Location = location;
        r.SetVersionHeader(bucket, stored.VersionId);
        var redirect = Field(fields, "success_action_redirect") ?? Field(fields, "redirect");
        if (redirect is not null && Uri.TryCreate(redirect, UriKind.Absolute, out var target) && target.Scheme is "http" or "https")
        {
            // The parsed URI's escaped form: the field as sent could hold a CR or LF, which would split the header.
            var escaped = target.AbsoluteUri;
            var query = $"bucket={Uri.EscapeDataString(bucket.Name)}&key={Uri.EscapeDataString(stored.Key)}&etag={Uri.EscapeDataString(etag)}";
            r.Response.StatusCode = 303;
            r.Response.Headers.Location = escaped + (escaped.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
            r.Response.ContentLength = 0;
            return;
        }

        switch (Field(fields, "success_action_status"))
        {
            case "200":
                r.Response.StatusCode = 200;
                r.Response.ContentLength = 0;
                break;
            case "201":
                await S3Xml.WriteAsync(r.Response, 201, w =>
                {
                    w.WriteStartElement("PostResponse");
                    w.WriteElementString("Location", location);
                    w.WriteElementString("Bucket", bucket.Name);
                    w.WriteElementString("Key", stored.Key);
                    w.WriteElementString("ETag", etag);
                    w.WriteEndElement();
                }).ConfigureAwait(false);
                break;
            default:
                r.Response.StatusCode = 204;
                break;
        }
    }
}
