using Tessera.Storage;

namespace Tessera.Store.Maintenance;

/// <summary>One damaged fragment of a referenced segment, as the scrubber found it (input for repair).</summary>
/// <param name="Fragment">The segment and shard index.</param>
/// <param name="Disk">The disk the manifest records for the shard (empty when none was recorded).</param>
/// <param name="Damage">Missing or corrupt.</param>
public readonly record struct DamagedFragment(FragmentId Fragment, string Disk, FragmentDamage Damage);
