using System.Buffers;
using Microsoft.Extensions.Logging;
using Tessera.Index;
using Tessera.Storage;
using Tessera.Store.Maintenance;
using Tessera.Store.Tiering;

namespace Tessera.Store;

/// <summary>
/// The storage engine a protocol front end and the maintenance services work with: the index plane, the data plane,
/// the clock, the buffer pool, the repair queue and the engine's settings. Nothing here knows S3.
/// </summary>
public sealed class StoreServices
{
    /// <summary>Creates the engine over an index and a set of disks.</summary>
    /// <param name="index">The index plane.</param>
    /// <param name="storage">The data plane.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggers">Where the engine logs.</param>
    /// <param name="buffers">The pool every stripe and framing buffer comes from (tests pass a diagnostic one); default the shared pool.</param>
    public StoreServices(IIndexStore index, ErasureSet storage, TimeProvider time, ILoggerFactory loggers, ArrayPool<byte>? buffers = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        Index = index;
        Storage = storage;
        Time = time;
        Logger = loggers.CreateLogger("Tessera.Store");
        Buffers = buffers ?? ArrayPool<byte>.Shared;
    }

    /// <summary>The index plane.</summary>
    public IIndexStore Index { get; }

    /// <summary>The data plane.</summary>
    public ErasureSet Storage { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The engine's logger.</summary>
    public ILogger Logger { get; }

    /// <summary>Where pooled buffers come from and go back to.</summary>
    public ArrayPool<byte> Buffers { get; }

    /// <summary>How long fragments of replaced or deleted versions wait before the collector deletes them. Default 5 minutes.</summary>
    public TimeSpan GarbageGracePeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a completed multipart upload is remembered, so a retried completion gets the same answer. Default a day.</summary>
    public TimeSpan CompletedUploadRetention { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The remote tiers and the storage classes whose bytes live in them. Default none.</summary>
    public RemoteTiers Tiers { get; init; } = new();

    /// <summary>Segments waiting for repair: reads and scrubs that meet damage queue here, the repairer works it.</summary>
    public RepairQueue Repairs { get; } = new();

    /// <summary>Reads that met damage and reconstructed, since start.</summary>
    public ReadDamageCounters ReadDamage { get; } = new();
}
