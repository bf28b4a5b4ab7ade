using Tessera.Index;
using Tessera.Store.Recovery;

namespace Tessera.Tests.Server;

/// <summary>Snapshot files on the data disks: names, copies on every disk, the two newest kept.</summary>
public sealed class IndexSnapshotsTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void EveryDiskGetsTheSameVerifiedSnapshotAndKeepsTheTwoNewest()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var disks = new[] { Path.Join(_root.Path, "d1"), Path.Join(_root.Path, "d2"), Path.Join(_root.Path, "d3") };
        Directory.CreateDirectory(disks[0]);
        Directory.CreateDirectory(disks[1]);
        File.WriteAllText(disks[2], "a file where a disk directory should be: this disk fails");
        using var store = new RocksDbIndexStore(Path.Join(_root.Path, "meta"), time);
        var infos = new List<IndexSnapshotInfo>();
        for (var i = 0; i < 3; i++)
        {
            store.CreateBucket(new BucketInfo($"bucket-{i}", "owner", time.GetUtcNow(), "us-east-1", VersioningState.Unversioned));
            var (info, paths) = IndexSnapshots.Write(store, disks);
            Assert.Equal(2, paths.Count); // the third disk cannot take it and is skipped
            Assert.Equal(
                File.ReadAllBytes(paths[0]),
                File.ReadAllBytes(paths[1]));
            using (var file = File.OpenRead(paths[1]))
            {
                Assert.Equal(info, IndexSnapshot.Verify(file));
            }

            infos.Add(info);
            time.Advance(TimeSpan.FromMinutes(15));
        }

        Assert.Equal("snapshot-20260304T053607Z-" + infos[2].Sequence + ".tsnap", IndexSnapshots.FileName(infos[2]));
        foreach (var disk in disks.Take(2))
        {
            var kept = Directory.GetFiles(Path.Join(disk, IndexSnapshots.DirectoryName));
            Assert.Equal(
                infos.Skip(1).Select(IndexSnapshots.FileName).Order(StringComparer.Ordinal),
                kept.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }

        var listed = IndexSnapshots.List(disks);
        Assert.Equal(4, listed.Count);
        Assert.Equal([infos[2].Created, infos[2].Created, infos[1].Created, infos[1].Created], listed.Select(f => f.Created));
        var restored = Path.Join(_root.Path, "restored");
        Assert.Equal(infos[2], RocksDbIndexStore.RestoreSnapshot(() => File.OpenRead(listed[0].Path), restored, time));
        using var copy = new RocksDbIndexStore(restored, time);
        Assert.Equal(store.ListBuckets(), copy.ListBuckets());
    }
}
