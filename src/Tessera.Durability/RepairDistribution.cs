namespace Tessera.Durability;

/// <summary>How long one repair takes in the simulator.</summary>
public enum RepairDistribution
{
    /// <summary>Exactly the mean time to repair (detection delay plus rebuild time).</summary>
    Deterministic,

    /// <summary>Exponentially distributed with the mean time to repair as its mean (matches the Markov model).</summary>
    Exponential,
}
