using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Tessera.Tests;

/// <summary>POSIX signals .NET's <see cref="System.Diagnostics.Process"/> does not send (it has SIGKILL only).</summary>
internal static partial class ProcessSignals
{
    /// <summary>SIGSTOP on Linux: the process stops until SIGCONT; it cannot catch or ignore it.</summary>
    public const int SigStop = 19;

    /// <summary>SIGCONT on Linux.</summary>
    public const int SigCont = 18;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>.</summary>
    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, {signal}) failed");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
