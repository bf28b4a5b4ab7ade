namespace Tessera.Index;

/// <summary>An open S3 multipart upload (CreateMultipartUpload until CompleteMultipartUpload or AbortMultipartUpload). Immutable.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The object key the upload will complete into.</param>
/// <param name="UploadId">The upload id the gateway generated (unique in the index; not empty, no U+0000).</param>
/// <param name="Initiated">When the upload was created.</param>
/// <param name="Owner">Access key of the initiator.</param>
/// <param name="Template">
/// The attributes given at CreateMultipartUpload, as a manifest: content headers, user metadata, tags, storage class,
/// the requested checksum algorithm in <see cref="ObjectManifest.Checksums"/> as a single (algorithm, "") pair or
/// empty, <see cref="ObjectManifest.Key"/> (equal to <paramref name="Key"/>) and the version id the gateway chose;
/// no segments.
/// </param>
public sealed record MultipartUpload(string Bucket, string Key, string UploadId, DateTimeOffset Initiated, string Owner, ObjectManifest Template);
