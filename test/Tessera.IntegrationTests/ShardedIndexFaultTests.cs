using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Amazon.S3;
using Tessera.Linearizability;

namespace Tessera.IntegrationTests;

/// <summary>
/// Issue 16's workloads through S3, against a running 3-node cluster on the range-sharded index, while a nemesis
/// partitions, pauses and kills the etcd members of the index group that holds the keys
/// (<see cref="ShardedFaultClusterFixture"/>: g1's three members each in a network namespace, the control plane, g2
/// and the nodes on loopback). Clients are AWSSDK.S3 clients at their defaults (retries included) spread over the
/// three gateways; histories are recorded on one monotonic clock and checked with <see cref="LinearizabilityChecker"/>.
/// </summary>
/// <remarks>
/// <para>The faults (<see cref="EtcdGroupNemesis"/>), each on the member that leads when it begins, held 3 s: the
/// leader isolated (its peer and client ports cut both ways); a 1 | 2 split with the leader alone and the gateways on
/// its side (they reach only the minority: every index call must fail or wait, none may answer from the deposed
/// leader), and the same split with the gateways on the majority's side (the cluster must go on after an election);
/// the leader SIGSTOPped; the leader SIGKILLed and restarted over its data.</para>
/// <para>Outcomes: an answer is determinate; a 5xx after the SDK's retries, a timeout or a connection failure is
/// indeterminate (may have applied, now or later). Writes are recorded one operation per HTTP attempt
/// (<see cref="HttpAttempts"/>): the SDK's retry of a PUT is a second write of the same value, and a conditional PUT
/// answered 412 on a retry may have applied on its first attempt.</para>
/// <para><c>TESSERA_LONG_FAULTS=1</c> runs the issue's sizes: the register workload for 300 s (at least 5,000
/// operations acknowledged) and the set workload with 2,000 PUTs.</para>
/// </remarks>
[Collection(ShardedFaultClusterCollection.Name)]
public sealed partial class ShardedIndexFaultTests(ShardedFaultClusterFixture cluster)
{
    private static ITestOutputHelper Output => TestContext.Current.TestOutputHelper!;

    private static bool Long => Environment.GetEnvironmentVariable("TESSERA_LONG_FAULTS") == "1";

    /// <summary>
    /// How long each fault is held: 3 s, but 6 s for the split that leaves the gateways with the minority, longer than
    /// the gateways' 5 s etcd deadline, so their index calls time out (503), the SDK retries and some calls end
    /// indeterminate: the outcomes the other faults, healed within the deadline, rarely produce.
    /// </summary>
    private static TimeSpan Hold(FaultKind kind) => TimeSpan.FromSeconds(kind == FaultKind.SplitGatewaysWithMinority ? 6 : 3);

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    /// <summary>A client of <paramref name="node"/>'s gateway, root credentials, SDK defaults (the caller disposes it).</summary>
    private AmazonS3Client ClientOf(string node) => cluster.Client(node, StoreFixture.RootKey, StoreFixture.RootSecret);

    /// <summary>
    /// Sends one write through <paramref name="send"/> and records it one operation per HTTP attempt: every attempt
    /// but the last indeterminate from its start; the last with the call's outcome, from its start to the call's end.
    /// </summary>
    private static async Task<WriteResult> WriteAsync<TInput, TOutput>(
        HistoryRecorder<TInput, TOutput> recorder, int client, TInput input, TOutput succeeded, TOutput? failed,
        Func<Task> send, Func<AmazonS3Exception, bool> isConditionFailure, ConcurrentDictionary<string, int> errors)
    {
        var attempts = HttpAttempts.Track();
        var call = recorder.Now();
        WriteOutcome outcome;
        try
        {
            await send();
            outcome = WriteOutcome.Ok;
        }
        catch (AmazonS3Exception e) when (isConditionFailure(e))
        {
            outcome = WriteOutcome.Failed;
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            errors.AddOrUpdate(Describe(e), 1, (_, n) => n + 1);
            outcome = WriteOutcome.Indeterminate;
        }

        var end = recorder.Now();
        var starts = attempts.Starts;
        if (starts.Count == 0)
        {
            // No request left (cancelled before it was sent): it cannot have applied, but say so only if it was not answered.
            Assert.True(outcome == WriteOutcome.Indeterminate, $"{input} was answered ({outcome}) but no HTTP attempt was seen: the attempt tracking is broken.");
            recorder.Add(Operation<TInput, TOutput>.Indeterminate(client, input, call, end));
            return new WriteResult(outcome, 0, call, end);
        }

        for (var i = 0; i < starts.Count - 1; i++)
        {
            recorder.Add(Operation<TInput, TOutput>.Indeterminate(client, input, starts[i], end));
        }

        recorder.Add(outcome == WriteOutcome.Indeterminate
            ? Operation<TInput, TOutput>.Indeterminate(client, input, starts[^1], end)
            : new Operation<TInput, TOutput>(client, input, outcome == WriteOutcome.Ok ? succeeded : failed, starts[^1], end));
        return new WriteResult(outcome, starts.Count, call, end);
    }

    /// <summary>An error as the summary counts it: the S3 status and code, or the exception type.</summary>
    private static string Describe(Exception e) => e switch
    {
        AmazonS3Exception s3 => $"{(int)s3.StatusCode} {s3.ErrorCode}",
        _ => e.GetType().Name,
    };

    private static bool IsNoSuchKey(AmazonS3Exception e) => e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode == "NoSuchKey";

    /// <summary>Asserts that every range of the directory is on g1 (the faulted group holds every key of the run).</summary>
    private async Task AssertEveryRangeOnTheFaultedGroupAsync()
    {
        var (status, index) = await cluster.AdminAsync("n1", HttpMethod.Get, "index");
        Assert.Equal(200, status);
        var elsewhere = index.GetProperty("ranges").EnumerateArray().Where(r => r.GetProperty("group").GetString() != "g1").ToList();
        Assert.True(elsewhere.Count == 0, $"ranges not on the faulted group g1: {string.Join(", ", elsewhere)}");
    }

    /// <summary>Operations per fault kind in place when they were called ("no fault" between faults), as "ok/failed/indeterminate".</summary>
    private static string Tally(IEnumerable<(long Call, WriteOutcome Outcome)> operations, IReadOnlyList<InjectedFault> faults)
    {
        var rows = operations
            .GroupBy(o => faults.FirstOrDefault(f => f.Covers(o.Call))?.Kind.ToString() ?? "no fault")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {g.Count(o => o.Outcome == WriteOutcome.Ok)}/{g.Count(o => o.Outcome == WriteOutcome.Failed)}/{g.Count(o => o.Outcome == WriteOutcome.Indeterminate)}");
        return "ok/failed/indeterminate by the fault in place at the call: " + string.Join("; ", rows);
    }

    /// <summary>Asserts the nemesis injected every kind in <paramref name="kinds"/> and that every cut dropped packets.</summary>
    private static void AssertFaults(IReadOnlyList<InjectedFault> faults, params FaultKind[][] kinds)
    {
        foreach (var alternatives in kinds)
        {
            Assert.True(faults.Any(f => alternatives.Contains(f.Kind)), $"the nemesis never injected {string.Join(" or ", alternatives)}; it injected: {string.Join(", ", faults)}");
        }

        var silent = faults.Where(f => f.Kind is not (FaultKind.PauseLeader or FaultKind.KillLeader) && f.Dropped == 0).ToList();
        Assert.True(silent.Count == 0, $"cuts that dropped no packet (not a real cut): {string.Join(", ", silent)}");
    }

    private enum WriteOutcome
    {
        Ok,
        Failed,
        Indeterminate,
    }

    private sealed record WriteResult(WriteOutcome Outcome, int Attempts, long Call, long End);
}
