namespace Tessera.Index;

/// <summary>System records (<c>10 'Y' name</c>): the background services' own small records, such as the lifecycle cursor.</summary>
public sealed partial class RocksDbIndexStore
{
    /// <inheritdoc/>
    public byte[]? GetSystemRecord(string name)
    {
        var key = IndexKeys.SystemRecord(name);
        ThrowIfDisposed();
        return _db.Get(key);
    }

    /// <inheritdoc/>
    public void PutSystemRecord(string name, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, IndexKeys.MaxSystemRecordBytes, nameof(value));
        var key = IndexKeys.SystemRecord(name);
        ThrowIfDisposed();
        _db.Put(key, value, null, _syncWrite);
    }
}
