namespace Tessera.Index.Lifecycle;

/// <summary>
/// Pure evaluation of a lifecycle configuration: which action is due on an object version at a given time, when a
/// version will expire (<c>x-amz-expiration</c>), and whether an incomplete upload is due for abort. The length
/// of a lifecycle day is a parameter (24 h in production; tests shorten it, like Ceph's rgw_lc_debug_interval).
/// </summary>
/// <remarks>
/// <para>Due times follow S3: an action "N days after T" is due at T + N days rounded up to the next midnight UTC
/// (the next day boundary strictly after it, as MinIO computes). With a day of length d, the boundaries are the
/// multiples of d from the Unix epoch, so a 24 h day gives midnights UTC.</para>
/// <para>When several actions are due, S3's precedence decides: permanent deletion first, then transition (to the
/// coldest class due), then the creation of a delete marker. Among expirations the earliest due wins.</para>
/// </remarks>
public static class LifecycleEvaluator
{
    /// <summary>Objects under this size transition only under a size filter (or to archive classes, by setting).</summary>
    public const long DefaultMinimumTransitionSize = 128 * 1024;

    /// <summary>
    /// The storage-class ladder, warmest first: a transition only ever moves a version down it. S3's supported
    /// transitions (the "waterfall"): STANDARD_IA may go to INTELLIGENT_TIERING and not the reverse, which goes on to
    /// ONEZONE_IA, GLACIER_IR, GLACIER and DEEP_ARCHIVE.
    /// </summary>
    private static readonly Dictionary<string, int> Ladder = new(StringComparer.Ordinal)
    {
        ["STANDARD"] = 0,
        ["REDUCED_REDUNDANCY"] = 0,
        ["EXPRESS_ONEZONE"] = 0,
        ["OUTPOSTS"] = 0,
        ["SNOW"] = 0,
        ["STANDARD_IA"] = 1,
        ["INTELLIGENT_TIERING"] = 2,
        ["ONEZONE_IA"] = 3,
        ["GLACIER_IR"] = 4,
        ["GLACIER"] = 5,
        ["DEEP_ARCHIVE"] = 6,
    };

    /// <summary>
    /// The boundary an action "<paramref name="days"/> days after <paramref name="start"/>" falls due at: the first
    /// multiple of <paramref name="day"/> (from the Unix epoch) strictly after start + days × day. Saturates at
    /// <see cref="DateTimeOffset.MaxValue"/>.
    /// </summary>
    public static DateTimeOffset DueAfter(DateTimeOffset start, int days, TimeSpan day)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(day, TimeSpan.Zero);
        var epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        var ticks = (Int128)(start.UtcTicks - epoch) + ((Int128)days * day.Ticks);
        var boundaries = ticks >= 0 ? ticks / day.Ticks : ((ticks + 1) / day.Ticks) - 1;
        var due = ((boundaries + 1) * day.Ticks) + epoch;
        return due >= DateTimeOffset.MaxValue.UtcTicks ? DateTimeOffset.MaxValue : new DateTimeOffset((long)due, TimeSpan.Zero);
    }

    /// <summary>
    /// When <paramref name="subject"/> expires under <paramref name="configuration"/> and by which rule (the earliest
    /// of the enabled rules that select it), or null when none does: the <c>x-amz-expiration</c> header of a read.
    /// </summary>
    /// <remarks>
    /// <para>A current version expires by its rules' Expiration (Days after its last-modified time, or Date). A
    /// noncurrent version expires by their NoncurrentVersionExpiration: NoncurrentDays after it became noncurrent
    /// (<see cref="LifecycleSubject.NoncurrentSince"/>, its successor's last-modified time), rounded as every due time;
    /// with no <see cref="LifecycleSubject.NoncurrentSince"/> it has none. As MinIO answers (its
    /// <c>Lifecycle.SetPredictionHeaders</c>, which evaluates a version alone), a NoncurrentVersionExpiration with
    /// NewerNoncurrentVersions gives no date: whether it ever applies depends on the versions written after.</para>
    /// <para>Delete markers have none (S3 answers their reads with an error, not a header).</para>
    /// </remarks>
    public static LifecycleExpiry? Expiry(LifecycleConfiguration configuration, LifecycleSubject subject, TimeSpan day)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.IsDeleteMarker || (!subject.IsLatest && subject.NoncurrentSince is null))
        {
            return null;
        }

        LifecycleExpiry? earliest = null;
        foreach (var rule in configuration.Rules)
        {
            var due = !Selects(rule, subject) ? null
                : subject.IsLatest ? ExpirationDue(rule, subject, day)
                : rule.NoncurrentVersionExpiration is { NewerNoncurrentVersions: null } n ? DueAfter(subject.NoncurrentSince!.Value, n.NoncurrentDays, day)
                : null;
            if (due is { } date && (earliest is null || date < earliest.Value.Date))
            {
                earliest = new LifecycleExpiry(date, rule.Id);
            }
        }

        return earliest;
    }

    /// <summary>The action due on <paramref name="subject"/> at <paramref name="now"/>, or <see cref="LifecycleAction.None"/>.</summary>
    public static LifecycleAction Evaluate(LifecycleConfiguration configuration, LifecycleSubject subject, DateTimeOffset now, TimeSpan day)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(day, TimeSpan.Zero);
        if (!subject.IsLatest)
        {
            return EvaluateNoncurrent(configuration, subject, now, day);
        }

        if (subject.IsDeleteMarker)
        {
            if (subject.HasNoncurrentVersions)
            {
                return LifecycleAction.None;
            }

            foreach (var rule in configuration.Rules)
            {
                if (Selects(rule, subject) && rule.Expiration?.ExpiredObjectDeleteMarker == true)
                {
                    return new LifecycleAction(LifecycleActionKind.RemoveDeleteMarker, rule.Id, null, subject.LastModified);
                }
            }

            return LifecycleAction.None;
        }

        var expire = LifecycleAction.None;
        var transition = LifecycleAction.None;
        foreach (var rule in configuration.Rules)
        {
            if (!Selects(rule, subject))
            {
                continue;
            }

            if (ExpirationDue(rule, subject, day) is { } expires && expires <= now
                && (expire.Kind == LifecycleActionKind.None || expires < expire.Due))
            {
                expire = new LifecycleAction(LifecycleActionKind.Expire, rule.Id, null, expires);
            }

            foreach (var t in rule.Transitions)
            {
                var due = t.Date ?? DueAfter(subject.LastModified, t.Days ?? 0, day);
                if (due <= now && MayTransition(configuration, rule, subject, t.StorageClass) && Colder(t.StorageClass, transition))
                {
                    transition = new LifecycleAction(LifecycleActionKind.Transition, rule.Id, t.StorageClass, due);
                }
            }
        }

        // Permanent deletion over transition; transition over the creation of a delete marker.
        return expire.Kind != LifecycleActionKind.None && !subject.Versioned ? expire
            : transition.Kind != LifecycleActionKind.None ? transition
            : expire;
    }

    /// <summary>
    /// The rule that aborts an incomplete multipart upload of <paramref name="key"/> started at
    /// <paramref name="initiated"/>, with when it became due, if one is due at <paramref name="now"/>.
    /// </summary>
    public static LifecycleAction? AbortDue(LifecycleConfiguration configuration, string key, DateTimeOffset initiated, DateTimeOffset now, TimeSpan day)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        LifecycleAction? earliest = null;
        foreach (var rule in configuration.Rules)
        {
            if (rule.Enabled && rule.AbortIncompleteMultipartUploadDays is { } days && rule.Filter.Matches(key, 0, []))
            {
                var due = DueAfter(initiated, days, day);
                if (due <= now && (earliest is null || due < earliest.Value.Due))
                {
                    earliest = new LifecycleAction(LifecycleActionKind.None, rule.Id, null, due);
                }
            }
        }

        return earliest;
    }

    private static LifecycleAction EvaluateNoncurrent(LifecycleConfiguration configuration, LifecycleSubject subject, DateTimeOffset now, TimeSpan day)
    {
        if (subject.NoncurrentSince is not { } since)
        {
            return LifecycleAction.None;
        }

        var expire = LifecycleAction.None;
        var transition = LifecycleAction.None;
        foreach (var rule in configuration.Rules)
        {
            if (!Selects(rule, subject))
            {
                continue;
            }

            if (rule.NoncurrentVersionExpiration is { } n && Retained(n.NewerNoncurrentVersions, subject) is false)
            {
                var due = DueAfter(since, n.NoncurrentDays, day);
                if (due <= now && (expire.Kind == LifecycleActionKind.None || due < expire.Due))
                {
                    expire = new LifecycleAction(LifecycleActionKind.ExpireNoncurrent, rule.Id, null, due);
                }
            }

            if (subject.IsDeleteMarker)
            {
                continue;
            }

            foreach (var t in rule.NoncurrentVersionTransitions)
            {
                var due = DueAfter(since, t.Days ?? 0, day);
                if (due <= now && !Retained(t.NewerNoncurrentVersions, subject)
                    && MayTransition(configuration, rule, subject, t.StorageClass) && Colder(t.StorageClass, transition))
                {
                    transition = new LifecycleAction(LifecycleActionKind.TransitionNoncurrent, rule.Id, t.StorageClass, due);
                }
            }
        }

        return expire.Kind != LifecycleActionKind.None ? expire : transition;
    }

    /// <summary>Whether NewerNoncurrentVersions keeps this version: it is one of the newest N noncurrent ones.</summary>
    private static bool Retained(int? newer, LifecycleSubject subject) => newer is { } n && subject.NewerNoncurrentVersions < n;

    private static DateTimeOffset? ExpirationDue(LifecycleRule rule, LifecycleSubject subject, TimeSpan day) => rule.Expiration switch
    {
        { Date: { } date } => date,
        { Days: { } days } => DueAfter(subject.LastModified, days, day),
        _ => null,
    };

    private static bool Selects(LifecycleRule rule, LifecycleSubject subject) =>
        rule.Enabled && rule.Filter.Matches(subject.Key, subject.Size, subject.Tags);

    /// <summary>
    /// A transition moves a version down the ladder only, and (unless the rule filters on size) not an object under
    /// 128 KiB, but to the archive classes when the configuration says <c>varies_by_storage_class</c>.
    /// </summary>
    private static bool MayTransition(LifecycleConfiguration configuration, LifecycleRule rule, LifecycleSubject subject, string target)
    {
        if (Rank(target) <= Rank(subject.StorageClass))
        {
            return false;
        }

        if (subject.Size >= DefaultMinimumTransitionSize || rule.Filter.HasSize)
        {
            return true;
        }

        return configuration.TransitionDefaultMinimumObjectSize == LifecycleConfiguration.VariesByStorageClass
            && target is "GLACIER" or "DEEP_ARCHIVE";
    }

    private static bool Colder(string target, LifecycleAction current) =>
        current.Kind == LifecycleActionKind.None || Rank(target) > Rank(current.StorageClass!);

    private static int Rank(string storageClass) => Ladder.GetValueOrDefault(storageClass, 0);
}
