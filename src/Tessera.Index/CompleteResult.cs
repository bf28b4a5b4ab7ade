namespace Tessera.Index;

/// <summary>Result of <see cref="IIndexStore.CompleteUpload"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Stored">When completed: the manifest as stored, with the sequence and version id the index assigned.</param>
/// <param name="Replaced">When completed: the version this write replaced and dropped (the old <c>null</c> version), if any.</param>
/// <param name="InvalidPartNumber">When <see cref="CompleteStatus.InvalidPart"/>: the first listed part number that is not the stored part.</param>
public readonly record struct CompleteResult(CompleteStatus Status, ObjectManifest? Stored = null, ObjectManifest? Replaced = null, int InvalidPartNumber = 0);
