using Google.Protobuf;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>A version record as stored: the manifest (segments included), its chunk set when it is in the chunked form, and its bytes.</summary>
/// <param name="Manifest">The version, with all its segments.</param>
/// <param name="Set">The chunk set holding its segments, or null when they are in the record.</param>
/// <param name="Raw">The record's bytes (what a latest pointer copies).</param>
internal sealed record StoredVersion(ObjectManifest Manifest, Guid? Set, ByteString Raw);
