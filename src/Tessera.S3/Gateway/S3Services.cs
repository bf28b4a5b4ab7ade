using Microsoft.Extensions.Logging;
using Tessera.Index;
using Tessera.S3.Auth;
using Tessera.S3.DataPath;
using Tessera.S3.Users;
using Tessera.Storage;

namespace Tessera.S3.Gateway;

/// <summary>What the S3 handlers work with: the index plane, the data plane, the users and the clock.</summary>
public sealed class S3Services
{
    /// <summary>Creates the services.</summary>
    public S3Services(IIndexStore index, ErasureSet storage, UserDirectory users, S3Options options, TimeProvider time, ILoggerFactory loggers)
    {
        Index = index;
        Storage = storage;
        Users = users;
        Options = options;
        Time = time;
        Verifier = new SigV4Verifier(users, time, options.Region);
        Logger = loggers.CreateLogger("Tessera.S3");
        Uploads = new UploadAdmission(options.MaxConcurrentUploads, options.MaxUploadsPerConnection);
    }

    /// <summary>The caps on request bodies read at once.</summary>
    public UploadAdmission Uploads { get; }

    /// <summary>The index plane.</summary>
    public IIndexStore Index { get; }

    /// <summary>The data plane.</summary>
    public ErasureSet Storage { get; }

    /// <summary>Users and their keys.</summary>
    public UserDirectory Users { get; }

    /// <summary>Settings.</summary>
    public S3Options Options { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Signature checking.</summary>
    public SigV4Verifier Verifier { get; }

    /// <summary>The gateway's logger.</summary>
    public ILogger Logger { get; }

    /// <summary>Segments waiting for repair: reads and scrubs that meet damage queue here, the repairer works it.</summary>
    public RepairQueue Repairs { get; } = new();

    /// <summary>Reads that met damage and reconstructed, since start.</summary>
    public ReadDamageCounters ReadDamage { get; } = new();
}
