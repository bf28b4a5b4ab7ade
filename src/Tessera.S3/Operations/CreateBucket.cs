using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>CreateBucket: <c>PUT /bucket</c> with an optional CreateBucketConfiguration body.</summary>
internal static class CreateBucket
{
    public static async Task HandleAsync(S3Request r)
    {
        var name = r.Bucket;
        if (!BucketNames.IsValid(name))
        {
            throw r.Error(S3Errors.InvalidBucketName);
        }

        var region = r.Services.Options.Region;
        var config = await RequestBody.ReadXmlAsync(r, 64 * 1024, required: false).ConfigureAwait(false);
        if (config is not null)
        {
            if (config.Name.LocalName != "CreateBucketConfiguration")
            {
                throw new S3Exception(S3Errors.MalformedXML);
            }

            var constraint = S3Xml.ChildValue(config, "LocationConstraint");
            if (!string.IsNullOrEmpty(constraint) && constraint != region)
            {
                throw new S3Exception(S3Errors.IllegalLocationConstraintException,
                    $"The {constraint} location constraint is incompatible for the region specific endpoint this request was sent to.");
            }
        }

        var (result, stored) = r.Store.Index.CreateBucket(
            new BucketInfo(name, r.User.AccessKey, r.Store.Time.GetUtcNow(), region, VersioningState.Unversioned));
        if (result == BucketCreateResult.Exists)
        {
            // S3's legacy behaviour in us-east-1: creating a bucket you already own there succeeds again (200, nothing
            // changed); in every other region it is BucketAlreadyOwnedByYou.
            if (stored.Owner != r.User.AccessKey)
            {
                throw r.Error(S3Errors.BucketAlreadyExists);
            }

            if (region != "us-east-1")
            {
                throw r.Error(S3Errors.BucketAlreadyOwnedByYou);
            }
        }

        r.Response.StatusCode = 200;
        r.Response.Headers.Location = "/" + name;
        r.Response.ContentLength = 0;
    }
}
