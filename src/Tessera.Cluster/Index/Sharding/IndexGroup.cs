using dotnet_etcd;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>One index group: an etcd cluster holding some key ranges of the index, under a key prefix.</summary>
/// <param name="Name">The group's name in the range directory.</param>
/// <param name="Client">A client of the group's etcd cluster.</param>
/// <param name="KeyPrefix">The prefix of every index key in the group (ends in '/').</param>
public sealed record IndexGroup(string Name, EtcdClient Client, string KeyPrefix);
