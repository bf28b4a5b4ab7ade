using System.Xml;
using Tessera.Core.Errors;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// The bucket configurations Tessera has no way to set yet, read as Amazon S3 reads a bucket that never had them:
/// CORS, policy, encryption, website, Object Lock, replication, public access block, ownership controls
/// and bucket tags answer their "not configured" 404 errors, logging, notification, accelerate and request payment
/// their empty or default documents. Tools that read a bucket's whole configuration (Terraform's AWS provider,
/// s3fs, backup tools) then see a plain bucket instead of 501 NotImplemented; setting any of them stays 501.
/// Also the ACLs: every bucket and object is private to its owner, so GetBucketAcl and GetObjectAcl return the
/// owner's FULL_CONTROL grant, and PutBucketAcl and PutObjectAcl accept the private canned ACL (as MinIO does).
/// </summary>
internal static class BucketConfiguration
{
    private const string XsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>The "never configured" error for each sub-resource that has one.</summary>
    private static readonly Dictionary<string, S3Error> NotConfigured = new(StringComparer.Ordinal)
    {
        ["cors"] = S3Errors.NoSuchCORSConfiguration,
        ["policy"] = S3Errors.NoSuchBucketPolicy,
        ["encryption"] = S3Errors.ServerSideEncryptionConfigurationNotFoundError,
        ["website"] = S3Errors.NoSuchWebsiteConfiguration,
        ["object-lock"] = S3Errors.ObjectLockConfigurationNotFoundError,
        ["replication"] = S3Errors.ReplicationConfigurationNotFoundError,
        ["publicAccessBlock"] = S3Errors.NoSuchPublicAccessBlockConfiguration,
        ["ownershipControls"] = S3Errors.OwnershipControlsNotFoundError,
        ["tagging"] = S3Errors.NoSuchTagSet,
    };

    /// <summary>The sub-resources whose GET on a bucket this class answers.</summary>
    public static bool Serves(string subResource) =>
        NotConfigured.ContainsKey(subResource) || subResource is "logging" or "notification" or "accelerate" or "requestPayment" or "acl";

    /// <summary>GET /bucket?sub-resource.</summary>
    public static Task GetAsync(S3Request r, string subResource)
    {
        r.RequireOwnedBucket();
        if (NotConfigured.TryGetValue(subResource, out var error))
        {
            throw r.Error(error);
        }

        return subResource switch
        {
            "logging" => Empty(r, "BucketLoggingStatus"),
            "notification" => Empty(r, "NotificationConfiguration"),
            "accelerate" => Empty(r, "AccelerateConfiguration"),
            "requestPayment" => S3Xml.WriteAsync(r.Response, 200, w =>
            {
                w.WriteStartElement("RequestPaymentConfiguration", S3Xml.Namespace);
                w.WriteElementString("Payer", "BucketOwner");
                w.WriteEndElement();
            }),
            _ => WriteAclAsync(r),
        };
    }

    /// <summary>GET /bucket/key?acl: the owner's FULL_CONTROL, for an object (or version) that exists.</summary>
    public static Task GetObjectAclAsync(S3Request r)
    {
        r.RequireObject();
        return WriteAclAsync(r);
    }

    /// <summary>PUT /bucket?acl and PUT /bucket/key?acl: the private ACL only.</summary>
    public static async Task PutAclAsync(S3Request r)
    {
        if (r.RequestedKey is null)
        {
            r.RequireOwnedBucket();
        }
        else
        {
            r.RequireObject();
        }

        var canned = r.Header("x-amz-acl");
        if (canned is not null)
        {
            if (canned != "private")
            {
                throw new S3Exception(S3Errors.NotImplemented, "Only the private canned ACL is supported.");
            }
        }
        else
        {
            // An AccessControlPolicy body is the private ACL when its only grant is the owner's FULL_CONTROL.
            var root = await RequestBody.ReadXmlAsync(r, 64 * 1024, required: true).ConfigureAwait(false);
            var grants = root!.Name.LocalName == "AccessControlPolicy"
                ? S3Xml.Children(root, "AccessControlList").SelectMany(l => S3Xml.Children(l, "Grant")).ToList()
                : throw new S3Exception(S3Errors.MalformedXML);
            var ownerOnly = grants.Count == 1
                && S3Xml.ChildValue(grants[0], "Permission") == "FULL_CONTROL"
                && S3Xml.Children(grants[0], "Grantee").FirstOrDefault() is { } grantee
                && S3Xml.ChildValue(grantee, "ID") == r.User.CanonicalId;
            if (!ownerOnly)
            {
                throw new S3Exception(S3Errors.NotImplemented, "Only the private ACL (the owner's FULL_CONTROL) is supported.");
            }
        }

        r.Response.StatusCode = 200;
        r.Response.ContentLength = 0;
    }

    private static Task Empty(S3Request r, string element) => S3Xml.WriteAsync(r.Response, 200, w =>
    {
        w.WriteStartElement(element, S3Xml.Namespace);
        w.WriteEndElement();
    });

    private static Task WriteAclAsync(S3Request r) => S3Xml.WriteAsync(r.Response, 200, w =>
    {
        w.WriteStartElement("AccessControlPolicy", S3Xml.Namespace);
        WriteOwner(w, r);
        w.WriteStartElement("AccessControlList");
        w.WriteStartElement("Grant");
        w.WriteStartElement("Grantee");
        w.WriteAttributeString("xmlns", "xsi", null, XsiNamespace);
        w.WriteAttributeString("xsi", "type", XsiNamespace, "CanonicalUser");
        w.WriteElementString("ID", r.User.CanonicalId);
        w.WriteElementString("DisplayName", r.User.DisplayName);
        w.WriteEndElement();
        w.WriteElementString("Permission", "FULL_CONTROL");
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndElement();
    });

    private static void WriteOwner(XmlWriter w, S3Request r)
    {
        w.WriteStartElement("Owner");
        w.WriteElementString("ID", r.User.CanonicalId);
        w.WriteElementString("DisplayName", r.User.DisplayName);
        w.WriteEndElement();
    }
}
