namespace Tessera.Linearizability;

/// <summary>What the search found in one partition; operations are indices into the partition's list.</summary>
/// <param name="Outcome">Ok, Illegal, or Unknown when stopped.</param>
/// <param name="Linearization">Ok: a linearization. Illegal: the longest linearizable prefix found.</param>
/// <param name="Failed">Illegal: the operation whose return the longest attempt reached without linearizing it; else -1.</param>
/// <param name="Pending">Illegal: the operations called and not linearized before that return, all tried next and failed.</param>
internal sealed record PartitionVerdict(CheckOutcome Outcome, int[] Linearization, int Failed, int[] Pending);
