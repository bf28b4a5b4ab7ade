using Mvccpb;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>An open upload as read: the upload, its sequence and its record (for the record's mod revision).</summary>
/// <param name="Upload">The upload.</param>
/// <param name="Sequence">Its sequence (the suffix of its <c>08 'U'</c> key).</param>
/// <param name="Record">The record as read.</param>
internal sealed record OpenUpload(MultipartUpload Upload, ulong Sequence, KeyValue Record);
