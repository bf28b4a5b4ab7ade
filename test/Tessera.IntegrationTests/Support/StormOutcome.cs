namespace Tessera.IntegrationTests;

/// <summary>What a client learned of one write (see <see cref="StormOperation"/>).</summary>
public enum StormOutcome
{
    /// <summary>200: the write must be durable.</summary>
    Acknowledged,

    /// <summary>An S3 error answer: the write must not be visible.</summary>
    Refused,

    /// <summary>No answer (timeout, connection reset or refused): it may or may not have happened.</summary>
    Indeterminate,
}
