namespace Tessera.Server;

/// <summary>A change only the cluster's coordinator may make was attempted on another node (or by a deposed coordinator).</summary>
public sealed class NotCoordinatorException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public NotCoordinatorException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public NotCoordinatorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public NotCoordinatorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
