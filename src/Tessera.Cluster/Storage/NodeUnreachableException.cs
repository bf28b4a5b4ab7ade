namespace Tessera.Cluster.Storage;

/// <summary>A remote disk's node did not answer in time or refused the call: a transport failure, not an absent file.</summary>
public sealed class NodeUnreachableException : IOException
{
    /// <summary>Creates the exception.</summary>
    public NodeUnreachableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public NodeUnreachableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the transport error.</summary>
    public NodeUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
