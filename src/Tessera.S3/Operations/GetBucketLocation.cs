using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>GetBucketLocation: <c>GET /bucket?location</c>. us-east-1 is the empty constraint, as in S3.</summary>
internal static class GetBucketLocation
{
    public static Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("LocationConstraint", S3Xml.Namespace);
            if (bucket.Region != "us-east-1")
            {
                w.WriteString(bucket.Region);
            }

            w.WriteEndElement();
        });
    }
}
