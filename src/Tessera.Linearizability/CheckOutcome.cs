namespace Tessera.Linearizability;

/// <summary>The verdict of <see cref="LinearizabilityChecker.Check{TState, TInput, TOutput}"/>.</summary>
public enum CheckOutcome
{
    /// <summary>Every partition has a linearization: the history is linearizable.</summary>
    Ok,

    /// <summary>Some partition has none: the history is not linearizable (see <see cref="LinearizabilityResult{TInput, TOutput}.Counterexample"/>).</summary>
    Illegal,

    /// <summary>The time budget ran out before every partition was decided and none was found illegal.</summary>
    Unknown,
}
