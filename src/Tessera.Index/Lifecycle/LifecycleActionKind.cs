namespace Tessera.Index.Lifecycle;

/// <summary>The action a lifecycle rule takes on an object version.</summary>
public enum LifecycleActionKind
{
    /// <summary>Nothing is due.</summary>
    None,

    /// <summary>Expire the current version: delete it (unversioned bucket) or write a delete marker (versioned).</summary>
    Expire,

    /// <summary>Remove a current delete marker that has no noncurrent versions (ExpiredObjectDeleteMarker).</summary>
    RemoveDeleteMarker,

    /// <summary>Permanently delete a noncurrent version (or noncurrent delete marker).</summary>
    ExpireNoncurrent,

    /// <summary>Move the current version to <see cref="LifecycleAction.StorageClass"/>.</summary>
    Transition,

    /// <summary>Move a noncurrent version to <see cref="LifecycleAction.StorageClass"/>.</summary>
    TransitionNoncurrent,
}
