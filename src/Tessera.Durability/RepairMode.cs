namespace Tessera.Durability;

/// <summary>How the Markov chain repairs a stripe with lost fragments.</summary>
public enum RepairMode
{
    /// <summary>One fragment at a time: from state i the chain moves to i − 1 at rate μ, whatever i is (the classic closed form).</summary>
    OneStep,

    /// <summary>Every failed disk rebuilds independently: from state i the chain moves to i − 1 at rate i·μ (what the simulator does).</summary>
    Parallel,
}
