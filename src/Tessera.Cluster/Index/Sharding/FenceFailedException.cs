namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// A request's fence compare failed: the group's generation is no longer the route's (a range moved, or is moving).
/// <see cref="EtcdIndexStore"/> refreshes its directory and retries the whole call; callers never see it.
/// </summary>
internal sealed class FenceFailedException(string group, long expected) : Exception($"The fence of index group {group} is no longer at generation {expected}.");
