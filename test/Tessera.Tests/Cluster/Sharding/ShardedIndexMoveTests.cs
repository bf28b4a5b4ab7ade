using System.Collections.Concurrent;
using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Control;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// <see cref="EtcdIndexStore"/> over the etcd range directory: half of a bucket moves to the other index group while
/// writers overwrite objects through the store; every acknowledged write reads back, a listing holds every key once,
/// a chunked multipart manifest moves whole, and the source keeps nothing of the range.
/// </summary>
public sealed class ShardedIndexMoveTests
{
    private const int Keys = 600;

    [Fact]
    public async Task HalfABucketMovesToTheOtherGroupUnderWritesAndEveryAcknowledgedWriteReadsBack()
    {
        var clusters = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => EtcdCluster.StartAsync(1, Within.Ct)));
        try
        {
            using var control = clusters[0].Client();
            var prefix = "/t" + Guid.NewGuid().ToString("n")[..8] + "/";
            GroupRecord Group(string name, int i) => new() { Name = name, Endpoints = clusters[i].Endpoints, KeyPrefix = prefix + "idx/" };
            using var directory = await EtcdRangeDirectory.OpenAsync(control, new ControlPlaneOptions { KeyPrefix = prefix }, [Group("g1", 1), Group("g2", 2)], cancellationToken: Within.Ct);
            var catalog = new MemoryBucketCatalog();
            using var index = new EtcdIndexStore(directory, catalog, TimeProvider.System, new EtcdIndexOptions { MaxInlineManifestBytes = 1024 });
            var mover = new RangeMover(directory, EtcdIndexLayout.Instance);

            index.CreateBucket(new BucketInfo("b", "alice", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Unversioned));
            var acknowledged = new ConcurrentDictionary<string, string>();
            for (var i = 0; i < Keys; i++)
            {
                var key = K(i);
                Assert.Equal(PutObjectStatus.Committed, index.PutObject("b", StoreFixture.Manifest(key, etag: "e0")).Status);
                acknowledged[key] = "e0";
            }

            // A completed multipart upload of 40 parts on the moving side: its manifest is kept in a chunk set.
            var big = K(Keys - 1) + "-multipart";
            var upload = new MultipartUpload("b", big, "u1", DateTimeOffset.UtcNow, "alice", StoreFixture.Manifest(big) with { Segments = [], VersionId = "" });
            Assert.True(index.CreateUpload(upload));
            var parts = Enumerable.Range(1, 40).Select(n => new UploadPart(n, Segment(n), DateTimeOffset.UtcNow, null, "AAAAAA==")).ToList();
            foreach (var part in parts)
            {
                Assert.Equal(PutPartStatus.Stored, index.PutPart("b", big, "u1", part).Status);
            }

            var complete = index.CompleteUpload("b", big, "u1", [.. parts.Select(p => p.PartNumber)], StoreFixture.Manifest(big, etag: "m-40") with { Segments = [.. parts.Select(p => p.Segment)], VersionId = "" });
            Assert.Equal(CompleteStatus.Completed, complete.Status);

            await new RangeMover(directory, EtcdIndexLayout.Instance).SplitAsync(IndexCoordinates.Of("b", K(Keys / 2)), Within.Ct);

            // Four writers overwrite random keys on both sides while the right half moves to g2.
            using var stop = new CancellationTokenSource();
            var longest = TimeSpan.Zero;
            var writes = 0;
            var busy = new ConcurrentDictionary<string, byte>();
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
            {
                var random = new Random(w);
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var key = K(random.Next(Keys));
                    if (!busy.TryAdd(key, 0))
                    {
                        continue;
                    }

                    var etag = $"w{w}-{n}";
                    var clock = Stopwatch.StartNew();
                    Assert.Equal(PutObjectStatus.Committed, index.PutObject("b", StoreFixture.Manifest(key, etag: etag)).Status);
                    lock (busy)
                    {
                        longest = clock.Elapsed > longest ? clock.Elapsed : longest;
                        writes++;
                    }

                    acknowledged[key] = etag;
                    busy.TryRemove(key, out _);
                }
            }, Within.Ct)).ToList();

            await Task.Delay(300, Within.Ct);
            var report = await mover.MoveAsync(IndexCoordinates.Of("b", K(Keys / 2)), "g2", TimeSpan.Zero, Within.Ct);
            await Task.Delay(300, Within.Ct);
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            Within.Log($"move of {Keys / 2} objects and a 40-part chunked manifest: {report.PreCopied} records pre-copied, {report.DeltaCopied} in the delta, writes to the range held {report.Frozen.TotalMilliseconds:F0} ms, {report.Removed} removed from g1; {writes} PUTs through the index meanwhile, the slowest {longest.TotalMilliseconds:F0} ms");

            Assert.True(writes > 20, $"only {writes} writes ran during the move");
            Assert.Equal("g2", directory.Route(IndexCoordinates.Of("b", K(Keys - 1))).Group.Name);
            foreach (var (key, etag) in acknowledged)
            {
                Assert.Equal(etag, index.GetObject("b", key)?.ETag);
            }

            var listed = new List<string>();
            string? marker = null;
            do
            {
                var page = index.ListObjects("b", new ListObjectsQuery("", null, marker, 100));
                listed.AddRange(page.Objects.Select(o => o.Key));
                marker = page.IsTruncated ? page.NextMarker ?? page.Objects[^1].Key : null;
            }
            while (marker is not null);
            Assert.Equal(Keys + 1, listed.Count);
            Assert.Equal(listed.Count, listed.Distinct(StringComparer.Ordinal).Count());

            var bigRead = index.GetObject("b", big);
            Assert.Equal(40, bigRead?.Segments.Count);
            Assert.All(parts, p => Assert.True(index.IsSegmentReferenced(p.Segment.Segment), $"part {p.PartNumber}'s segment lost its reference"));
            var referenced = index.ReferencedSegments().Select(s => s.Segment).ToHashSet();
            Assert.Equal(Keys + 40, referenced.Count);

            // The source holds nothing of the moved range.
            using var g1 = clusters[1].Client();
            var from = ByteString.CopyFrom([.. System.Text.Encoding.UTF8.GetBytes(prefix + "idx/"), .. IndexKeys.LatestSpace, .. IndexCoordinates.Of("b", K(Keys / 2))]);
            var to = ByteString.CopyFrom([.. System.Text.Encoding.UTF8.GetBytes(prefix + "idx/"), .. IndexKeys.LatestSpace, .. IndexCoordinates.BucketEnd("b")]);
            Assert.Equal(0, (await g1.GetAsync(new RangeRequest { Key = from, RangeEnd = to, CountOnly = true }, cancellationToken: Within.Ct)).Count);
        }
        finally
        {
            foreach (var cluster in clusters)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    private static string K(int i) => "k" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    private static SegmentManifest Segment(int part) => new() { PartNumber = part, Segment = Guid.NewGuid(), Size = 10, DataShards = 2, ParityShards = 1, Disks = ["d1", "d2", "d3"] };
}
