using Tessera.Index.Lifecycle;
using Tessera.Store;

namespace Tessera.Tests.Store.Lifecycle;

/// <summary>The lifecycle worker's pure parts: the prefixes a pass walks and the cursor's record.</summary>
public sealed class LifecycleWorkerUnitTests
{
    private static LifecycleRule Rule(string id, string? prefix, bool enabled = true) =>
        new() { Id = id, Enabled = enabled, Filter = new LifecycleFilter { Prefix = prefix }, Expiration = new LifecycleExpiration { Days = 1 } };

    [Fact]
    public void APassWalksEachPrefixOnceAndNoneInsideAnother()
    {
        var configuration = new LifecycleConfiguration
        {
            Rules = [Rule("1", "logs/2024/"), Rule("2", "logs/"), Rule("3", "tmp/"), Rule("4", "logs/"), Rule("5", "zz/", enabled: false), Rule("6", "tmpx/")],
        };
        Assert.Equal(["logs/", "tmp/", "tmpx/"], LifecycleWorker.Prefixes(configuration));
    }

    [Fact]
    public void ARuleWithoutAPrefixWalksTheWholeBucket()
    {
        var configuration = new LifecycleConfiguration { Rules = [Rule("1", "logs/"), Rule("2", null)] };
        Assert.Equal([""], LifecycleWorker.Prefixes(configuration));
    }

    [Fact]
    public void TheCursorRoundTripsAndRefusesWhatIsNotOne()
    {
        var start = new DateTimeOffset(2026, 12, 4, 0, 0, 1, TimeSpan.Zero);
        var inPass = new LifecycleCursor(start, "photos", 1, 2, "a/\u00e9t\u00e9.jpg", start.AddDays(-1));
        Assert.Equal(inPass, LifecycleCursor.Decode(inPass.Encode()));
        var idle = new LifecycleCursor(start, null, 0, 0, null, null);
        Assert.Equal(idle, LifecycleCursor.Decode(idle.Encode()));
        Assert.Null(LifecycleCursor.Decode("{\"v\":2}"u8.ToArray()));
        Assert.Null(LifecycleCursor.Decode("not json"u8.ToArray()));
        Assert.Null(LifecycleCursor.Decode([]));
    }
}
