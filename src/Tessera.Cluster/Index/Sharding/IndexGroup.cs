using dotnet_etcd;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>One index group: an etcd cluster holding some key ranges, under a key prefix.</summary>
/// <param name="Name">The group's name (unique in a directory; groups are told apart by it).</param>
/// <param name="Client">The client of the group's etcd cluster (owned by whoever made the group, not by the store).</param>
/// <param name="KeyPrefix">
/// The prefix of every key the index writes in this group (UTF-8), e.g. <c>/tessera/index/</c>. The group's fence is
/// <c>&lt;KeyPrefix&gt;fence</c> (<see cref="GroupFence"/>); the index records follow the prefix as binary keys
/// (<see cref="EtcdIndexKeys"/>).
/// </param>
public sealed record IndexGroup(string Name, EtcdClient Client, string KeyPrefix);
