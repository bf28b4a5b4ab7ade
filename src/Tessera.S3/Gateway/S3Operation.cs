namespace Tessera.S3.Gateway;

/// <summary>
/// The S3 operations Tessera serves, named as the AWS API reference names them. The router (<see cref="S3Routing.Resolve"/>)
/// turns method, path and query into one; dispatch, logs, request counters, the admin view and the compatibility table
/// (checked by DocsTests) all use it. An operation not listed here answers 501 NotImplemented.
/// </summary>
public enum S3Operation
{
    /// <summary>GET /.</summary>
    ListBuckets,

    /// <summary>PUT /bucket.</summary>
    CreateBucket,

    /// <summary>HEAD /bucket.</summary>
    HeadBucket,

    /// <summary>DELETE /bucket.</summary>
    DeleteBucket,

    /// <summary>GET /bucket?location.</summary>
    GetBucketLocation,

    /// <summary>GET /bucket?versioning.</summary>
    GetBucketVersioning,

    /// <summary>PUT /bucket?versioning.</summary>
    PutBucketVersioning,

    /// <summary>GET /bucket?versions.</summary>
    ListObjectVersions,

    /// <summary>POST /bucket/key?uploads.</summary>
    CreateMultipartUpload,

    /// <summary>PUT /bucket/key?partNumber&amp;uploadId.</summary>
    UploadPart,

    /// <summary>PUT /bucket/key?partNumber&amp;uploadId with x-amz-copy-source.</summary>
    UploadPartCopy,

    /// <summary>POST /bucket/key?uploadId.</summary>
    CompleteMultipartUpload,

    /// <summary>DELETE /bucket/key?uploadId.</summary>
    AbortMultipartUpload,

    /// <summary>GET /bucket/key?uploadId.</summary>
    ListParts,

    /// <summary>GET /bucket?uploads.</summary>
    ListMultipartUploads,

    /// <summary>GET /bucket.</summary>
    ListObjects,

    /// <summary>GET /bucket?list-type=2.</summary>
    ListObjectsV2,

    /// <summary>POST /bucket?delete.</summary>
    DeleteObjects,

    /// <summary>PUT /bucket/key.</summary>
    PutObject,

    /// <summary>POST /bucket with a multipart/form-data body.</summary>
    PostObject,

    /// <summary>GET /bucket/key.</summary>
    GetObject,

    /// <summary>HEAD /bucket/key.</summary>
    HeadObject,

    /// <summary>GET /bucket/key?attributes.</summary>
    GetObjectAttributes,

    /// <summary>DELETE /bucket/key.</summary>
    DeleteObject,

    /// <summary>PUT /bucket/key with x-amz-copy-source.</summary>
    CopyObject,

    /// <summary>GET /bucket/key?tagging.</summary>
    GetObjectTagging,

    /// <summary>PUT /bucket/key?tagging.</summary>
    PutObjectTagging,

    /// <summary>DELETE /bucket/key?tagging.</summary>
    DeleteObjectTagging,

    /// <summary>GET /bucket?acl.</summary>
    GetBucketAcl,

    /// <summary>PUT /bucket?acl.</summary>
    PutBucketAcl,

    /// <summary>GET /bucket/key?acl.</summary>
    GetObjectAcl,

    /// <summary>PUT /bucket/key?acl.</summary>
    PutObjectAcl,

    /// <summary>GET /bucket?cors.</summary>
    GetBucketCors,

    /// <summary>GET /bucket?policy.</summary>
    GetBucketPolicy,

    /// <summary>GET /bucket?lifecycle (also the deprecated GetBucketLifecycle).</summary>
    GetBucketLifecycleConfiguration,

    /// <summary>PUT /bucket?lifecycle (also the deprecated PutBucketLifecycle).</summary>
    PutBucketLifecycleConfiguration,

    /// <summary>DELETE /bucket?lifecycle.</summary>
    DeleteBucketLifecycle,

    /// <summary>POST /bucket/key?restore.</summary>
    RestoreObject,

    /// <summary>GET /bucket?encryption.</summary>
    GetBucketEncryption,

    /// <summary>GET /bucket?website.</summary>
    GetBucketWebsite,

    /// <summary>GET /bucket?object-lock.</summary>
    GetObjectLockConfiguration,

    /// <summary>GET /bucket?replication.</summary>
    GetBucketReplication,

    /// <summary>GET /bucket?publicAccessBlock.</summary>
    GetPublicAccessBlock,

    /// <summary>GET /bucket?ownershipControls.</summary>
    GetBucketOwnershipControls,

    /// <summary>GET /bucket?tagging.</summary>
    GetBucketTagging,

    /// <summary>GET /bucket?logging.</summary>
    GetBucketLogging,

    /// <summary>GET /bucket?notification.</summary>
    GetBucketNotificationConfiguration,

    /// <summary>GET /bucket?accelerate.</summary>
    GetBucketAccelerateConfiguration,

    /// <summary>GET /bucket?requestPayment.</summary>
    GetBucketRequestPayment,
}
