namespace Tessera.Store.Maintenance;

/// <summary>What is wrong with a fragment the scrubber found damaged.</summary>
public enum FragmentDamage
{
    /// <summary>
    /// The fragment is not there: never written (no disk recorded), its disk is unknown or failed, the file is absent,
    /// or its header is unreadable.
    /// </summary>
    Missing,

    /// <summary>The fragment is there but its header disagrees with the manifest or at least one block fails its checksum.</summary>
    Corrupt,
}
