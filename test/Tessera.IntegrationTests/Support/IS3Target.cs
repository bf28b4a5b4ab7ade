using Amazon.S3;
using Tessera.Index;

namespace Tessera.IntegrationTests;

/// <summary>
/// What the S3 test classes see of a store: AWSSDK.S3 clients and the endpoint of a gateway. A single server
/// (<see cref="StoreFixture"/>) and a 3-node cluster seen through gateways that are not the index node
/// (<see cref="ClusterStoreFixture.Through"/>) both are one, so every S3 test runs against both.
/// </summary>
public interface IS3Target
{
    /// <summary>The root user's client, on <see cref="Endpoint"/>.</summary>
    AmazonS3Client Client { get; }

    /// <summary>The second user's client, on <see cref="AliceEndpoint"/>.</summary>
    AmazonS3Client Alice { get; }

    /// <summary>The gateway <see cref="Client"/> talks to: raw and presigned requests of the root user go here.</summary>
    Uri Endpoint { get; }

    /// <summary>The gateway <see cref="Alice"/> talks to (in a cluster another node than <see cref="Endpoint"/>).</summary>
    Uri AliceEndpoint { get; }

    /// <summary>A scratch directory, removed with the store.</summary>
    string Directory { get; }

    /// <summary>Every directory the store keeps objects or their metadata in.</summary>
    IReadOnlyList<string> DataDirectories { get; }

    /// <summary>A new client on <see cref="Endpoint"/> with these credentials, disposed with the store.</summary>
    AmazonS3Client CreateClient(string accessKey, string secretKey);
}

/// <summary>A store with REDUCED_REDUNDANCY coded by a policy of its own, whose manifests a test may read.</summary>
public interface IStorageClassTarget : IS3Target
{
    /// <summary>The (k, m) REDUCED_REDUNDANCY objects are coded with (STANDARD is RS(4,2)).</summary>
    (int DataShards, int ParityShards) ReducedRedundancy { get; }

    /// <summary>The current version's manifest, as the store's one index holds it.</summary>
    ObjectManifest? Manifest(string bucket, string key);
}

/// <summary>A store with the hostile-client caps of <see cref="HostileStoreFixture"/>, whose data disks a test may list.</summary>
public interface IHostileTarget : IS3Target
{
    /// <summary>Every file on the data disks (index directories aside) with its length: what a refused request must not change.</summary>
    IReadOnlyList<string> DiskFiles();

    /// <summary>The object bodies <see cref="IS3Target.Endpoint"/>'s gateway is reading now (capped at <see cref="HostileStoreFixture.MaxUploads"/>).</summary>
    int ActiveUploads { get; }
}
