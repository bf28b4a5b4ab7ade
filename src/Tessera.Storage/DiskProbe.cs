namespace Tessera.Storage;

/// <summary>What a health check of a disk found (<see cref="IDisk.Probe"/>).</summary>
public enum DiskProbe
{
    /// <summary>The directory is there, carries this disk's identity, and a small write and fsync succeeded.</summary>
    Healthy,

    /// <summary>The directory has vanished (an unmounted or removed disk).</summary>
    Missing,

    /// <summary>The directory is there but empty, without an identity: a replaced disk, ready for <see cref="IDisk.Format"/>.</summary>
    Blank,

    /// <summary>The directory carries another disk's identity: a disk plugged into the wrong slot.</summary>
    Foreign,

    /// <summary>Reading or writing the directory raised I/O errors.</summary>
    Failed,
}
