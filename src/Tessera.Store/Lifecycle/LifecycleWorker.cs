using System.Collections.Concurrent;
using Tessera.Index;
using Tessera.Index.Lifecycle;
using Tessera.Storage;
using Tessera.Store.Maintenance;

namespace Tessera.Store;

/// <summary>
/// The lifecycle engine: a pass walks every bucket that has a lifecycle configuration, by its rules' prefixes, lists
/// its versions and its incomplete multipart uploads in pages at a bounded rate, and applies what
/// <see cref="LifecycleEvaluator"/> says is due: expirations (a delete in an unversioned bucket, a delete marker in a
/// versioned or suspended one), the removal of expired delete markers, noncurrent expirations, upload aborts, and
/// transitions through <see cref="IObjectTransitioner"/> when one is given (else they are counted as skipped).
/// </summary>
/// <remarks>
/// <para><b>Passes</b> run at start and at every lifecycle-day boundary after the last pass started (due times are
/// those boundaries, so a pass right after one finds everything that became due at it).</para>
/// <para><b>Cursor.</b> After each listing page the worker persists <see cref="LifecycleCursor"/> in the index (system
/// record <see cref="CursorRecord"/>); a worker that starts (a restart, another node elected coordinator) resumes the
/// pass in progress after the last key it completed.</para>
/// <para><b>Safety.</b> Every action on a key is conditional on the key's latest version still being the one listed
/// (<see cref="IIndexStore.DeleteObjectIfLatest"/>, atomic in the index): a PUT that lands after the listing makes the
/// action fail (counted as <c>raced</c>) rather than expire or hide the new version; the next pass evaluates the new
/// state. Noncurrent versions are deleted by id under the same condition, so a suspended bucket's <c>null</c> version
/// that a PUT just replaced is never taken for the old one. Running a pass twice changes nothing more: what the first
/// removed is not listed again, and a delete marker makes the expired version noncurrent (not due again before its
/// NoncurrentDays).</para>
/// <para><b>Memory</b> is one page and one key's state, whatever the bucket holds.</para>
/// </remarks>
public sealed class LifecycleWorker
{
    /// <summary>The name of the cursor's system record in the index.</summary>
    public const string CursorRecord = "lifecycle/cursor";

    /// <summary>The names of the outcomes counted in <see cref="LifecycleBucketStatus.Actions"/>.</summary>
    public static readonly IReadOnlyList<string> Outcomes =
    [
        Expired, DeleteMarkerAdded, DeleteMarkerRemoved, NoncurrentExpired, UploadAborted, Transitioned, TransitionSkipped, TransitionUnavailable, Raced,
    ];

    private const string Expired = "expired";
    private const string DeleteMarkerAdded = "deleteMarkerAdded";
    private const string DeleteMarkerRemoved = "deleteMarkerRemoved";
    private const string NoncurrentExpired = "noncurrentExpired";
    private const string UploadAborted = "uploadAborted";
    private const string Transitioned = "transitioned";
    private const string TransitionSkipped = "transitionSkipped";
    private const string TransitionUnavailable = "transitionUnavailable";
    private const string Raced = "raced";

    private readonly StoreServices _store;
    private readonly IObjectTransitioner? _transitioner;
    private readonly ByteRateLimiter _limiter;
    private readonly SemaphoreSlim _passLock = new(1, 1);
    private readonly ConcurrentDictionary<string, BucketCounters> _buckets = new(StringComparer.Ordinal);
    private DateTimeOffset? _passStart;
    private DateTimeOffset? _lastPassStart;
    private DateTimeOffset? _lastPassEnd;
    private string? _resumedBucket;
    private string? _resumedAfterKey;
    private LifecycleCursor? _cursor;

    /// <summary>Creates the worker over a store.</summary>
    /// <param name="store">The store whose index it walks.</param>
    /// <param name="options">Day length, scan rate, page size.</param>
    /// <param name="transitioner">Moves versions between storage classes, or null (transitions are then skipped).</param>
    public LifecycleWorker(StoreServices store, LifecycleWorkerOptions options, IObjectTransitioner? transitioner = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Day, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.ScanRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.PageSize, 1000);
        _store = store;
        Options = options;
        _transitioner = transitioner;
        _limiter = new ByteRateLimiter(options.ScanRate, store.Time);
    }

    /// <summary>The options.</summary>
    public LifecycleWorkerOptions Options { get; }

    /// <summary>
    /// Whether this process runs passes now (null: always). In a cluster, whether it is the elected coordinator: a pass
    /// stops at the next page when it no longer is, and the next coordinator resumes from the cursor.
    /// </summary>
    public Func<bool>? IsActive { get; set; }

    /// <summary>
    /// A hook called after an action was decided and before it is applied (tests use it to race a PUT against the
    /// action deterministically); null in production.
    /// </summary>
    public Func<LifecyclePending, CancellationToken, Task>? BeforeApplyAsync { get; set; }

    private bool Active => IsActive?.Invoke() ?? true;

    /// <summary>The worker's state and counters.</summary>
    public LifecycleStatus Status => new(
        Active,
        _passStart is not null,
        _passStart,
        _resumedBucket,
        _resumedAfterKey,
        _lastPassStart,
        _lastPassEnd,
        _lastPassStart is { } last ? LifecycleEvaluator.DueAfter(last, 0, Options.Day) : null,
        Volatile.Read(ref _cursor),
        [.. _buckets.Values.Select(b => b.Snapshot()).OrderBy(b => b.Bucket, StringComparer.Ordinal)]);

    /// <summary>
    /// Runs passes until <paramref name="cancellationToken"/> is cancelled: one at once (resuming a persisted cursor),
    /// then one at each lifecycle-day boundary after the last start. While not <see cref="IsActive"/> it checks again
    /// every few seconds. A failed pass is logged and retried at the next boundary (from its cursor).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var idle = TimeSpan.FromSeconds(Math.Min(5, Options.Day.TotalSeconds));
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = idle;
            try
            {
                if (Active)
                {
                    var start = _store.Time.GetUtcNow();
                    if (await RunPassAsync(cancellationToken).ConfigureAwait(false))
                    {
                        wait = LifecycleEvaluator.DueAfter(start, 0, Options.Day) - _store.Time.GetUtcNow();
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or StorageUnavailableException or InvalidOperationException or ArgumentException or HttpRequestException or TimeoutException)
            {
                LogMessages.LifecyclePassFailed(_store.Logger, e);
                wait = Options.Day < idle ? Options.Day : idle;
            }

            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _store.Time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs one pass now (or waits for the one in progress and runs another): resumes the persisted cursor's pass if
    /// one was in progress, else starts a new one. Returns false when it stopped early because the process no longer
    /// <see cref="IsActive"/> (the cursor keeps its place).
    /// </summary>
    public async Task<bool> RunPassAsync(CancellationToken cancellationToken)
    {
        await _passLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => PassAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _passStart = null;
            _passLock.Release();
        }
    }

    /// <summary>The cursor persisted in the index, or null.</summary>
    public LifecycleCursor? ReadCursor() =>
        _store.Index.GetSystemRecord(CursorRecord) is { } bytes ? LifecycleCursor.Decode(bytes) : null;

    private async Task<bool> PassAsync(CancellationToken cancellationToken)
    {
        var stored = ReadCursor();
        var resume = stored is { Bucket: not null } ? stored : null;
        var passStart = resume?.PassStart ?? _store.Time.GetUtcNow();
        _passStart = passStart;
        _resumedBucket = resume?.Bucket;
        _resumedAfterKey = resume?.KeyMarker;
        var lastEnd = stored?.LastPassEnd;
        var clock = _store.Time.GetTimestamp();
        long objects = 0, uploads = 0, actions = 0;
        foreach (var bucket in _store.Index.ListBuckets())
        {
            if (resume is not null && string.CompareOrdinal(bucket.Name, resume.Bucket) < 0)
            {
                continue;
            }

            var at = resume is not null && bucket.Name == resume.Bucket ? resume : null;
            resume = null;
            if (bucket.Lifecycle is null)
            {
                continue;
            }

            LifecycleConfiguration configuration;
            try
            {
                configuration = LifecycleXml.FromStored(bucket.Lifecycle);
            }
            catch (InvalidDataException e)
            {
                LogMessages.LifecycleConfigurationUnreadable(_store.Logger, e, bucket.Name);
                continue;
            }

            var counters = _buckets.AddOrUpdate(
                bucket.Name,
                name => new BucketCounters(name, passStart),
                (name, existing) => existing.PassStart == passStart && existing.PassEnd is null ? existing : new BucketCounters(name, passStart, existing.Totals));
            var prefixes = Prefixes(configuration);
            var bucketPass = new BucketPass(bucket, configuration, counters, passStart, lastEnd);
            var phase = at?.Phase ?? 0;
            for (var i = phase == 0 ? at?.PrefixIndex ?? 0 : prefixes.Count; i < prefixes.Count; i++)
            {
                if (!await WalkVersionsAsync(bucketPass, i, prefixes[i], i == at?.PrefixIndex ? at.KeyMarker : null, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }

            if (configuration.Rules.Any(r => r.Enabled && r.AbortIncompleteMultipartUploadDays is not null))
            {
                for (var i = phase == 1 ? at?.PrefixIndex ?? 0 : 0; i < prefixes.Count; i++)
                {
                    if (!await WalkUploadsAsync(bucketPass, i, prefixes[i], cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }
                }
            }

            counters.PassEnd = _store.Time.GetUtcNow();
            objects += counters.Objects;
            uploads += counters.Uploads;
            actions += counters.ActionCount;
        }

        var end = _store.Time.GetUtcNow();
        Save(new LifecycleCursor(passStart, null, 0, 0, null, end));
        _lastPassStart = passStart;
        _lastPassEnd = end;
        LogMessages.LifecyclePassFinished(_store.Logger, _store.Time.GetElapsedTime(clock).TotalSeconds, objects, uploads, actions);
        return true;
    }

    /// <summary>
    /// The prefixes a pass walks: those of the enabled rules, sorted, each one inside another left out (so that no
    /// key is walked twice); just the empty prefix when a rule has none.
    /// </summary>
    internal static IReadOnlyList<string> Prefixes(LifecycleConfiguration configuration)
    {
        var sorted = configuration.Rules.Where(r => r.Enabled).Select(r => r.Filter.Prefix ?? "").Distinct().Order(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var prefix in sorted)
        {
            // Sorted: a prefix that starts with an earlier kept one sorts right after it and all between start with it too.
            if (result.Count == 0 || !prefix.StartsWith(result[^1], StringComparison.Ordinal))
            {
                result.Add(prefix);
            }
        }

        return result;
    }

    private void Save(LifecycleCursor cursor)
    {
        _store.Index.PutSystemRecord(CursorRecord, cursor.Encode());
        Volatile.Write(ref _cursor, cursor);
    }

    /// <summary>Walks the versions under one prefix of a bucket; false when it stopped because the process is no longer active.</summary>
    private async Task<bool> WalkVersionsAsync(BucketPass pass, int prefixIndex, string prefix, string? keyMarker, CancellationToken cancellationToken)
    {
        var name = pass.Bucket.Name;
        var versioned = pass.Bucket.Versioning != VersioningState.Unversioned;
        var index = _store.Index;
        string? versionMarker = null;
        string? completedKey = keyMarker;
        var key = new KeyState();
        var walk = new LifecycleVersionWalk();
        VersionListing? page = null;
        var position = 0;
        Save(new LifecycleCursor(pass.PassStart, name, 0, prefixIndex, completedKey, pass.LastPassEnd));

        // One-entry lookahead across pages: a current delete marker needs to know whether versions follow it, and the
        // next page is listed (after the last entry, still in place) before that entry's action runs.
        async Task<VersionEntry?> PeekAsync()
        {
            while (page is null || position >= page.Versions.Count)
            {
                if (page is not null && !page.IsTruncated)
                {
                    return null;
                }

                if (page is not null)
                {
                    keyMarker = page.NextKeyMarker;
                    versionMarker = page.NextVersionIdMarker;
                    Save(new LifecycleCursor(pass.PassStart, name, 0, prefixIndex, completedKey, pass.LastPassEnd));
                    if (!Active)
                    {
                        return null;
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
                page = index.ListObjectVersions(name, new ListVersionsQuery(prefix, null, keyMarker, versionMarker, Options.PageSize));
                position = 0;
                await _limiter.AcquireAsync(Math.Max(1, page.Versions.Count), cancellationToken).ConfigureAwait(false);
            }

            return page.Versions[position];
        }

        var current = await PeekAsync().ConfigureAwait(false);
        while (current is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (current.Manifest.Key != key.Name)
            {
                // Every version of the previous key is done: the cursor may go past it.
                completedKey = key.Name ?? completedKey;
                key = new KeyState { Name = current.Manifest.Key, LatestSequence = current.IsLatest ? current.Manifest.Sequence : null };
            }

            position++;
            var next = await PeekAsync().ConfigureAwait(false);
            if (next is null && page!.IsTruncated)
            {
                return false; // No longer active: the cursor keeps the last completed key.
            }

            await EvaluateAsync(pass, key, walk.Next(current), current, next, versioned, cancellationToken).ConfigureAwait(false);
            current = next;
        }

        return true;
    }

    /// <param name="pass">The bucket's pass.</param>
    /// <param name="key">The walk's state within the entry's key.</param>
    /// <param name="listed">The entry as <see cref="LifecycleVersionWalk"/> describes it (when it became noncurrent).</param>
    /// <param name="entry">The entry.</param>
    /// <param name="next">The entry listed after it, if any.</param>
    /// <param name="versioned">Whether the bucket is (or was) versioned.</param>
    /// <param name="cancellationToken">Cancels the pass.</param>
    private async Task EvaluateAsync(BucketPass pass, KeyState key, LifecycleSubject listed, VersionEntry entry, VersionEntry? next, bool versioned, CancellationToken cancellationToken)
    {
        var m = entry.Manifest;
        var counters = pass.Counters;
        counters.Scanned(m);
        var subject = listed with
        {
            Versioned = versioned,
            HasNoncurrentVersions = next is not null && next.Manifest.Key == m.Key,
            NewerNoncurrentVersions = key.Noncurrent,
        };
        var now = _store.Time.GetUtcNow();
        var action = LifecycleEvaluator.Evaluate(pass.Configuration, subject, now, Options.Day);
        if (entry.IsLatest && !m.IsDeleteMarker && action.Kind == LifecycleActionKind.None
            && LifecycleEvaluator.Expiry(pass.Configuration, subject, Options.Day) is { } expiry && expiry.Date > now)
        {
            counters.Due(expiry.Date);
        }

        var removed = false;
        if (action.Kind != LifecycleActionKind.None && key.LatestSequence is { } latest)
        {
            if (BeforeApplyAsync is { } hook)
            {
                await hook(new LifecyclePending(pass.Bucket.Name, m.Key, m.VersionId, action.Kind), cancellationToken).ConfigureAwait(false);
            }

            removed = await ApplyAsync(pass, key, m, action, latest, cancellationToken).ConfigureAwait(false);
        }

        if (!entry.IsLatest && !removed)
        {
            key.Noncurrent++;
        }
    }

    /// <summary>Applies a due action; true when it removed the version it evaluated.</summary>
    private async Task<bool> ApplyAsync(BucketPass pass, KeyState key, ObjectManifest m, LifecycleAction action, ulong latest, CancellationToken cancellationToken)
    {
        var index = _store.Index;
        var bucket = pass.Bucket.Name;
        var counters = pass.Counters;
        switch (action.Kind)
        {
            case LifecycleActionKind.Expire:
                {
                    var result = index.DeleteObjectIfLatest(bucket, m.Key, null, latest);
                    if (result.PreconditionFailed)
                    {
                        counters.Count(Raced);
                        return false;
                    }

                    if (result.DeleteMarker is { } marker)
                    {
                        // The expired version is noncurrent now: older versions have one more noncurrent version above them.
                        key.LatestSequence = marker.Sequence;
                        key.Noncurrent++;
                        counters.Count(DeleteMarkerAdded);
                        return false;
                    }

                    counters.Count(result.Removed is null ? Raced : Expired);
                    return result.Removed is not null;
                }

            case LifecycleActionKind.RemoveDeleteMarker or LifecycleActionKind.ExpireNoncurrent:
                {
                    var result = index.DeleteObjectIfLatest(bucket, m.Key, m.VersionId, latest);
                    if (result.PreconditionFailed || result.Removed is null)
                    {
                        counters.Count(Raced);
                        return false;
                    }

                    counters.Count(action.Kind == LifecycleActionKind.RemoveDeleteMarker ? DeleteMarkerRemoved : NoncurrentExpired);
                    return true;
                }

            case LifecycleActionKind.Transition or LifecycleActionKind.TransitionNoncurrent:
                if (_transitioner is null)
                {
                    counters.Count(TransitionSkipped);
                    return false;
                }

                var outcome = await _transitioner.TransitionAsync(bucket, m.Key, m.VersionId, action.StorageClass!, cancellationToken).ConfigureAwait(false);
                counters.Count(outcome switch
                {
                    TransitionOutcome.Moved => Transitioned,
                    TransitionOutcome.AlreadyThere => TransitionSkipped,
                    TransitionOutcome.Changed => Raced,
                    _ => TransitionUnavailable,
                });
                return false;

            default:
                return false;
        }
    }

    /// <summary>Walks the incomplete uploads under one prefix of a bucket and aborts those due.</summary>
    private async Task<bool> WalkUploadsAsync(BucketPass pass, int prefixIndex, string prefix, CancellationToken cancellationToken)
    {
        var name = pass.Bucket.Name;
        var index = _store.Index;
        string? keyMarker = null;
        string? uploadMarker = null;
        Save(new LifecycleCursor(pass.PassStart, name, 1, prefixIndex, null, pass.LastPassEnd));
        MultipartUpload? held = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Active)
            {
                return false;
            }

            var page = index.ListUploads(name, new ListUploadsQuery(prefix, null, keyMarker, uploadMarker, Options.PageSize));
            await _limiter.AcquireAsync(Math.Max(1, page.Uploads.Count), cancellationToken).ConfigureAwait(false);

            // The last upload of a page is the next page's marker: it is aborted only once the next page is listed.
            if (held is not null)
            {
                await AbortAsync(pass, held, cancellationToken).ConfigureAwait(false);
                held = null;
            }

            for (var i = 0; i < page.Uploads.Count; i++)
            {
                pass.Counters.ScannedUpload();
                if (i == page.Uploads.Count - 1 && page.IsTruncated)
                {
                    held = page.Uploads[i];
                }
                else
                {
                    await AbortAsync(pass, page.Uploads[i], cancellationToken).ConfigureAwait(false);
                }
            }

            if (!page.IsTruncated)
            {
                return true;
            }

            keyMarker = page.NextKeyMarker;
            uploadMarker = page.NextUploadIdMarker;
        }
    }

    private async Task AbortAsync(BucketPass pass, MultipartUpload upload, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (LifecycleEvaluator.AbortDue(pass.Configuration, upload.Key, upload.Initiated, _store.Time.GetUtcNow(), Options.Day) is null)
        {
            return;
        }

        if (BeforeApplyAsync is { } hook)
        {
            await hook(new LifecyclePending(pass.Bucket.Name, upload.Key, upload.UploadId, LifecycleActionKind.None), cancellationToken).ConfigureAwait(false);
        }

        // AbortUpload removes the upload and its parts and queues their segments as garbage in one write, as
        // AbortMultipartUpload does; an upload completed or aborted meanwhile is simply not found.
        var result = _store.Index.AbortUpload(pass.Bucket.Name, upload.Key, upload.UploadId);
        pass.Counters.Count(result == AbortResult.Aborted ? UploadAborted : Raced);
    }

    private sealed record BucketPass(BucketInfo Bucket, LifecycleConfiguration Configuration, BucketCounters Counters, DateTimeOffset PassStart, DateTimeOffset? LastPassEnd);

    /// <summary>The walk's state within one key: its versions come newest first.</summary>
    private sealed class KeyState
    {
        public string? Name { get; init; }

        /// <summary>The sequence of the key's latest version as listed (or as the worker left it), null when unknown.</summary>
        public ulong? LatestSequence { get; set; }

        /// <summary>Noncurrent versions of the key listed so far and still there.</summary>
        public int Noncurrent { get; set; }
    }

    /// <summary>One bucket's counters in one pass (one writer, the pass; readers take snapshots).</summary>
    private sealed class BucketCounters(string bucket, DateTimeOffset passStart, ConcurrentDictionary<string, long>? totals = null)
    {
        private readonly ConcurrentDictionary<string, long> _actions = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, long> _classes = new(StringComparer.Ordinal);
        private long _objects;
        private long _bytes;
        private long _uploads;
        private long _nextDue = long.MaxValue;

        public DateTimeOffset PassStart { get; } = passStart;

        /// <summary>Actions by kind since this process started, carried from pass to pass.</summary>
        public ConcurrentDictionary<string, long> Totals { get; } = totals ?? new(StringComparer.Ordinal);

        public DateTimeOffset? PassEnd { get; set; }

        public long Objects => Interlocked.Read(ref _objects);

        public long Uploads => Interlocked.Read(ref _uploads);

        public long ActionCount => _actions.Where(a => a.Key != Raced && a.Key != TransitionSkipped).Sum(a => a.Value);

        public void Scanned(ObjectManifest m)
        {
            Interlocked.Increment(ref _objects);
            if (!m.IsDeleteMarker)
            {
                Interlocked.Add(ref _bytes, m.Size);
                _classes.AddOrUpdate(m.StorageClass, m.Size, (_, b) => b + m.Size);
            }
        }

        public void ScannedUpload() => Interlocked.Increment(ref _uploads);

        public void Count(string outcome)
        {
            _actions.AddOrUpdate(outcome, 1, static (_, n) => n + 1);
            Totals.AddOrUpdate(outcome, 1, static (_, n) => n + 1);
        }

        public void Due(DateTimeOffset due)
        {
            var ticks = due.UtcTicks;
            long seen;
            while (ticks < (seen = Interlocked.Read(ref _nextDue)) && Interlocked.CompareExchange(ref _nextDue, ticks, seen) != seen)
            {
            }
        }

        public LifecycleBucketStatus Snapshot()
        {
            var due = Interlocked.Read(ref _nextDue);
            return new LifecycleBucketStatus(
                bucket,
                PassStart,
                PassEnd,
                Objects,
                Interlocked.Read(ref _bytes),
                Uploads,
                new SortedDictionary<string, long>(_actions, StringComparer.Ordinal),
                new SortedDictionary<string, long>(_classes, StringComparer.Ordinal),
                new SortedDictionary<string, long>(Totals, StringComparer.Ordinal),
                due == long.MaxValue ? null : new DateTimeOffset(due, TimeSpan.Zero));
        }
    }
}
