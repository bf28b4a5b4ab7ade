namespace Tessera.Tests.Index;

/// <summary>A clock that moves only when told (Microsoft.Extensions.TimeProvider.Testing is not referenced).</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
