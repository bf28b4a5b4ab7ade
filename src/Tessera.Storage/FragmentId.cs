namespace Tessera.Storage;

/// <summary>
/// Names one fragment file: the erasure-coded segment it belongs to (one per object part, a random 128-bit id that
/// is never derived from the key) and its shard index 0..k+m-1. Keys are data, never file names.
/// </summary>
/// <param name="Segment">The segment (object part) id.</param>
/// <param name="Index">The shard index within the segment's stripes: 0..k-1 data, k..k+m-1 parity.</param>
public readonly record struct FragmentId(Guid Segment, int Index)
{
    /// <summary>The file name of this fragment: 32 hex digits, a dot and the index (e.g. <c>0f3a…e1.4</c>).</summary>
    public override string ToString() => $"{Segment:N}.{Index}";

    /// <summary>Reads the canonical spelling written by <see cref="ToString"/>; false for anything else.</summary>
    /// <param name="text">The text.</param>
    /// <param name="id">The fragment it names.</param>
    public static bool TryParse(ReadOnlySpan<char> text, out FragmentId id) => FragmentFormat.TryParseFileName(text, out id);
}
