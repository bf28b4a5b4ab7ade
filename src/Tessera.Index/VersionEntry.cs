namespace Tessera.Index;

/// <summary>One version or delete marker in a <see cref="VersionListing"/>.</summary>
/// <param name="Manifest">The version (<see cref="ObjectManifest.IsDeleteMarker"/> tells a delete marker).</param>
/// <param name="IsLatest">It is the key's current version (the one its latest pointer holds).</param>
public sealed record VersionEntry(ObjectManifest Manifest, bool IsLatest);
