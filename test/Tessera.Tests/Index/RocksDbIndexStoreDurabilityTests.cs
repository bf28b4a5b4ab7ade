using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreDurabilityTests
{
    [Fact]
    public void EverythingSurvivesAReopen()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        f.CreateBucket("v", VersioningState.Enabled);
        var kept = f.Store.PutObject("b", StoreFixture.Manifest("a/1", "e1")).Stored!;
        f.Store.PutObject("b", StoreFixture.Manifest("a/2", "old"));
        var replacing = f.Store.PutObject("b", StoreFixture.Manifest("a/2", "new", segments: 2));
        f.Store.PutObject("v", StoreFixture.Manifest("k", versionId: "x"));
        var marker = f.Store.DeleteObject("v", "k").DeleteMarker!;
        var garbage = f.Store.PeekGarbage(DateTimeOffset.MaxValue, 100);

        var store = f.Reopen();
        Assert.Equal(["b", "v"], store.ListBuckets().Select(b => b.Name));
        Assert.True(IndexGen.Same(kept, store.GetObject("b", "a/1")!));
        Assert.True(IndexGen.Same(replacing.Stored!, store.GetObject("b", "a/2")!));
        Assert.Equal(["a/1", "a/2"], store.ListObjects("b", new ListObjectsQuery("", null, null, 10)).Objects.Select(o => o.Key));
        Assert.True(IndexGen.Same(marker, store.GetObject("v", "k", includeDeleteMarker: true)!));
        Assert.NotNull(store.GetObject("v", "k", "x"));
        var reread = store.PeekGarbage(DateTimeOffset.MaxValue, 100);
        Assert.Equal(garbage.Count, reread.Count);
        Assert.All(garbage.Zip(reread), p => Assert.True(IndexGen.Same(p.First, p.Second)));
    }

    [Fact]
    public void SequencesKeepIncreasingAcrossReopens()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var last = 0UL;
        for (var round = 0; round < 4; round++)
        {
            for (var i = 0; i < 3; i++)
            {
                var sequence = f.Store.PutObject("b", StoreFixture.Manifest($"k{i}")).Stored!.Sequence;
                Assert.True(sequence > last, $"sequence {sequence} after {last} in round {round}");
                last = sequence;
            }

            f.Reopen();
        }
    }

    [Fact]
    public void SequencesStayUniqueUnderConcurrentWrites()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var sequences = new System.Collections.Concurrent.ConcurrentBag<ulong>();
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            sequences.Add(f.Store.PutObject("b", StoreFixture.Manifest($"k{i % 8}")).Stored!.Sequence));
        Assert.Equal(64, sequences.Distinct().Count());
        Assert.Equal(8, f.Store.ListObjects("b", new ListObjectsQuery("", null, null, 100)).Objects.Count);
        Assert.Equal(56, f.Store.PeekGarbage(DateTimeOffset.MaxValue, 100).Count);
    }

    [Fact]
    public void UseAfterDisposeThrows()
    {
        using var f = new StoreFixture();
        f.Store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.Store.ListBuckets());
    }
}
