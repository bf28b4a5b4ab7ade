using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Tessera.S3.Gateway;

/// <summary>
/// Caps the request bodies read at once: in the whole process (<see cref="S3Options.MaxConcurrentUploads"/>) and on
/// one connection (<see cref="S3Options.MaxUploadsPerConnection"/>; HTTP/2 multiplexes streams). Every upload holds
/// a connection, pooled buffers and k+m open fragment files until it ends, so without a cap a few clients that
/// open uploads and stall can exhaust file descriptors for every tenant. Past a cap the answer is 503 SlowDown,
/// which every S3 client retries with back-off.
/// </summary>
public sealed class UploadAdmission
{
    private readonly int _max;
    private readonly int _perConnection;
    private int _active;

    /// <summary>Creates the limiter.</summary>
    /// <param name="max">Uploads at once in the process; 0 = no cap.</param>
    /// <param name="perConnection">Uploads at once on one connection; 0 = no cap.</param>
    public UploadAdmission(int max, int perConnection)
    {
        _max = max;
        _perConnection = perConnection;
    }

    /// <summary>Uploads in progress now.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Whether <paramref name="request"/> carries a body that counts as an upload.</summary>
    public static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>Takes a slot for <paramref name="http"/>, or returns null when a cap is reached. Dispose the lease when the request ends.</summary>
    public Lease? TryEnter(HttpContext http)
    {
        if (Interlocked.Increment(ref _active) > _max && _max > 0)
        {
            Interlocked.Decrement(ref _active);
            return null;
        }

        StrongBox<int>? connection = null;
        if (_perConnection > 0 && http.Features.Get<IConnectionItemsFeature>()?.Items is { } items)
        {
            lock (items)
            {
                if (!items.TryGetValue(typeof(UploadAdmission), out var box))
                {
                    items[typeof(UploadAdmission)] = box = new StrongBox<int>();
                }

                connection = (StrongBox<int>)box!;
            }

            if (Interlocked.Increment(ref connection.Value) > _perConnection)
            {
                Interlocked.Decrement(ref connection.Value);
                Interlocked.Decrement(ref _active);
                return null;
            }
        }

        return new Lease(this, connection);
    }

    /// <summary>One admitted upload; disposing it frees the slot.</summary>
    public sealed class Lease : IDisposable
    {
        private UploadAdmission? _owner;
        private readonly StrongBox<int>? _connection;

        internal Lease(UploadAdmission owner, StrongBox<int>? connection)
        {
            _owner = owner;
            _connection = connection;
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _owner, null) is { } owner)
            {
                if (_connection is not null)
                {
                    Interlocked.Decrement(ref _connection.Value);
                }

                Interlocked.Decrement(ref owner._active);
            }
        }
    }
}
