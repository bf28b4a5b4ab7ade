namespace Tessera.Store.Maintenance;

/// <summary>The outcome of checking one fragment.</summary>
/// <param name="Damage">Null when the fragment is whole.</param>
/// <param name="CorruptBlocks">Blocks that failed their checksum or could not be read.</param>
/// <param name="BytesVerified">Bytes of blocks whose checksum matched.</param>
internal readonly record struct FragmentCheck(FragmentDamage? Damage, int CorruptBlocks, long BytesVerified);
