using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// GetBucketVersioning and PutBucketVersioning: <c>/bucket?versioning</c>. A bucket never versioned answers an empty
/// configuration; once enabled it can only be suspended, never return to unversioned (as in S3).
/// </summary>
internal static class BucketVersioning
{
    public static Task GetAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("VersioningConfiguration", S3Xml.Namespace);
            if (bucket.Versioning != VersioningState.Unversioned)
            {
                w.WriteElementString("Status", bucket.Versioning.ToString());
            }

            w.WriteEndElement();
        });
    }

    public static async Task PutAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var root = await RequestBody.ReadXmlAsync(r, 64 * 1024, required: true).ConfigureAwait(false);
        if (root!.Name.LocalName != "VersioningConfiguration")
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        if (S3Xml.ChildValue(root, "MfaDelete") is "Enabled")
        {
            throw new S3Exception(S3Errors.NotImplemented, "MFA Delete is not implemented.");
        }

        var state = S3Xml.ChildValue(root, "Status") switch
        {
            "Enabled" => VersioningState.Enabled,
            "Suspended" => VersioningState.Suspended,
            null => bucket.Versioning,
            _ => throw new S3Exception(S3Errors.MalformedXML),
        };
        if (state != bucket.Versioning && !r.Store.Index.UpdateBucket(bucket with { Versioning = state }))
        {
            throw r.Error(S3Errors.NoSuchBucket);
        }

        r.Response.StatusCode = 200;
        r.Response.ContentLength = 0;
    }
}
