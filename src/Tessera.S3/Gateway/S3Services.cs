using Microsoft.Extensions.Logging;
using Tessera.S3.Auth;
using Tessera.S3.Users;
using Tessera.Store;

namespace Tessera.S3.Gateway;

/// <summary>What the S3 handlers work with: the storage engine, and the protocol's own users, settings and checks.</summary>
public sealed class S3Services
{
    /// <summary>Creates the services.</summary>
    public S3Services(StoreServices store, UserDirectory users, S3Options options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(loggers);
        Store = store;
        Users = users;
        Options = options;
        Verifier = new SigV4Verifier(users, store.Time, options.Region);
        Logger = loggers.CreateLogger("Tessera.S3");
        Uploads = new UploadAdmission(options.MaxConcurrentUploads, options.MaxUploadsPerConnection);
        Writer = new ObjectWriter(store);
        Restorer = new ObjectRestorer(store, options.LifecycleDay, options.RestoreDelay);
    }

    /// <summary>The archive classes' restores (RestoreObject) and the expiry of their copies.</summary>
    public ObjectRestorer Restorer { get; }

    /// <summary>Requests answered, by operation.</summary>
    public RequestCounters Requests { get; } = new();

    /// <summary>The one write path of object data.</summary>
    public ObjectWriter Writer { get; }

    /// <summary>The storage engine.</summary>
    public StoreServices Store { get; }

    /// <summary>Users and their keys.</summary>
    public UserDirectory Users { get; }

    /// <summary>Settings.</summary>
    public S3Options Options { get; }

    /// <summary>Signature checking.</summary>
    public SigV4Verifier Verifier { get; }

    /// <summary>The gateway's logger.</summary>
    public ILogger Logger { get; }

    /// <summary>The caps on request bodies read at once.</summary>
    public UploadAdmission Uploads { get; }
}
