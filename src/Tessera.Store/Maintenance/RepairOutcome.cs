namespace Tessera.Store.Maintenance;

/// <summary>What one repair of a segment did.</summary>
public enum RepairOutcome
{
    /// <summary>Every fragment was in place and readable: nothing to do.</summary>
    Healthy,

    /// <summary>Every lost fragment was rebuilt (and moved ones committed at their new disks).</summary>
    Repaired,

    /// <summary>Some fragments were rebuilt; others have no disk that keeps the placement rule.</summary>
    Partial,

    /// <summary>Fragments are lost but no disk keeps the placement rule: waits for a topology change.</summary>
    Blocked,

    /// <summary>The segment is no longer referenced (deleted meanwhile).</summary>
    Gone,

    /// <summary>The segment's disks changed while it was being repaired; the rebuilt fragments were dropped.</summary>
    Raced,

    /// <summary>Fewer than k fragments can be read: the data cannot be rebuilt now.</summary>
    Unrecoverable,
}
