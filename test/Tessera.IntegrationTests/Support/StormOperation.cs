namespace Tessera.IntegrationTests;

/// <summary>
/// One client operation of a fault storm, timed from the storm's start: <see cref="StormOutcome.Acknowledged"/> (200),
/// <see cref="StormOutcome.Refused"/> (an S3 error answer; <see cref="Code"/> is its code) or
/// <see cref="StormOutcome.Indeterminate"/> (no answer: timeout or connection error; <see cref="Code"/> names it).
/// </summary>
public sealed record StormOperation(int Client, string Gateway, string Key, TimeSpan Start, TimeSpan End, StormOutcome Outcome, string? Code);
