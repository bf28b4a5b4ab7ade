using Tessera.Index.Lifecycle;

namespace Tessera.Store;

/// <summary>An action the lifecycle worker is about to apply (the argument of <see cref="LifecycleWorker.BeforeApplyAsync"/>).</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The key.</param>
/// <param name="VersionId">The version evaluated (the upload id for an abort).</param>
/// <param name="Kind">The action (<see cref="LifecycleActionKind.None"/> for an upload abort).</param>
public sealed record LifecyclePending(string Bucket, string Key, string VersionId, LifecycleActionKind Kind);
