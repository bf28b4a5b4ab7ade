using Tessera.Server;

namespace Tessera.IntegrationTests;

/// <summary>A store with 4 KiB shards (so small objects span many stripes) and 1-byte minimum parts, for scrub tests.</summary>
public sealed class ScrubStoreFixture : StoreFixture
{
    protected override void Configure(ServerOptions options)
    {
        options.ShardSize = 4096;
        options.MinPartSize = 1;

        // The scrub tests count bytes and files of RS(4,2) fragments; copied small segments are scrubbed in RepairTests.
        options.SmallObjectCopies = false;

        // Scrub tests count faults on disk: nothing may repair them behind the test's back.
        options.RepairWorkers = 0;
        options.DiskCheckInterval = 0;
    }
}
