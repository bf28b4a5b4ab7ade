using System.Globalization;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.Store;

namespace Tessera.S3.Operations;

/// <summary>
/// Reads of archived versions (GLACIER, DEEP_ARCHIVE): their bytes are read from the restored copy, and without one
/// GET and copies answer 403 InvalidObjectState, as S3 does; <c>x-amz-restore</c> on GET and HEAD.
/// </summary>
internal static class ArchiveAccess
{
    /// <summary>
    /// The manifest whose segments hold <paramref name="version"/>'s bytes: the version itself, or for an archived one
    /// the version with its restored copy's segments. Throws InvalidObjectState (with the StorageClass, as S3's error
    /// document has it) for an archived version without a readable copy; one whose copy has expired is dropped now.
    /// </summary>
    public static ObjectManifest ForRead(S3Request r, string bucket, ObjectManifest version)
    {
        if (!ObjectRestorer.IsArchived(version.StorageClass))
        {
            return version;
        }

        if (version.Restore is { } restore && restore.IsReadable(r.Store.Time.GetUtcNow()))
        {
            return version with { Segments = restore.Segments, Restore = null };
        }

        r.Services.Restorer.ExpireIfDue(bucket, version);
        throw new S3Exception(S3Errors.InvalidObjectState, "The operation is not valid for the object's storage class")
        {
            Details = [new("StorageClass", version.StorageClass)],
        };
    }

    /// <summary>
    /// <c>x-amz-restore</c>: <c>ongoing-request="true"</c> while a restore runs, <c>ongoing-request="false",
    /// expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"</c> while the copy lasts; nothing otherwise.
    /// </summary>
    public static void RestoreHeader(S3Request r, ObjectManifest version)
    {
        switch (version.Restore)
        {
            case { Ongoing: true }:
                r.Response.Headers["x-amz-restore"] = "ongoing-request=\"true\"";
                break;
            case { Expiry: { } expiry } when expiry > r.Store.Time.GetUtcNow():
                r.Response.Headers["x-amz-restore"] = "ongoing-request=\"false\", expiry-date=\""
                    + expiry.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture) + "\"";
                break;
        }
    }
}
