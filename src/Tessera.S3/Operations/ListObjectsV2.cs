using System.Globalization;
using System.Text;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// ListObjectsV2: <c>GET /bucket?list-type=2</c>. The continuation token is the base64 of the last key or common
/// prefix returned, so it stays valid across restarts and needs no server state.
/// </summary>
internal static class ListObjectsV2
{
    public static Task HandleAsync(S3Request r)
    {
        r.RequireOwnedBucket();
        var q = ListingRequest.Parse(r);
        var token = r.Query("continuation-token");
        var startAfter = r.Query("start-after");
        string? after = string.IsNullOrEmpty(startAfter) ? null : startAfter;
        if (!string.IsNullOrEmpty(token))
        {
            // An empty token is the first page, as S3 takes it (SDK paginators send one).
            after = DecodeToken(token);
        }

        var fetchOwner = string.Equals(r.Query("fetch-owner"), "true", StringComparison.OrdinalIgnoreCase);
        var page = r.Store.Index.ListObjects(r.Bucket, new ListObjectsQuery(q.Prefix, q.Delimiter, after, q.MaxKeys));
        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("ListBucketResult", S3Xml.Namespace);
            w.WriteElementString("Name", r.Bucket);
            w.WriteElementString("Prefix", q.Encode(q.Prefix));
            if (q.Delimiter is not null)
            {
                w.WriteElementString("Delimiter", q.Encode(q.Delimiter));
            }

            w.WriteElementString("MaxKeys", q.MaxKeys.ToString(CultureInfo.InvariantCulture));
            if (q.UrlEncode)
            {
                w.WriteElementString("EncodingType", "url");
            }

            w.WriteElementString("IsTruncated", page.IsTruncated ? "true" : "false");
            w.WriteElementString("KeyCount", (page.Objects.Count + page.CommonPrefixes.Count).ToString(CultureInfo.InvariantCulture));
            if (token is not null)
            {
                w.WriteElementString("ContinuationToken", token);
            }

            if (page.IsTruncated && page.NextMarker is not null)
            {
                w.WriteElementString("NextContinuationToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(page.NextMarker)));
            }

            if (startAfter is not null)
            {
                w.WriteElementString("StartAfter", q.Encode(startAfter));
            }

            q.WriteEntries(w, r, page, fetchOwner);
            w.WriteEndElement();
        });
    }

    private static string DecodeToken(string token)
    {
        try
        {
            var key = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (key.Length > 0)
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }

        throw new S3Exception(S3Errors.InvalidArgument, "The continuation token provided is incorrect");
    }
}
