namespace Tessera.LoadGen;

/// <summary>What one request did: the payload bytes it moved, or why it failed.</summary>
/// <param name="Bytes">Payload bytes sent (PUT, disk) or received (GET).</param>
/// <param name="Error">Null on success; otherwise status and body (or exception) of the failure.</param>
public readonly record struct OpOutcome(long Bytes, string? Error = null);
