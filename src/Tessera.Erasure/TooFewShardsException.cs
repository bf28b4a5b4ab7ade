namespace Tessera.Erasure;

/// <summary>
/// More shards are missing than the code's parity can replace: fewer than k of the k + m survive. The data of the
/// stripe is lost as far as this codec is concerned; the caller decides what that means (an unreadable object).
/// </summary>
public sealed class TooFewShardsException : Exception
{
    /// <summary>Creates the exception for a stripe with <paramref name="present"/> survivors of a code needing <paramref name="needed"/>.</summary>
    public TooFewShardsException(int present, int needed)
        : base($"Only {present} shards are present; reconstruction needs at least {needed}.")
    {
        Present = present;
        Needed = needed;
    }

    /// <summary>How many shards survived.</summary>
    public int Present { get; }

    /// <summary>How many the code needs (k).</summary>
    public int Needed { get; }
}
