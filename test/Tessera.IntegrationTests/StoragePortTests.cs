using System.Net;
using Tessera.Cluster.Storage;
using Tessera.Storage;

namespace Tessera.IntegrationTests;

/// <summary>
/// A node's storage port (<c>--storage-address</c>): the other nodes reach its disks there with the cluster secret,
/// and the two ports never serve each other's requests.
/// </summary>
public sealed class StoragePortTests
{
    private const string Secret = "integration-cluster-secret-42";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheStoragePortServesThisNodesDisksToANodeWithTheSecretAndNothingElse()
    {
        await using var store = await RepairStore.StartAsync(6, 1, "4+2", "disk", o =>
        {
            o.StorageAddress = "127.0.0.1:0";
            o.ClusterSecret = Secret;
            o.NodeId = "n1";
        });
        var bucket = await store.PopulateAsync(5, 3);
        var endpoint = store.Server.StorageEndpoint!;
        Assert.NotEqual(store.Server.Endpoint.Port, endpoint.Port);

        // Another node sees every fragment file of disk1 and reads the same blocks.
        using var client = RemoteDisk.CreateClient();
        var local = store.Server.Store.Storage.Disk("disk1")!;
        var remote = new RemoteDisk("disk1", local.Labels, 1, endpoint, client, new ClusterAuthenticator("n2", Secret));
        Assert.Equal(local.ListFragments().Select(f => f.ToString()).Order(StringComparer.Ordinal), remote.ListFragments().Select(f => f.ToString()).Order(StringComparer.Ordinal));
        var id = local.ListFragments().First();
        using (var a = local.OpenFragment(id)!)
        using (var b = remote.OpenFragment(id)!)
        {
            Assert.Equal(a.Header, b.Header);
            var x = new byte[a.Header.BlockLength(0)];
            var y = new byte[x.Length];
            Assert.True(await a.TryReadBlockAsync(0, x, Ct));
            Assert.True(await b.TryReadBlockAsync(0, y, Ct));
            Assert.Equal(x, y);
        }

        Assert.Equal(DiskProbe.Healthy, remote.Probe());

        // The S3 port does not serve storage paths (an S3 answer, not a fragment list), the storage port no S3.
        using var http = new HttpClient();
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(store.Server.Endpoint, ClusterProtocol.DiskPath("disk1", "fragments"))))
        {
            request.Headers.TryAddWithoutValidation(ClusterProtocol.AuthHeader, new ClusterAuthenticator("n2", Secret).Sign("GET", request.RequestUri!.PathAndQuery));
            using var response = await http.SendAsync(request, Ct);
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("<Error>", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var response = await http.GetAsync(new Uri(endpoint, "/" + bucket), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("ListBucketResult", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // The root user's S3 keys are not the cluster secret.
        var withS3Keys = new RemoteDisk("disk1", local.Labels, 1, endpoint, client, new ClusterAuthenticator(StoreFixture.RootKey, StoreFixture.RootSecret));
        Assert.Throws<NodeUnreachableException>(() => withS3Keys.ListFragments().ToList());
    }

    [Fact]
    public async Task AStoragePortWithoutAClusterSecretIsRefusedAtStart()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => RepairStore.StartAsync(6, 1, "4+2", "disk", o => o.StorageAddress = "127.0.0.1:0"));
        Assert.Contains("--cluster-secret", error.Message, StringComparison.Ordinal);
    }
}
