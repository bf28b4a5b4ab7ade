namespace Tessera.Storage;

/// <summary>
/// An erasure policy cannot be placed on the topology (too few disks, or too few failure domains to survive the
/// loss of one). A configuration error: detected by <see cref="Placement.Validate"/> at startup.
/// </summary>
public sealed class PlacementException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public PlacementException()
        : base("The erasure policy cannot be placed on this topology.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong and what the policy needs.</param>
    public PlacementException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong and what the policy needs.</param>
    /// <param name="innerException">The cause.</param>
    public PlacementException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
