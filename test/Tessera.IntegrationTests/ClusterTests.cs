using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Cluster.Index;
using Tessera.Cluster.Storage;
using Tessera.Storage;

namespace Tessera.IntegrationTests;

/// <summary>
/// The S3 surface of a real 3-node cluster (<see cref="ClusterFixture"/>): whatever gateway a request goes through, it
/// sees every write acknowledged through the others (one index, on n1); fragments spread over the nodes by the
/// placement rule; a stopped node costs redundancy but no reads, writes go on over the others once it has left; a
/// node replaced with blank disks is refilled; the S3 and
/// storage ports keep to their own requests. The tests share the cluster and run one at a time: a test that stops a
/// node starts it again before it ends.
/// </summary>
public sealed partial class ClusterTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const int Timeout = 60_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ITestOutputHelper Output => TestContext.Current.TestOutputHelper!;

    private AmazonS3Client N1 => cluster.Client("n1");

    private AmazonS3Client N2 => cluster.Client("n2");

    private AmazonS3Client N3 => cluster.Client("n3");

    [Fact(Timeout = Timeout)]
    public async Task WritesThroughOneGatewayAreReadAndListedThroughTheOthers()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = Names.Bucket("xgw");
        await N1.PutBucketAsync(bucket, ct);

        // A single PUT of several stripes (16 KiB of data each) through n2, read at once through n3.
        var big = Names.RandomBytes(100_003, 1);
        var put = await N2.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = "dir/big.bin",
            InputStream = new MemoryStream(big),
            ContentType = "application/x-test",
            Metadata = { ["colour"] = "teal" },
        }, ct);
        Assert.Equal(Md5ETag(big), put.ETag);

        var head = await N3.GetObjectMetadataAsync(bucket, "dir/big.bin", ct);
        Assert.Equal((put.ETag, big.Length, "application/x-test", "teal"), (head.ETag, (int)head.ContentLength, head.Headers.ContentType, head.Metadata["colour"]));
        var (bytes, get) = await ReadAsync(N3, bucket, "dir/big.bin");
        Assert.Equal(big, bytes);
        Assert.Equal((put.ETag, "teal"), (get.ETag, get.Metadata["colour"]));

        // A multipart upload started through n1, its parts through n1 and n2, listed and completed through n3.
        var parts = new[] { Names.RandomBytes(40_000, 2), Names.RandomBytes(33_333, 3), Names.RandomBytes(12_345, 4) };
        var through = new[] { N1, N2, N1 };
        var upload = await N1.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "dir/multi.bin", Metadata = { ["origin"] = "n1" } }, ct);
        var etags = new List<PartETag>();
        for (var p = 0; p < parts.Length; p++)
        {
            var part = await through[p].UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "dir/multi.bin", UploadId = upload.UploadId, PartNumber = p + 1, InputStream = new MemoryStream(parts[p]) }, ct);
            Assert.Equal(Md5ETag(parts[p]), part.ETag);
            etags.Add(new PartETag(p + 1, part.ETag));
        }

        var listed = await N3.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "dir/multi.bin", UploadId = upload.UploadId }, ct);
        Assert.Equal(etags.Select(e => (e.PartNumber, e.ETag, (long)parts[e.PartNumber!.Value - 1].Length)), listed.Parts!.Select(p => (p.PartNumber, p.ETag, p.Size!.Value)));
        var completed = await N3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "dir/multi.bin", UploadId = upload.UploadId, PartETags = etags }, ct);
        var whole = parts.SelectMany(p => p).ToArray();
        var multipartETag = "\"" + Convert.ToHexStringLower(MD5.HashData(parts.SelectMany(p => MD5.HashData(p)).ToArray())) + "-3\"";
        Assert.Equal(multipartETag, completed.ETag);

        foreach (var (name, client) in new[] { ("n1", N1), ("n2", N2), ("n3", N3) })
        {
            var (multi, response) = await ReadAsync(client, bucket, "dir/multi.bin");
            Assert.True(whole.AsSpan().SequenceEqual(multi), $"The multipart object read through {name} differs.");
            Assert.Equal((multipartETag, "n1"), (response.ETag, response.Metadata["origin"]));
        }

        // One segment per part, in the index the three gateways share.
        var manifest = cluster.Index.Store.Index.GetObject(bucket, "dir/multi.bin");
        Assert.NotNull(manifest);
        Assert.Equal([1, 2, 3], manifest.Segments.Select(s => s.PartNumber));

        var list = await N3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "dir/" }, ct);
        Assert.Equal(
            [("dir/big.bin", (long)big.Length, put.ETag), ("dir/multi.bin", (long)whole.Length, multipartETag)],
            list.S3Objects!.Select(o => (o.Key, o.Size!.Value, o.ETag)));
        var buckets = await N2.ListBucketsAsync(ct);
        Assert.Contains(bucket, buckets.Buckets!.Select(b => b.BucketName));
        Output.WriteLine($"PUT {big.Length} B through n2, read through n3; {parts.Length} parts through n1/n2/n1, completed through n3 ({whole.Length} B, {manifest.Segments.Count} segments)");
    }

    [Fact(Timeout = Timeout)]
    public async Task EverySegmentHasAtMostTwoFragmentsOnANodeAndEveryNodeHoldsSome()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = Names.Bucket("spread");
        await N1.PutBucketAsync(bucket, ct);
        var clients = new[] { N1, N2, N3 };
        for (var i = 0; i < 12; i++)
        {
            var size = i % 4 == 0 ? 1000 + i : 20_000 + (i * 7_001);
            await clients[i % 3].PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"o{i:00}", InputStream = new MemoryStream(Names.RandomBytes(size, 100 + i)) }, ct);
        }

        var index = cluster.Index.Store.Index;
        var segments = index.ReferencedSegments().Where(s => index.FindSegmentOwner(s.Segment)?.Bucket == bucket).ToList();
        Assert.Equal(12, segments.Count);
        var perNode = cluster.NodeIds.ToDictionary(n => n, _ => 0);
        foreach (var segment in segments)
        {
            Assert.Equal(segment.DataShards + segment.ParityShards, segment.Disks.Count);
            Assert.Equal(segment.Disks.Count, segment.Disks.Distinct().Count());
            foreach (var group in segment.Disks.GroupBy(NodeOf))
            {
                Assert.True(group.Count() <= 2, $"Segment {segment.Segment:N} has {group.Count()} of its {segment.Disks.Count} fragments on {group.Key}.");
                perNode[group.Key] += group.Count();
            }

            // Each fragment is a file on a disk of the node its disk id names.
            for (var i = 0; i < segment.Disks.Count; i++)
            {
                var disk = cluster.Server(NodeOf(segment.Disks[i])).Store.Storage.Disk(segment.Disks[i]);
                Assert.IsType<LocalDisk>(disk);
                using var fragment = disk.OpenFragment(new FragmentId(segment.Segment, i));
                Assert.True(fragment is not null, $"Fragment {i} of {segment.Segment:N} is not on {segment.Disks[i]}.");
            }
        }

        // RS(4,2) segments have exactly two fragments on each node; the small ones are three copies, one per node.
        Assert.Equal(9, segments.Count(s => (s.DataShards, s.ParityShards) == (4, 2)));
        Assert.Equal(3, segments.Count(s => (s.DataShards, s.ParityShards) == (1, 2)));
        Assert.All(perNode, p => Assert.Equal((9 * 2) + 3, p.Value));
        Output.WriteLine($"{segments.Count} segments; fragments per node: {string.Join(", ", perNode.Select(p => $"{p.Key}={p.Value}"))}");
    }

    [Fact(Timeout = Timeout)]
    public async Task VersioningDeleteObjectsConditionalPutAndCopyWorkAcrossGateways()
    {
        var ct = TestContext.Current.CancellationToken;
        // Versions written through two gateways, read and listed through the third.
        var versioned = Names.Bucket("ver");
        await N1.PutBucketAsync(versioned, ct);
        await N2.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = versioned, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, ct);
        var status = await N3.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = versioned }, ct);
        Assert.Equal(VersionStatus.Enabled, status.VersioningConfig.Status);
        var v1Bytes = Names.RandomBytes(30_000, 11);
        var v2Bytes = Names.RandomBytes(25_000, 12);
        var v1 = await N1.PutObjectAsync(new PutObjectRequest { BucketName = versioned, Key = "doc", InputStream = new MemoryStream(v1Bytes) }, ct);
        var v2 = await N2.PutObjectAsync(new PutObjectRequest { BucketName = versioned, Key = "doc", InputStream = new MemoryStream(v2Bytes) }, ct);
        Assert.NotEqual(v1.VersionId, v2.VersionId);
        Assert.Equal(v2Bytes, (await ReadAsync(N3, versioned, "doc")).Bytes);
        Assert.Equal(v1Bytes, (await ReadAsync(N3, versioned, "doc", v1.VersionId)).Bytes);
        var versions = await N3.ListVersionsAsync(new ListVersionsRequest { BucketName = versioned }, ct);
        Assert.Equal([(v2.VersionId, true), (v1.VersionId, false)], versions.Versions!.Select(v => (v.VersionId, v.IsLatest!.Value)));

        var deleted = await N3.DeleteObjectAsync(versioned, "doc", ct);
        Assert.Equal("true", deleted.DeleteMarker);
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => N1.GetObjectAsync(versioned, "doc", ct));
        Assert.Equal((HttpStatusCode.NotFound, "NoSuchKey"), (gone.StatusCode, gone.ErrorCode));
        Assert.Equal(v1Bytes, (await ReadAsync(N2, versioned, "doc", v1.VersionId)).Bytes);
        versions = await N1.ListVersionsAsync(new ListVersionsRequest { BucketName = versioned }, ct);
        Assert.Equal(3, versions.Versions!.Count);
        Assert.True(versions.Versions[0].IsDeleteMarker);

        // DeleteObjects through n2 of keys written through n1 and n3.
        var plain = Names.Bucket("del");
        await N3.PutBucketAsync(plain, ct);
        foreach (var i in Enumerable.Range(0, 6))
        {
            await (i % 2 == 0 ? N1 : N3).PutObjectAsync(new PutObjectRequest { BucketName = plain, Key = $"k{i}", ContentBody = $"body {i}" }, ct);
        }

        var batch = await N2.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = plain, Objects = [.. Enumerable.Range(0, 4).Select(i => new KeyVersion { Key = $"k{i}" })] }, ct);
        Assert.Equal(4, batch.DeletedObjects!.Count);
        Assert.Empty(batch.DeleteErrors ?? []);
        var left = await N1.ListObjectsV2Async(new ListObjectsV2Request { BucketName = plain }, ct);
        Assert.Equal(["k4", "k5"], left.S3Objects!.Select(o => o.Key));

        // If-None-Match: * racing through two gateways: exactly one creator wins each key, and every gateway reads the winner.
        const int Rounds = 6;
        var wins = new int[2];
        for (var round = 0; round < Rounds; round++)
        {
            var key = $"once-{round}";
            var bodies = new[] { Names.RandomBytes(20_000, 1000 + round), Names.RandomBytes(20_000, 2000 + round) };
            var racers = new[] { N2, N3 };
            using var start = new Barrier(2);
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 2).Select(r => Task.Run(async () =>
            {
                start.SignalAndWait(ct);
                try
                {
                    await racers[r].PutObjectAsync(new PutObjectRequest { BucketName = plain, Key = key, InputStream = new MemoryStream(bodies[r]), IfNoneMatch = "*" }, ct);
                    return HttpStatusCode.OK;
                }
                catch (AmazonS3Exception e)
                {
                    return e.StatusCode;
                }
            }, ct)));
            Assert.Equal(1, outcomes.Count(o => o == HttpStatusCode.OK));
            Assert.Equal(1, outcomes.Count(o => o == HttpStatusCode.PreconditionFailed));
            var winner = Array.IndexOf(outcomes, HttpStatusCode.OK);
            wins[winner]++;
            Assert.Equal(bodies[winner], (await ReadAsync(N1, plain, key)).Bytes);
        }

        // CopyObject through n3 of an object written through n2, into another bucket, read through n1.
        var source = Names.RandomBytes(70_000, 21);
        var written = await N2.PutObjectAsync(new PutObjectRequest { BucketName = plain, Key = "source", InputStream = new MemoryStream(source), Metadata = { ["kept"] = "yes" } }, ct);
        var copy = await N3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = plain, SourceKey = "source", DestinationBucket = versioned, DestinationKey = "copied" }, ct);
        Assert.Equal(written.ETag, copy.ETag);
        var (copied, response) = await ReadAsync(N1, versioned, "copied");
        Assert.Equal(source, copied);
        Assert.Equal((written.ETag, "yes"), (response.ETag, response.Metadata["kept"]));
        Output.WriteLine($"versions: 2 + a delete marker; DeleteObjects: 4 of 6; If-None-Match races: {Rounds} (n2 won {wins[0]}, n3 won {wins[1]}); copy of {source.Length} B");
    }

    [Fact(Timeout = 90_000)]
    public async Task WithANodeStoppedReadsAreDegradedAndWritesGoOnOverTheOthersOnceItsLeaseLapses()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Stopped = "n3";
        var bucket = Names.Bucket("down");
        await N1.PutBucketAsync(bucket, ct);
        var objects = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var clients = new[] { N1, N2, N3 };
        for (var i = 0; i < 9; i++)
        {
            var data = Names.RandomBytes(i == 0 ? 500 : 30_000 + (i * 5_000), 300 + i);
            await clients[i % 3].PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"o{i}", InputStream = new MemoryStream(data) }, ct);
            objects[$"o{i}"] = data;
        }

        var damageBefore = cluster.NodeIds.Where(n => n != Stopped).Sum(n => cluster.Server(n).Store.ReadDamage.Reads);
        await cluster.StopAsync(Stopped);
        try
        {
            // Every object has two fragments on n3: the other two gateways reconstruct from the four left.
            var clock = Stopwatch.StartNew();
            foreach (var node in new[] { "n1", "n2" })
            {
                foreach (var (key, data) in objects)
                {
                    var (bytes, _) = await ReadAsync(cluster.Client(node), bucket, key);
                    Assert.True(data.AsSpan().SequenceEqual(bytes), $"{key} through {node} differs with {Stopped} stopped.");
                }
            }

            var degraded = cluster.NodeIds.Where(n => n != Stopped).Sum(n => cluster.Server(n).Store.ReadDamage.Reads) - damageBefore;
            Output.WriteLine($"{Stopped} stopped: {2 * objects.Count} GETs through n1 and n2 in {clock.ElapsedMilliseconds} ms, {degraded} of them degraded; repairs queued on the coordinator {(await cluster.WaitForCoordinatorAsync()).Repairer.Status().QueuedSegments}");
            Assert.True(degraded > 0, "No read was counted as degraded with a node's fragments gone.");

            // Writes: stopping n3 revoked its lease (a clean stop), so n1 and n2 took its disks out of placement at once
            // and new segments go three and three to them (degraded placement). After a crash the same happens when the
            // lease lapses (3 s here); until then four of six fragments are fewer than the k + 1 = 5 a write needs and a
            // PUT is 503 ServiceUnavailable (never a 500, never acknowledged), which the loop tolerates.
            var unavailable = Stopwatch.StartNew();
            var refusals = 0;
            foreach (var (node, client) in new[] { ("n1", N1), ("n2", N2) })
            {
                var data = Names.RandomBytes(50_000, 400 + node.Length);
                while (true)
                {
                    try
                    {
                        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "while-down-" + node, InputStream = new MemoryStream(data) }, ct);
                        break;
                    }
                    catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.ServiceUnavailable && unavailable.Elapsed < TimeSpan.FromSeconds(30))
                    {
                        Assert.Equal("ServiceUnavailable", e.ErrorCode);
                        refusals++;
                    }
                }

                objects["while-down-" + node] = data;
            }

            Output.WriteLine($"{Stopped} stopped: writes refused {refusals} times (after the SDK's own retries), back after {unavailable.Elapsed.TotalSeconds:F1} s");
            Assert.True(unavailable.Elapsed < TimeSpan.FromSeconds(10), $"Writes were unavailable for {unavailable.Elapsed.TotalSeconds:F1} s.");
            foreach (var key in new[] { "while-down-n1", "while-down-n2" })
            {
                var written = cluster.Index.Store.Index.GetObject(bucket, key)!.Segments.Single();
                Assert.DoesNotContain(written.Disks, d => NodeOf(d) == Stopped);
                Assert.Equal(6, written.Disks.Count(d => d.Length > 0));
            }
        }
        finally
        {
            await cluster.RestartAsync(Stopped);
        }

        // Back: writes go through every gateway again.
        foreach (var (node, client) in new[] { ("n1", N1), ("n3", N3) })
        {
            var data = Names.RandomBytes(45_000, 500 + node.Length);
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "after-" + node, InputStream = new MemoryStream(data) }, ct);
            objects["after-" + node] = data;
        }

        // No index entry names a fragment on n3 that is not there, and nothing stays in tmp. (A PUT refused before the
        // lease lapsed may have left committed fragments on n1 and n2: the down node's refusal shows at commit, after the
        // reachable fragments were committed; those are the garbage collector's, as PendingSegment.CommitAsync says.)
        var index = cluster.Index.Store.Index;
        Assert.Empty(cluster.DiskFiles("tmp"));

        // The index node's repairer spreads what was written while n3 was away (its return set off a sweep) and retries
        // what failed meanwhile; in the end every segment has two fragments per node again, where the index says.
        var coordinator = await cluster.WaitForCoordinatorAsync();
        var repairer = coordinator.Repairer;
        coordinator.DiskMonitor.Sweep(null, checkFiles: false); // As n3's return did in the background; the test does not race it.
        repairer.RetryWaiting();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await repairer.DrainAsync(ct);
            var state = repairer.Status();
            if (state is { QueuedSegments: 0, InProgress: 0 })
            {
                break;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"Repair still busy: {state.QueuedSegments} queued, {state.InProgress} in progress.");
            await Task.Delay(50, ct);
        }

        var status = repairer.Status();
        Output.WriteLine($"after restart: repaired {status.SegmentsRepaired} segments, {status.FragmentsRebuilt} fragments rebuilt, {status.Blocked} blocked, {status.Unrecoverable} unrecoverable");
        Assert.Equal(0, status.Unrecoverable);
        foreach (var segment in index.ReferencedSegments().Where(s => index.FindSegmentOwner(s.Segment)?.Bucket == bucket))
        {
            Assert.All(segment.Disks.GroupBy(NodeOf), g => Assert.True(g.Count() <= 2, $"Segment {segment.Segment:N} has {g.Count()} fragments on {g.Key}."));
            for (var i = 0; i < segment.Disks.Count; i++)
            {
                using var fragment = cluster.Server(NodeOf(segment.Disks[i])).Store.Storage.Disk(segment.Disks[i])!.OpenFragment(new FragmentId(segment.Segment, i));
                Assert.True(fragment is not null, $"Fragment {i} of {segment.Segment:N} is missing from {segment.Disks[i]}.");
            }
        }

        var damageAfter = cluster.NodeIds.Sum(n => cluster.Server(n).Store.ReadDamage.Reads);
        foreach (var node in cluster.NodeIds)
        {
            foreach (var (key, data) in objects)
            {
                var (bytes, _) = await ReadAsync(cluster.Client(node), bucket, key);
                Assert.True(data.AsSpan().SequenceEqual(bytes), $"{key} through {node} differs after the restart.");
            }
        }

        Assert.Equal(damageAfter, cluster.NodeIds.Sum(n => cluster.Server(n).Store.ReadDamage.Reads));
        Output.WriteLine($"{objects.Count} objects read back through each of the 3 gateways, none degraded");
    }

    [Fact(Timeout = Timeout)]
    public async Task TheS3PortAnswersNoClusterPathsAndTheStoragePortOnlyTheCluster()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient();
        var member = new ClusterAuthenticator("n2", ClusterFixture.Secret);
        var stranger = new ClusterAuthenticator("n2", "not-the-cluster-secret-at-all");
        var checks = 0;
        foreach (var node in cluster.NodeIds)
        {
            var server = cluster.Server(node);
            var probe = ClusterProtocol.DiskPath(node + "-disk1", "probe");
            const string IndexCall = IndexEndpoint.Prefix + "ListBuckets";

            // The S3 port: the cluster's paths, even signed with the secret, are S3 requests (and fail as such).
            foreach (var (method, path) in new[] { (HttpMethod.Get, probe), (HttpMethod.Post, IndexCall) })
            {
                using var response = await SendAsync(http, method, new Uri(server.Endpoint, path), member);
                Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains("<Error>", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
                checks++;
            }

            // The storage port: nothing without the secret's signature; with it, the probe answers.
            var storage = server.StorageEndpoint!;
            foreach (var signer in new[] { null, stranger })
            {
                using var refused = await SendAsync(http, HttpMethod.Get, new Uri(storage, probe), signer);
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                checks++;
            }

            using (var ok = await SendAsync(http, HttpMethod.Get, new Uri(storage, probe), member))
            {
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
                Assert.Equal(nameof(DiskProbe.Healthy), await ok.Content.ReadAsStringAsync(ct));
            }

            using (var s3 = await http.GetAsync(new Uri(storage, "/"), ct))
            {
                Assert.Equal(HttpStatusCode.NotFound, s3.StatusCode);
                Assert.DoesNotContain("ListAllMyBucketsResult", await s3.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }

            checks += 2;
        }

        // The index, on n1's storage port, refuses an unsigned call and one signed with another secret.
        foreach (var signer in new[] { null, stranger })
        {
            using var refused = await SendAsync(http, HttpMethod.Post, new Uri(cluster.Index.StorageEndpoint!, IndexEndpoint.Prefix + "ListBuckets"), signer, "[]");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            checks++;
        }

        Output.WriteLine($"{checks} requests to the wrong port or without the cluster secret, each refused");
    }

    [Fact(Timeout = 120_000)]
    public async Task ANodeReplacedWithBlankDisksIsRefilledWhileReadsGoOn()
    {
        // n3 is stopped, its disks wiped (a dead machine replaced by a new one under the same node id) and started again:
        // it registers with blank disks, formats them, and the index node, seeing it start again, checks its files and
        // rebuilds every missing fragment. Readers go on through n1 and n2 all along. TESSERA_LONG_FAULTS=1: 2,000 objects.
        var ct = TestContext.Current.CancellationToken;
        const string Replaced = "n3";
        var count = Environment.GetEnvironmentVariable("TESSERA_LONG_FAULTS") == "1" ? 2000 : 150;
        var bucket = Names.Bucket("repl");
        await N1.PutBucketAsync(bucket, ct);
        var objects = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var data = Names.RandomBytes(i % 10 == 0 ? 700 : 20_000 + (i % 7 * 3_000), 900 + i);
            await cluster.Client($"n{(i % 3) + 1}").PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"r{i}", InputStream = new MemoryStream(data) }, ct);
            objects[$"r{i}"] = data;
        }

        var index = cluster.Index.Store.Index;
        var onReplaced = index.ReferencedSegments().Sum(s => s.Disks.Count(d => NodeOf(d) == Replaced));
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var readErrors = new List<string>();
        var keys = objects.Keys.ToArray();
        var reader = Task.Run(async () =>
        {
            var random = new Random(5);
            while (!stop.IsCancellationRequested)
            {
                var key = keys[random.Next(keys.Length)];
                var gateway = random.Next(2) == 0 ? N1 : N2;
                try
                {
                    var (bytes, _) = await ReadAsync(gateway, bucket, key);
                    if (!bytes.AsSpan().SequenceEqual(objects[key]))
                    {
                        lock (readErrors)
                        {
                            readErrors.Add($"{key}: wrong bytes");
                        }
                    }
                }
                catch (AmazonS3Exception e)
                {
                    lock (readErrors)
                    {
                        readErrors.Add($"{key}: {e.StatusCode} {e.ErrorCode}");
                    }
                }

                Interlocked.Increment(ref reads);
            }
        }, ct);

        await cluster.StopAsync(Replaced);
        foreach (var path in cluster.DiskPaths(Replaced))
        {
            Directory.Delete(path, recursive: true);
        }

        var clock = Stopwatch.StartNew();
        await cluster.RestartAsync(Replaced);
        var repairer = (await cluster.WaitForCoordinatorAsync()).Repairer;
        while (true)
        {
            await repairer.DrainAsync(ct);
            var missing = index.ReferencedSegments().Sum(s => s.Disks.Select((d, i) => (d, i)).Count(f => NodeOf(f.d) == Replaced
                && cluster.Server(Replaced).Store.Storage.Disk(f.d)?.LastWriteTime(new FragmentId(s.Segment, f.i)) is null));
            if (missing == 0 && repairer.Status() is { QueuedSegments: 0, InProgress: 0 })
            {
                break;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"{missing} fragments still missing on {Replaced}; repair {repairer.Status()}");
            await Task.Delay(100, ct);
        }

        var refilled = clock.Elapsed;
        await stop.CancelAsync();
        await reader;
        var status = repairer.Status();
        Output.WriteLine($"{count} objects; {onReplaced} fragments on {Replaced} wiped; refilled in {refilled.TotalSeconds:F1} s ({status.FragmentsRebuilt} fragments rebuilt, {status.BytesRebuilt / 1048576.0:F1} MiB); {reads} reads meanwhile, {readErrors.Count} errors");
        Assert.True(readErrors.Count == 0, string.Join("; ", readErrors.Take(5)));
        Assert.True(reads > 0);
        Assert.Equal((0L, 0L), (status.Blocked, status.Unrecoverable));

        // Full redundancy: every segment has its six (or three) fragments, two per node at most, each where the index says.
        foreach (var segment in index.ReferencedSegments().Where(s => index.FindSegmentOwner(s.Segment)?.Bucket == bucket))
        {
            Assert.DoesNotContain(segment.Disks, d => d.Length == 0);
            Assert.All(segment.Disks.GroupBy(NodeOf), g => Assert.True(g.Count() <= 2));
        }

        foreach (var (key, data) in objects.Take(30))
        {
            var (bytes, _) = await ReadAsync(N3, bucket, key);
            Assert.True(data.AsSpan().SequenceEqual(bytes), key);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task WithAStoragePortCutAndEtcdReachableWritesGoOnAndNoDiskIsDeclaredFailed()
    {
        // n1 and n2 reach n3's storage port through a proxy; the proxy's link is cut while n3 stays registered in etcd
        // (its lease lives on). Their probes find n3 unreachable and take it out of their placement: writes go on over
        // n1 and n2 (degraded). Nothing declares n3's disks failed before the down-out interval (600 s). Healed, n3 is
        // back in placement and the index node respreads what was written meanwhile.
        var ct = TestContext.Current.CancellationToken;

        // The proxy cuts only n1's and n2's data-plane links to n3; repair work they hand to the coordinator goes to its
        // registered endpoint. With n3 coordinating, it would take that work and place fragments back on its own disks
        // through the uncut path. The coordinator is moved off n3 (StoragePortCutTests covers a cut coordinator).
        for (var attempt = 1; (await cluster.WaitForCoordinatorAsync()) == cluster.Server("n3"); attempt++)
        {
            Assert.True(attempt <= 10, "n3 still coordinates after 10 step-downs.");
            var (stepped, answer) = await cluster.AdminAsync("n1", HttpMethod.Post, "coordinator");
            Assert.True(stepped == 202, $"POST coordinator answered {stepped}: {answer}");
            await Task.Delay(500, ct);
        }

        var real = cluster.Server("n3").StorageEndpoint!;
        await using var proxy = TcpProxy.Start(real);
        RemoteDisk[] ToN3(string node) => [.. cluster.Server(node).Store.Storage.Disks.OfType<RemoteDisk>().Where(d => d.Labels.Node == "n3")];
        foreach (var disk in ToN3("n1").Concat(ToN3("n2")))
        {
            disk.Retarget(proxy.Endpoint);
        }

        try
        {
            var bucket = Names.Bucket("cut");
            await N1.PutBucketAsync(bucket, ct);
            await N2.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "before", InputStream = new MemoryStream(Names.RandomBytes(40_000, 70)) }, ct);

            proxy.Cut();
            var clock = Stopwatch.StartNew();
            var refused = 0;
            var written = new List<string>();
            var index = cluster.Index.Store.Index;
            var placedOn = new Dictionary<string, string[]>(StringComparer.Ordinal);
            while (written.Count < 6)
            {
                var key = $"during-{written.Count}";
                try
                {
                    await (written.Count % 2 == 0 ? N1 : N2).PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(Names.RandomBytes(40_000, 71 + written.Count)) }, ct);
                    written.Add(key);

                    // Where the PUT placed it, read at once: later the coordinator's repairer respreads what went crowded,
                    // and when n3 coordinates (elections churn on a loaded machine) it may rebuild onto its own disks.
                    placedOn[key] = [.. index.GetObject(bucket, key)!.Segments.Single().Disks];
                }
                catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.ServiceUnavailable && clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    refused++;
                }
            }

            Output.WriteLine($"storage link to n3 cut (etcd reachable): {written.Count} writes acknowledged within {clock.Elapsed.TotalSeconds:F1} s of the cut, {refused} refused; {proxy.Dropped} connections dropped; unreachable from n1: {string.Join(",", cluster.Server("n1").Store.Storage.Absent.Select(NodeOf).Distinct())}");
            foreach (var key in written)
            {
                Assert.DoesNotContain(placedOn[key], d => NodeOf(d) == "n3");
            }

            Assert.All(cluster.Index.Store.Storage.Disks, d => Assert.Equal(DiskState.Active, cluster.Index.Store.Storage.StateOf(d.Id)));
            Assert.Empty((await cluster.WaitForCoordinatorAsync()).DiskMonitor.CheckOnce()); // A probe now finds n3 down, but not for the down-out interval.
            Assert.All(cluster.Index.Store.Storage.Disks, d => Assert.Equal(DiskState.Active, cluster.Index.Store.Storage.StateOf(d.Id)));

            proxy.Heal();
            var healed = Stopwatch.StartNew();
            while (cluster.Server("n1").Store.Storage.Absent.Count > 0 || cluster.Server("n2").Store.Storage.Absent.Count > 0)
            {
                Assert.True(healed.Elapsed < TimeSpan.FromSeconds(30), "n3 not back in placement 30 s after the link healed");
                await Task.Delay(100, ct);
            }

            // The coordinator's sweep queues what was written crowded; its repairer (and this drain) respread it. A repair
            // may meet a race (the background repairer on the same segment) and be queued again: sweep until it holds.
            var respread = Stopwatch.StartNew();
            while (true)
            {
                var coordinator = await cluster.WaitForCoordinatorAsync();
                coordinator.DiskMonitor.Sweep(null, checkFiles: false);
                await coordinator.Repairer.DrainAsync(ct);
                var crowded = written.Append("before").Where(key => index.GetObject(bucket, key)!.Segments.Single().Disks.GroupBy(NodeOf).Any(g => g.Count() > 2)).ToList();
                if (crowded.Count == 0)
                {
                    break;
                }

                Assert.True(respread.Elapsed < TimeSpan.FromSeconds(30), $"Still crowded 30 s after the heal: {string.Join(", ", crowded)}");
                await Task.Delay(500, ct);
            }

            foreach (var key in written.Append("before"))
            {
                var segment = index.GetObject(bucket, key)!.Segments.Single();
                Assert.All(segment.Disks.GroupBy(NodeOf), g => Assert.True(g.Count() <= 2, $"{key}: {g.Count()} fragments on {g.Key}"));
                var (bytes, _) = await ReadAsync(N3, bucket, key);
                Assert.Equal(40_000, bytes.Length);
            }

            Output.WriteLine($"healed: n3 back in placement after {healed.Elapsed.TotalSeconds:F1} s; respread done");
        }
        finally
        {
            foreach (var disk in ToN3("n1").Concat(ToN3("n2")))
            {
                disk.Retarget(real);
            }
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task EachNodeScrubsItsOwnDisksAndTheCoordinatorRepairsWhatItFinds()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = Names.Bucket("scrub");
        await N1.PutBucketAsync(bucket, ct);
        var data = Names.RandomBytes(60_000, 77);
        await N1.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "victim", InputStream = new MemoryStream(data) }, ct);

        // The cluster quiet first: on a loaded machine a write can go degraded or crowded and the coordinator's repairer
        // then moves fragments in the background (a CI run counted one fewer on n2 than the index said a moment before).
        await ClusterOperations.WaitUntilAsync(
            () => cluster.Coordinator.Repairer.Status() is { QueuedSegments: 0, InProgress: 0 }, TimeSpan.FromSeconds(60), "repair to be idle before the scrub");

        // Corrupt one fragment of the object on n2, in the middle of its blocks.
        var segment = cluster.Index.Store.Index.GetObject(bucket, "victim")!.Segments.Single();
        var index = segment.Disks.Select((d, i) => (d, i)).First(f => NodeOf(f.d) == "n2").i;
        var diskPath = cluster.DiskPaths("n2")[int.Parse(segment.Disks[index].AsSpan("n2-disk".Length), System.Globalization.CultureInfo.InvariantCulture) - 1];
        var hex = segment.Segment.ToString("N");
        var file = Path.Combine(diskPath, "fragments", hex[..2], $"{hex}.{index}");
        var bytes = await File.ReadAllBytesAsync(file, ct);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes, ct);

        // n2's scrub checks exactly the fragments the index places on n2's disks; --all checks every fragment.
        var onN2 = cluster.Index.Store.Index.ReferencedSegments().Sum(s => s.Disks.Count(d => NodeOf(d) == "n2"));
        var all = cluster.Index.Store.Index.ReferencedSegments().Sum(s => s.Disks.Count(d => d.Length > 0));
        var (status, own) = await cluster.AdminAsync("n2", HttpMethod.Post, "scrub");
        Assert.True(status == 200, $"scrub on n2 answered {status}: {own}");
        Assert.Equal((onN2, 1L, 0L), (own.GetProperty("fragmentsChecked").GetInt64(), own.GetProperty("corrupt").GetInt64(), own.GetProperty("missing").GetInt64()));
        var (_, every) = await cluster.AdminAsync("n3", HttpMethod.Post, "scrub", ("scope", "cluster"));
        Assert.Equal(all, every.GetProperty("fragmentsChecked").GetInt64());
        Output.WriteLine($"n2's scrub: {onN2} of {all} fragments checked, {own.GetProperty("corrupt").GetInt64()} corrupt; the whole-cluster scrub through n3 checked {every.GetProperty("fragmentsChecked").GetInt64()}");

        // n2 handed the damage to the coordinator's queue; once repaired, n2's scrub finds nothing and the bytes are right.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var coordinator = await cluster.WaitForCoordinatorAsync();
            await coordinator.Repairer.DrainAsync(ct);
            (_, own) = await cluster.AdminAsync("n2", HttpMethod.Post, "scrub");
            if (own.GetProperty("corrupt").GetInt64() == 0)
            {
                break;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"The corrupt fragment on n2 is still corrupt after {clock.Elapsed.TotalSeconds:F0} s: {own}");
            await Task.Delay(200, ct);
        }

        Assert.NotEqual(bytes, await File.ReadAllBytesAsync(file, ct));
        var (read, _) = await ReadAsync(N2, bucket, "victim");
        Assert.Equal(data, read);
    }

    private static string NodeOf(string disk) => disk[..disk.IndexOf('-', StringComparison.Ordinal)];

    private static string Md5ETag(byte[] data) => "\"" + Convert.ToHexStringLower(MD5.HashData(data)) + "\"";

    private static async Task<(byte[] Bytes, GetObjectResponse Response)> ReadAsync(AmazonS3Client client, string bucket, string key, string? versionId = null)
    {
        using var get = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, VersionId = versionId }, Ct);
        using var buffer = new MemoryStream();
        await get.ResponseStream.CopyToAsync(buffer, Ct);
        return (buffer.ToArray(), get);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, Uri uri, ClusterAuthenticator? signer, string? body = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        if (signer is not null)
        {
            request.Headers.TryAddWithoutValidation(ClusterProtocol.AuthHeader, signer.Sign(method.Method, uri.PathAndQuery));
        }

        return await http.SendAsync(request, Ct);
    }
}
