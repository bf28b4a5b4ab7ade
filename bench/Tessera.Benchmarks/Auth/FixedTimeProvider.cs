namespace Tessera.Benchmarks.Auth;

/// <summary>A clock stopped at the signing time of the benchmark requests, so they never expire or skew.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
