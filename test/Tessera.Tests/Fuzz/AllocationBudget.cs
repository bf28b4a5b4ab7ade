using System.Collections.Concurrent;
using Tessera.Core.Errors;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// The "no unbounded allocation" property: what one call allocates on the current thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) must stay under a bound linear in the input's size.
/// </summary>
/// <remarks>
/// The bound is <see cref="Fixed"/> + <see cref="PerUnit"/> bytes per input unit (a byte, or a char of a string
/// input). The fixed part covers what any call may pay once: XmlReader's buffers (4 KiB of bytes and 4 Ki chars, about
/// 20 KiB with its name table), the 16 KiB framing buffer of AwsChunkedStream or a pooled array the shared ArrayPool
/// did not have, an exception with its stack trace (a few KiB). The linear part covers a parser that keeps what it
/// read: an XML tree costs an XElement or XAttribute with its name and value for every few input bytes, a decoded
/// string two bytes per char, a pooled buffer of 3 or 9 bytes per input char rounded up to a power of two. The densest
/// input measured (an attribute every 9 bytes, see XmlFuzzTests) cost 44 bytes per byte; every other target stays
/// under 12. 64 leaves that margin and still fails a blow-up (a billion laughs, a buffer sized from a number in the
/// input, a copy per chunk), which is what the property is for.
/// <para>
/// Lazy one-time initialisation (a resource string table loaded by the first exception of its kind, a static
/// table) can land in any call: a call over the bound is measured again, and fails only if it is over again.
/// </para>
/// </remarks>
internal static class AllocationBudget
{
    /// <summary>Bytes any call may allocate whatever its input.</summary>
    public const long Fixed = 64 * 1024;

    /// <summary>Bytes allowed per input unit.</summary>
    public const long PerUnit = 64;

    /// <summary>Per call site: the most any call allocated, and the most per input unit by a call with a long input.</summary>
    private static readonly ConcurrentDictionary<string, Extremes> Seen = new(StringComparer.Ordinal);

    /// <summary>The bound for an input of <paramref name="length"/> units.</summary>
    public static long For(long length) => Fixed + (PerUnit * length);

    /// <summary>
    /// Runs <paramref name="call"/>, asserting its allocations stay within the bound for <paramref name="length"/>
    /// and that it throws nothing but <see cref="S3Exception"/>. Returns that exception, or null.
    /// </summary>
    public static S3Exception? Check(string target, long length, Action call)
    {
        var (allocated, error) = Measure(call);
        if (allocated > For(length))
        {
            // Perhaps a one-time initialisation: the same call again, warm.
            (allocated, error) = Measure(call);
        }

        if (error is not null and not S3Exception)
        {
            throw new InvalidOperationException($"{target} threw {error.GetType().Name} (only S3Exception may escape): {error.Message}", error);
        }

        if (allocated > For(length))
        {
            throw new InvalidOperationException($"{target} allocated {allocated:N0} bytes for an input of {length:N0} (bound {For(length):N0})");
        }

        Seen.AddOrUpdate(target, _ => Extremes.Of(allocated, length), (_, seen) => seen.With(allocated, length));
        return (S3Exception?)error;
    }

    /// <summary>What the call sites named <paramref name="targets"/> allocated at most, for the report.</summary>
    public static string Describe(params string[] targets) => string.Join(
        "; ",
        targets.Where(Seen.ContainsKey).Select(t => Seen[t].Describe(t)));

    private static (long Allocated, Exception? Error) Measure(Action call)
    {
        Exception? error = null;
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            call();
        }
        catch (Exception e)
        {
            error = e;
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before, error);
    }
}
