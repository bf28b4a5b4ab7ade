using Tessera.Index;

namespace Tessera.Store;

/// <summary>The result of an <see cref="ObjectWriter"/> write.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Segment">The segment written (its ETag is the hex MD5 of the bytes).</param>
/// <param name="Checksum">The additional checksum computed (algorithm name, base64), if any.</param>
/// <param name="Version">For a <see cref="VersionTarget"/> committed: the version as the index stored it.</param>
/// <param name="Part">For a <see cref="PartTarget"/> committed: the part as stored.</param>
public sealed record WriteResult(WriteOutcome Outcome, SegmentManifest Segment, KeyValuePair<string, string>? Checksum, ObjectManifest? Version = null, UploadPart? Part = null);
