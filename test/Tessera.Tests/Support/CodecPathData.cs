using Tessera.Erasure;

namespace Tessera.Tests;

/// <summary>
/// Every codec path, as xunit theory data (path, emulated): each path this machine can run on its own instructions
/// (paths it cannot run are reported as skipped), and both GFNI paths again on software GF2P8AFFINEQB, so that their
/// loops are tested on every machine.
/// </summary>
public sealed class CodecPathData : TheoryData<CodecPath, bool>
{
    public CodecPathData()
    {
        foreach (var path in Enum.GetValues<CodecPath>())
        {
            if (CodecPaths.IsSupported(path))
            {
                Add(path, false);
            }
            else
            {
                Add(new TheoryDataRow<CodecPath, bool>(path, false) { Skip = $"{path} is not supported by this CPU" });
            }
        }

        Add(CodecPath.Gfni256, true);
        Add(CodecPath.Gfni512, true);
    }

    /// <summary>Every (path, emulated) pair this machine can run: the supported paths, then the emulated GFNI paths.</summary>
    public static IEnumerable<(CodecPath Path, bool Emulated)> Runnable =>
        CodecPaths.Supported.Select(p => (p, false)).Concat([(CodecPath.Gfni256, true), (CodecPath.Gfni512, true)]);
}
