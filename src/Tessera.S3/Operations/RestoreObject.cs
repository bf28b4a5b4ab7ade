using System.Globalization;
using System.Xml.Linq;
using Tessera.Core.Errors;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;
using Tessera.Store;

namespace Tessera.S3.Operations;

/// <summary>
/// RestoreObject: <c>POST /bucket/key?restore[&amp;versionId=]</c> with a <c>RestoreRequest</c> document. An archived
/// version (GLACIER, DEEP_ARCHIVE) gets a temporary STANDARD copy for Days lifecycle days, made in the background:
/// 202 Accepted when a restore starts, 200 OK when the copy is there (its expiry now counts Days from now), 409
/// RestoreAlreadyInProgress while one runs, 403 InvalidObjectState for a version in any other class.
/// </summary>
internal static class RestoreObject
{
    /// <summary>The largest request document read (S3's are a few hundred bytes).</summary>
    private const int MaxDocumentBytes = 64 * 1024;

    public static async Task HandleAsync(S3Request r)
    {
        r.RequireOwnedBucket();
        var versionId = r.VersionIdQuery();
        var root = await RequestBody.ReadXmlAsync(r, MaxDocumentBytes, required: true).ConfigureAwait(false);
        var request = Parse(root!);
        for (var attempt = 0; ; attempt++)
        {
            var version = r.Store.Index.GetObject(r.Bucket, r.Key, versionId, includeDeleteMarker: true)
                ?? throw (versionId is null ? r.Error(S3Errors.NoSuchKey) : r.Error(S3Errors.NoSuchVersion));
            if (version.IsDeleteMarker)
            {
                throw versionId is null ? r.Error(S3Errors.NoSuchKey) : r.Error(S3Errors.MethodNotAllowed);
            }

            if (!ObjectRestorer.IsArchived(version.StorageClass))
            {
                // What S3 answers for an object outside the archive classes (the SDKs model it as ObjectAlreadyInActiveTierError).
                throw new S3Exception(S3Errors.InvalidObjectState, "Restore is not allowed for the object's current storage class");
            }

            switch (r.Services.Restorer.Start(r.Bucket, version, request.Days, request.Tier))
            {
                case RestoreStart.Started:
                    r.Response.StatusCode = 202;
                    r.Response.ContentLength = 0;
                    return;
                case RestoreStart.Extended:
                    r.Response.StatusCode = 200;
                    r.Response.ContentLength = 0;
                    return;
                case RestoreStart.InProgress:
                    throw new S3Exception(S3Errors.RestoreAlreadyInProgress);
                case RestoreStart.Changed when attempt >= 8:
                    throw new S3Exception(S3Errors.ServiceUnavailable);
            }
        }
    }

    /// <summary>
    /// A <c>RestoreRequest</c> document: <c>Days</c> (an xsd:int of at least 1; required) and the retrieval tier
    /// (<c>GlacierJobParameters/Tier</c> or <c>Tier</c>: Standard, Bulk or Expedited; Standard when absent).
    /// MalformedXML for another root, an element S3's schema does not have, a repeated one, a missing or non-integer
    /// Days or an unknown tier; InvalidArgument for Days below 1; NotImplemented for SELECT restores and output
    /// locations (S3 no longer offers them to new customers).
    /// </summary>
    public static RestoreRequest Parse(XElement root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.Name.LocalName != "RestoreRequest")
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        string[] allowed = ["Days", "GlacierJobParameters", "Type", "Tier", "Description", "SelectParameters", "OutputLocation"];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in root.Elements())
        {
            if (!allowed.Contains(child.Name.LocalName) || !seen.Add(child.Name.LocalName))
            {
                throw new S3Exception(S3Errors.MalformedXML);
            }
        }

        if (S3Xml.ChildValue(root, "Type") is { } type)
        {
            throw type == "SELECT"
                ? new S3Exception(S3Errors.NotImplemented, "SELECT restores are not implemented.")
                : new S3Exception(S3Errors.MalformedXML);
        }

        if (seen.Contains("SelectParameters") || seen.Contains("OutputLocation"))
        {
            throw new S3Exception(S3Errors.NotImplemented, "Restores to an output location are not implemented.");
        }

        S3Xml.ChildValue(root, "Description");
        var tier = S3Xml.ChildValue(root, "Tier");
        if (S3Xml.Children(root, "GlacierJobParameters").FirstOrDefault() is { } job)
        {
            if (job.Elements().Any(e => e.Name.LocalName != "Tier") || job.Elements().Count() != 1 || tier is not null)
            {
                throw new S3Exception(S3Errors.MalformedXML);
            }

            tier = S3Xml.ChildValue(job, "Tier");
        }

        tier ??= "Standard";
        if (tier is not ("Standard" or "Bulk" or "Expedited"))
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        var text = S3Xml.ChildValue(root, "Days");
        if (text is null || !int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var days))
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        if (days < 1)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "The Days element must be a positive integer.") { Details = [new("ArgumentName", "Days"), new("ArgumentValue", text)] };
        }

        return new RestoreRequest(days, tier);
    }
}

/// <summary>A parsed <c>RestoreRequest</c>.</summary>
/// <param name="Days">How many lifecycle days the copy lasts.</param>
/// <param name="Tier">Standard, Bulk or Expedited.</param>
internal sealed record RestoreRequest(int Days, string Tier);
