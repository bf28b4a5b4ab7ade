namespace Tessera.Index.Lifecycle;

/// <summary>
/// A bucket's validated lifecycle configuration (S3's <c>LifecycleConfiguration</c>): its rules, in the order given,
/// and the <c>x-amz-transition-default-minimum-object-size</c> it was put with. Built only by
/// <see cref="LifecycleXml.Parse"/>, so every instance obeys S3's validation rules.
/// </summary>
public sealed record LifecycleConfiguration
{
    /// <summary>S3's limit on the rules of one configuration.</summary>
    public const int MaxRules = 1000;

    /// <summary>The default minimum-size behaviour: objects under 128 KiB transition to no class.</summary>
    public const string AllStorageClasses128K = "all_storage_classes_128K";

    /// <summary>Objects under 128 KiB transition to GLACIER and DEEP_ARCHIVE only.</summary>
    public const string VariesByStorageClass = "varies_by_storage_class";

    /// <summary>The rules, at least one and at most <see cref="MaxRules"/>, with unique ids.</summary>
    public required IReadOnlyList<LifecycleRule> Rules { get; init; }

    /// <summary><see cref="AllStorageClasses128K"/> (the default) or <see cref="VariesByStorageClass"/>.</summary>
    public string TransitionDefaultMinimumObjectSize { get; init; } = AllStorageClasses128K;
}
