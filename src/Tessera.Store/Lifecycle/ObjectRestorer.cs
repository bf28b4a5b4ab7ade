using System.Collections.Concurrent;
using System.IO.Pipelines;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.Index.Lifecycle;
using Tessera.Storage;

namespace Tessera.Store;

/// <summary>
/// The archive classes and RestoreObject's worker. A version in an archive class (<see cref="IsArchived"/>: GLACIER,
/// DEEP_ARCHIVE) keeps its bytes on the erasure-coded disks but cannot be read until a restore makes a temporary copy:
/// <see cref="Start"/> records a running restore in the version's manifest (a compare-and-set), then in the background,
/// after <see cref="RetrievalDelay"/>, the archived bytes are re-encoded into the STANDARD policy as new segments and
/// swapped into the manifest with the copy's expiry (again a compare-and-set: a version changed meanwhile keeps its
/// state and the new fragments are deleted). When the copy expires (<see cref="RunAsync"/>'s sweep, or the first read
/// that sees it expired) the restore state is dropped and the copy's segments go to the garbage queue.
/// </summary>
/// <remarks>
/// The restores to finish and the copies to expire are kept in memory; <see cref="RunAsync"/> finds them again in the
/// index when it starts (a walk of every bucket's versions), so a restart resumes running restores and expires copies.
/// Several nodes may work the same restore: the compare-and-set lets one win, the others delete what they wrote.
/// </remarks>
public sealed class ObjectRestorer
{
    private readonly StoreServices _store;
    private readonly ConcurrentDictionary<(string Bucket, string Key, string VersionId), DateTimeOffset> _copies = new();
    private readonly ConcurrentDictionary<(string Bucket, string Key, string VersionId), Task> _running = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Creates the worker.</summary>
    /// <param name="store">The storage engine.</param>
    /// <param name="lifecycleDay">The length of a lifecycle day (the copies' lifetimes are counted in them).</param>
    /// <param name="retrievalDelay">How long a restore waits before it copies (a simulated archive retrieval).</param>
    public ObjectRestorer(StoreServices store, TimeSpan lifecycleDay, TimeSpan retrievalDelay)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifecycleDay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(retrievalDelay, TimeSpan.Zero);
        _store = store;
        LifecycleDay = lifecycleDay;
        RetrievalDelay = retrievalDelay;
    }

    /// <summary>The length of a lifecycle day.</summary>
    public TimeSpan LifecycleDay { get; }

    /// <summary>How long a restore waits before it copies.</summary>
    public TimeSpan RetrievalDelay { get; }

    /// <summary>Restores finished (copies made) since start.</summary>
    public long Restored => Interlocked.Read(ref _restored);

    /// <summary>Copies expired (dropped) since start.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>How long past its retrieval delay a running restore may go before another request takes it over.</summary>
    private static readonly TimeSpan StaleRestore = TimeSpan.FromMinutes(10);

    private long _restored;
    private long _expired;

    /// <summary>Whether <paramref name="storageClass"/> is an archive class: GET needs a restored copy.</summary>
    public static bool IsArchived(string? storageClass) => storageClass is "GLACIER" or "DEEP_ARCHIVE";

    /// <summary>
    /// When a copy made or extended at <paramref name="from"/> for <paramref name="days"/> days expires: the next
    /// lifecycle-day boundary (midnight UTC with 24-hour days) after <paramref name="from"/> plus the days, as S3 rounds.
    /// </summary>
    public DateTimeOffset ExpiryFor(DateTimeOffset from, int days) => LifecycleEvaluator.DueAfter(from, days, LifecycleDay);

    /// <summary>
    /// Starts or extends a restore of <paramref name="version"/> (an archived version, as just read) of
    /// <paramref name="bucket"/>: records it as running and copies in the background (<see cref="RestoreStart.Started"/>);
    /// extends a finished copy to <paramref name="days"/> days from now (<see cref="RestoreStart.Extended"/>); or
    /// answers <see cref="RestoreStart.InProgress"/>. <see cref="RestoreStart.Changed"/> when the version changed under
    /// the compare-and-set (the caller reads it again).
    /// </summary>
    public RestoreStart Start(string bucket, ObjectManifest version, int days, string tier)
    {
        ArgumentNullException.ThrowIfNull(version);
        var now = _store.Time.GetUtcNow();
        var current = version.Restore;
        if (current is { Ongoing: true })
        {
            // A restore that no worker seems to run any more (its node stopped long ago) is taken over; should its node
            // still be copying, the compare-and-set lets one copy in and the other is deleted.
            if (now - current.Requested > RetrievalDelay + StaleRestore)
            {
                EnsureRunning(bucket, version.Key, version.VersionId);
            }

            return RestoreStart.InProgress;
        }

        if (current is not null && current.Expiry > now)
        {
            var extended = current with { Days = days, Requested = now, Expiry = ExpiryFor(now, days) };
            if (!_store.Index.SwapRestore(bucket, version.Key, version.VersionId, current, extended))
            {
                return RestoreStart.Changed;
            }

            _copies[(bucket, version.Key, version.VersionId)] = extended.Expiry!.Value;
            return RestoreStart.Extended;
        }

        // None, or an expired copy not yet dropped: a new restore replaces it (its segments go to the garbage queue).
        var ongoing = new ObjectRestore { Ongoing = true, Days = days, Tier = tier, Requested = now };
        if (!_store.Index.SwapRestore(bucket, version.Key, version.VersionId, current, ongoing))
        {
            return RestoreStart.Changed;
        }

        EnsureRunning(bucket, version.Key, version.VersionId);
        return RestoreStart.Started;
    }

    /// <summary>
    /// Drops the restored copy of <paramref name="version"/> when it has expired (a read that met it expired calls this,
    /// so the copy does not outlive its date by a sweep interval); does nothing otherwise.
    /// </summary>
    public void ExpireIfDue(string bucket, ObjectManifest version)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (version.Restore is { Ongoing: false, Expiry: { } expiry } restore && expiry <= _store.Time.GetUtcNow()
            && _store.Index.SwapRestore(bucket, version.Key, version.VersionId, restore, null))
        {
            _copies.TryRemove((bucket, version.Key, version.VersionId), out _);
            Interlocked.Increment(ref _expired);
            LogMessages.RestoreExpired(_store.Logger, bucket, version.Key, version.VersionId);
        }
    }

    /// <summary>
    /// Finds the running restores and the copies in the index (every bucket's versions), resumes the former, then
    /// every <paramref name="interval"/> expires the copies that are due, until <paramref name="cancellationToken"/>
    /// fires; then waits for the running restores to stop.
    /// </summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            try
            {
                Discover(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogMessages.RestorePassFailed(_store.Logger, e);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, _store.Time, cancellationToken).ConfigureAwait(false);
                try
                {
                    Sweep();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogMessages.RestorePassFailed(_store.Logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(_running.Values).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Expires the copies that are due now (one pass of <see cref="RunAsync"/>).</summary>
    public void Sweep()
    {
        var now = _store.Time.GetUtcNow();
        foreach (var (id, expiry) in _copies)
        {
            if (expiry > now)
            {
                continue;
            }

            var version = _store.Index.GetObject(id.Bucket, id.Key, id.VersionId, includeDeleteMarker: true);
            if (version?.Restore is not { Ongoing: false, Expiry: { } stored })
            {
                _copies.TryRemove(id, out _);
            }
            else if (stored > now)
            {
                _copies[id] = stored;
            }
            else
            {
                ExpireIfDue(id.Bucket, version);
            }
        }
    }

    private void Discover(CancellationToken cancellationToken)
    {
        foreach (var bucket in _store.Index.ListBuckets())
        {
            string? keyMarker = null, versionMarker = null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = _store.Index.ListObjectVersions(bucket.Name, new ListVersionsQuery("", null, keyMarker, versionMarker, 1000));
                foreach (var entry in page.Versions)
                {
                    switch (entry.Manifest.Restore)
                    {
                        case { Ongoing: true }:
                            EnsureRunning(bucket.Name, entry.Manifest.Key, entry.Manifest.VersionId);
                            break;
                        case { Expiry: { } expiry }:
                            _copies[(bucket.Name, entry.Manifest.Key, entry.Manifest.VersionId)] = expiry;
                            break;
                    }
                }

                if (!page.IsTruncated)
                {
                    break;
                }

                (keyMarker, versionMarker) = (page.NextKeyMarker, page.NextVersionIdMarker);
            }
        }

        Sweep();
    }

    private void EnsureRunning(string bucket, string key, string versionId)
    {
        var id = (bucket, key, versionId);
        if (_stopping.IsCancellationRequested || _running.ContainsKey(id))
        {
            return;
        }

        var started = new TaskCompletionSource();
        var task = started.Task.ContinueWith(_ => RestoreAsync(bucket, key, versionId, _stopping.Token), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        if (_running.TryAdd(id, task))
        {
            task.ContinueWith(_ => _running.TryRemove(id, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            started.SetResult();
        }
    }

    private async Task RestoreAsync(string bucket, string key, string versionId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(attempt == 0 ? RetrievalDelay : TimeSpan.FromSeconds(Math.Min(60, 1 << Math.Min(attempt, 6))), _store.Time, cancellationToken).ConfigureAwait(false);
                await CopyAsync(bucket, key, versionId, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogMessages.RestoreFailed(_store.Logger, e, bucket, key, versionId);
            }
        }
    }

    /// <summary>Makes the copy of a running restore and swaps it in; nothing when the version is gone or not restoring.</summary>
    private async Task CopyAsync(string bucket, string key, string versionId, CancellationToken cancellationToken)
    {
        var version = _store.Index.GetObject(bucket, key, versionId, includeDeleteMarker: true);
        if (version?.Restore is not { Ongoing: true } ongoing)
        {
            return;
        }

        var segments = new List<SegmentManifest>();
        if (version.Size > 0)
        {
            segments.Add(await ReencodeAsync(bucket, version, cancellationToken).ConfigureAwait(false));
        }

        var now = _store.Time.GetUtcNow();
        var done = ongoing with { Ongoing = false, Expiry = ExpiryFor(now, ongoing.Days), Segments = segments };
        bool swapped;
        try
        {
            swapped = _store.Index.SwapRestore(bucket, key, versionId, ongoing, done);
        }
        catch
        {
            segments.ForEach(s => SegmentCleanup.Delete(_store.Storage, s));
            throw;
        }

        if (!swapped)
        {
            // The version changed (deleted, restored by another node): the copy is nobody's.
            segments.ForEach(s => SegmentCleanup.Delete(_store.Storage, s));
            return;
        }

        _copies[(bucket, key, versionId)] = done.Expiry!.Value;
        Interlocked.Increment(ref _restored);
        LogMessages.ObjectRestored(_store.Logger, bucket, key, versionId, version.Size, done.Expiry.Value);
        foreach (var segment in segments.Where(s => s.Disks.Any(d => d.Length == 0)))
        {
            // A fragment lost on the way: repaired in the background, as a degraded PUT is.
            _store.Repairs.Enqueue(segment.Segment, segment.ParityShards - segment.Disks.Count(d => d.Length == 0));
        }
    }

    /// <summary>Streams the archived bytes into one new segment in the STANDARD policy, committed (fragments durable) but referenced by nothing yet.</summary>
    private async Task<SegmentManifest> ReencodeAsync(string bucket, ObjectManifest version, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var produce = Task.Run(
            async () =>
            {
                try
                {
                    await using var sink = pipe.Writer.AsStream();
                    await ObjectReader.CopyToAsync(_store, bucket, version with { Restore = null }, 0, version.Size, sink, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    await pipe.Writer.CompleteAsync(e).ConfigureAwait(false);
                    throw;
                }
            },
            cancellationToken);

        using var hasher = new ObjectHasher(ChecksumAlgorithm.None, payloadSha256: false);
        PendingSegment pending;
        await using var source = pipe.Reader.AsStream();
        try
        {
            pending = await SegmentWriter.WriteFragmentsAsync(
                _store.Storage, _store.Buffers, _store.Storage.PolicyFor("STANDARD", version.Size), source, version.Size, hasher,
                new SegmentOwner(bucket, version.Key, version.VersionId, 0), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await produce.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The write's failure is the one reported.
            }

            throw;
        }

        await using (pending)
        {
            await produce.ConfigureAwait(false);

            // No trailer: a restored copy is temporary, so index recovery does not bring it back.
            return await pending.CommitAsync(ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>What <see cref="ObjectRestorer.Start"/> did.</summary>
public enum RestoreStart
{
    /// <summary>A restore was recorded and runs in the background (S3: 202 Accepted).</summary>
    Started,

    /// <summary>The copy was there; its expiry now counts the new days from now (S3: 200 OK).</summary>
    Extended,

    /// <summary>A restore of the version is already running (S3: 409 RestoreAlreadyInProgress).</summary>
    InProgress,

    /// <summary>The version changed under the compare-and-set: read it again.</summary>
    Changed,
}
