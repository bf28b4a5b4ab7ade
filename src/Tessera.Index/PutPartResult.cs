namespace Tessera.Index;

/// <summary>Result of <see cref="IIndexStore.PutPart"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Replaced">The earlier part with the same number, whose segment was queued as garbage, if any.</param>
public readonly record struct PutPartResult(PutPartStatus Status, UploadPart? Replaced = null);
