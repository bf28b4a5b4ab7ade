using System.Net;
using Tessera.Cluster.Storage;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.Storage;
using Tessera.Store;

namespace Tessera.Tests.Cluster;

/// <summary>
/// The data plane over the network: a <see cref="RemoteDisk"/> against a real <see cref="StorageEndpoint"/> on a
/// loopback Kestrel, with real fragment files behind it. Round trips, durability of what is acknowledged, abandoned
/// writes, corrupt blocks, authentication, and an erasure set whose disks are all remote.
/// </summary>
public sealed class RemoteDiskTests : IAsyncLifetime
{
    private const int ShardSize = 4096;

    private readonly HttpClient _client = RemoteDisk.CreateClient();
    private StorageNodeHost _node = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _node = await StorageNodeHost.StartAsync("n1", 2);

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        _client.Dispose();
    }

    private static FragmentHeader Header(long size, int index = 0) =>
        new(new FragmentId(Guid.NewGuid(), index), 4, 2, ShardSize, size, "bucket", "photos/cat.jpg", "v1", 0);

    private static async Task<byte[][]> WriteAsync(IDisk disk, FragmentHeader header, byte[]? trailer = null)
    {
        var random = new Random(header.Id.Segment.GetHashCode());
        var blocks = new byte[header.StripeCount][];
        await using var writer = await disk.CreateFragmentAsync(header, Ct);
        for (var s = 0; s < blocks.Length; s++)
        {
            blocks[s] = new byte[header.BlockLength(s)];
            random.NextBytes(blocks[s]);
            await writer.WriteBlockAsync(blocks[s], Ct);
        }

        await writer.CommitAsync(trailer ?? [], Ct);
        return blocks;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4 * ShardSize)]
    [InlineData((37 * 4 * ShardSize) + 999)]
    public async Task AFragmentWrittenRemotelyIsOnTheOtherNodesDiskAndReadsBack(long size)
    {
        var remote = _node.RemoteDisks(_client)[0];
        var local = _node.Disks[0];
        var header = Header(size, 3);
        var blocks = await WriteAsync(remote, header, "manifest entry"u8.ToArray());

        // Acknowledged means committed on the other node: the local disk there sees the file, header and trailer.
        using (var there = local.OpenFragment(header.Id))
        {
            Assert.NotNull(there);
            Assert.Equal(header, there.Header);
            Assert.Equal("manifest entry"u8.ToArray(), there.ReadTrailer());
        }

        using var reader = remote.OpenFragment(header.Id);
        Assert.NotNull(reader);
        Assert.Equal(header, reader.Header);
        Assert.Equal("manifest entry"u8.ToArray(), reader.ReadTrailer());
        for (var s = 0; s < blocks.Length; s++)
        {
            var buffer = new byte[header.BlockLength(s)];
            Assert.True(await reader.TryReadBlockAsync(s, buffer, Ct), $"block {s}");
            Assert.Equal(blocks[s], buffer);
        }

        Assert.Contains(header.Id, remote.ListFragments());
        Assert.Equal(local.LastWriteTime(header.Id), remote.LastWriteTime(header.Id));
        Assert.True(remote.DeleteFragment(header.Id));
        Assert.False(remote.DeleteFragment(header.Id));
        Assert.Null(remote.LastWriteTime(header.Id));
        Assert.Null(remote.OpenFragment(header.Id));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(local.Root, "tmp")));
    }

    [Fact]
    public async Task AnAbandonedWriteLeavesNoFileOnTheOtherNode()
    {
        var remote = _node.RemoteDisks(_client)[1];
        var header = Header(10 * 4 * ShardSize);
        var writer = await remote.CreateFragmentAsync(header, Ct);
        await writer.WriteBlockAsync(new byte[header.BlockLength(0)], Ct);
        await writer.WriteBlockAsync(new byte[header.BlockLength(1)], Ct);
        await writer.DisposeAsync();

        var temp = Path.Combine(_node.Disks[1].Root, "tmp");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.EnumerateFiles(temp).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        Assert.Empty(Directory.EnumerateFiles(temp));
        Assert.Null(_node.Disks[1].LastWriteTime(header.Id));
        Assert.DoesNotContain(header.Id, remote.ListFragments());
    }

    [Fact]
    public async Task ACorruptBlockOnTheOtherNodeReadsAsMissingAndTheOthersStillRead()
    {
        var remote = _node.RemoteDisks(_client)[0];
        var header = Header(3 * 4 * ShardSize);
        var blocks = await WriteAsync(remote, header);
        var path = _node.Disks[0].FragmentPath(header.Id);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[4096 + ShardSize + 8 + 10] ^= 0xFF; // a byte of block 1
        await File.WriteAllBytesAsync(path, bytes, Ct);

        using var reader = remote.OpenFragment(header.Id)!;
        var buffer = new byte[ShardSize];
        Assert.False(await reader.TryReadBlockAsync(1, buffer, Ct));
        Assert.True(await reader.TryReadBlockAsync(2, buffer, Ct));
        Assert.Equal(blocks[2], buffer);
        Assert.False(await reader.TryReadBlockAsync(3, buffer, Ct)); // past the end
    }

    [Fact]
    public async Task RecordsRoundTrip()
    {
        var remote = _node.RemoteDisks(_client)[0];
        var id = Guid.NewGuid();
        Assert.Null(remote.ReadRecord(id));
        await remote.WriteRecordAsync(id, "completion"u8.ToArray(), Ct);
        Assert.Equal("completion"u8.ToArray(), remote.ReadRecord(id));
        Assert.Equal("completion"u8.ToArray(), _node.Disks[0].ReadRecord(id));
        Assert.Contains(id, remote.ListRecords());
        Assert.NotNull(remote.RecordWriteTime(id));
        Assert.True(remote.DeleteRecord(id));
        Assert.False(remote.DeleteRecord(id));
        Assert.Equal(DiskProbe.Healthy, remote.Probe());
    }

    [Fact]
    public async Task WrongSecretsUnsignedAndS3SignedRequestsAreRefusedAndChangeNothing()
    {
        var header = Header(4 * ShardSize);
        await WriteAsync(_node.Disks[0], header);
        var path = ClusterProtocol.DiskPath("n1-disk1", "fragments/" + header.Id);

        // A node with another secret: every call is refused, so it sees nothing and deletes nothing.
        var impostor = _node.RemoteDisks(_client, "evil", "another-secret-0123456789")[0];
        Assert.Equal(DiskProbe.Failed, impostor.Probe());
        Assert.Null(impostor.OpenFragment(header.Id));
        Assert.Throws<NodeUnreachableException>(() => impostor.DeleteFragment(header.Id));
        await Assert.ThrowsAsync<NodeUnreachableException>(async () => await WriteAsync(impostor, Header(10)));

        // Plain HTTP with no header, and with an S3 signature (S3 credentials mean nothing here).
        using (var response = await _client.DeleteAsync(new Uri(_node.Endpoint, path), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(_node.Endpoint, path)))
        {
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261203/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + new string('0', 64));
            using var response = await _client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // A signature for another path does not authorise this one.
        using (var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(_node.Endpoint, path)))
        {
            request.Headers.TryAddWithoutValidation(ClusterProtocol.AuthHeader, new ClusterAuthenticator("gw", StorageNodeHost.Secret).Sign("DELETE", ClusterProtocol.DiskPath("n1-disk1", "probe")));
            using var response = await _client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.NotNull(_node.Disks[0].LastWriteTime(header.Id));
    }

    [Fact]
    public async Task AnErasureSetOfRemoteDisksWritesDegradedWithOneNodeGoneAndNeverWithFewerThanKPlusOne()
    {
        // Six nodes of one disk each, RS(4,2) spread over nodes.
        var nodes = new List<StorageNodeHost>();
        try
        {
            for (var i = 1; i <= 6; i++)
            {
                nodes.Add(await StorageNodeHost.StartAsync($"n{i}", 1));
            }

            var options = new RemoteDiskOptions { CallTimeout = TimeSpan.FromSeconds(1), ReadTimeout = TimeSpan.FromSeconds(1), WriteTimeout = TimeSpan.FromSeconds(1) };
            var disks = nodes.SelectMany(n => n.RemoteDisks(_client, options: options)).ToList();
            var set = new ErasureSet(disks, new ErasurePolicy(4, 2, ShardSize, "node"));
            var data = new byte[(20 * 4 * ShardSize) + 123];
            new Random(5).NextBytes(data);

            var healthy = await WriteSegmentAsync(set, data);
            Assert.Equal(6, healthy.Disks.Count(d => d.Length > 0));
            Assert.Equal(data, await ReadSegmentAsync(set, healthy));

            // One node gone: the write goes on with k + 1 = 5 fragments and reads back (degraded).
            await nodes[2].StopAsync();
            var degraded = await WriteSegmentAsync(set, data);
            Assert.Equal(5, degraded.Disks.Count(d => d.Length > 0));
            Assert.Equal(data, await ReadSegmentAsync(set, degraded));
            Assert.Equal(data, await ReadSegmentAsync(set, healthy));

            // One node slow (every request held 30 s, over the 1 s write timeout): dropped too, the write succeeds.
            nodes[2] = await StorageNodeHost.StartAsync("n3b", 1);
            set = new ErasureSet(nodes.SelectMany(n => n.RemoteDisks(_client, options: options)).ToList(), set.Policy);
            nodes[4].Delay = TimeSpan.FromSeconds(30);
            var started = DateTime.UtcNow;
            var slow = await WriteSegmentAsync(set, data);
            TestContext.Current.TestOutputHelper?.WriteLine($"write with a node held 30 s took {(DateTime.UtcNow - started).TotalSeconds:F1} s; {slow.Disks.Count(d => d.Length > 0)} fragments");
            Assert.True(slow.Disks.Count(d => d.Length > 0) >= 4 + 1);
            nodes[4].Delay = TimeSpan.Zero;

            // Two of six gone: fewer than k + 1 could be written, so the write fails and leaves no fragment anywhere.
            await nodes[0].StopAsync();
            await nodes[1].StopAsync();
            await Assert.ThrowsAsync<StorageUnavailableException>(() => WriteSegmentAsync(set, data));
            foreach (var node in nodes.Skip(3))
            {
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (Directory.EnumerateFiles(Path.Combine(node.Disks[0].Root, "tmp")).Any() && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20, Ct);
                }

                Assert.Empty(Directory.EnumerateFiles(Path.Combine(node.Disks[0].Root, "tmp")));
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static async Task<SegmentManifest> WriteSegmentAsync(ErasureSet set, byte[] data)
    {
        using var hasher = new ObjectHasher(ChecksumAlgorithm.None, payloadSha256: false);
        return await SegmentWriter.WriteAsync(set, System.Buffers.ArrayPool<byte>.Shared, set.Policy, new MemoryStream(data), data.Length, hasher, new SegmentOwner("b", "k", "v", 0), null, Ct);
    }

    private static async Task<byte[]> ReadSegmentAsync(ErasureSet set, SegmentManifest segment)
    {
        using var reader = new SegmentReader(set, segment);
        using var output = new MemoryStream();
        await reader.CopyToAsync(output, 0, segment.Size, Ct);
        return output.ToArray();
    }
}
