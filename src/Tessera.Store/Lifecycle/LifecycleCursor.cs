using System.Text.Json;

namespace Tessera.Store;

/// <summary>
/// Where the lifecycle worker is, kept in the index as the system record <see cref="LifecycleWorker.CursorRecord"/>
/// after every listing page, so that a restarted worker (or a newly elected coordinator) continues the pass where it
/// stopped instead of from the first key.
/// </summary>
/// <param name="PassStart">When the pass in progress started (or the last one, when <paramref name="Bucket"/> is null).</param>
/// <param name="Bucket">The bucket the pass is in, or null when no pass is in progress.</param>
/// <param name="Phase">0: the bucket's versions; 1: its multipart uploads.</param>
/// <param name="PrefixIndex">Which of the bucket's rule prefixes (sorted, those inside another left out) is being walked.</param>
/// <param name="KeyMarker">
/// The last key whose versions are all done (the walk goes on after it), or null for the start of the prefix. A key is
/// done as a whole: its noncurrent versions are evaluated in order from its newest, so a pass that resumes walks a
/// partly done key again (every action is idempotent).
/// </param>
/// <param name="LastPassEnd">When the last completed pass ended, or null.</param>
public sealed record LifecycleCursor(DateTimeOffset PassStart, string? Bucket, int Phase, int PrefixIndex, string? KeyMarker, DateTimeOffset? LastPassEnd)
{
    /// <summary>The record's bytes (JSON).</summary>
    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        using (var j = new Utf8JsonWriter(buffer))
        {
            j.WriteStartObject();
            j.WriteNumber("v", 1);
            j.WriteString("passStart", PassStart);
            j.WriteString("bucket", Bucket);
            j.WriteNumber("phase", Phase);
            j.WriteNumber("prefix", PrefixIndex);
            j.WriteString("keyMarker", KeyMarker);
            if (LastPassEnd is { } end)
            {
                j.WriteString("lastPassEnd", end);
            }

            j.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The cursor in <paramref name="bytes"/>, or null when they are not one (a newer format, damage).</summary>
    public static LifecycleCursor? Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.GetProperty("v").GetInt32() != 1)
            {
                return null;
            }

            return new LifecycleCursor(
                root.GetProperty("passStart").GetDateTimeOffset(),
                root.GetProperty("bucket").GetString(),
                root.GetProperty("phase").GetInt32(),
                root.GetProperty("prefix").GetInt32(),
                root.GetProperty("keyMarker").GetString(),
                root.TryGetProperty("lastPassEnd", out var end) ? end.GetDateTimeOffset() : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
