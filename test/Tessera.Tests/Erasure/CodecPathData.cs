using Tessera.Erasure;

namespace Tessera.Tests.Erasure;

/// <summary>Every codec path this machine can run, as xunit theory data; paths it cannot run are reported as skipped.</summary>
public sealed class CodecPathData : TheoryData<CodecPath>
{
    public CodecPathData()
    {
        foreach (var path in Enum.GetValues<CodecPath>())
        {
            if (CodecPaths.IsSupported(path))
            {
                Add(path);
            }
            else
            {
                Add(new TheoryDataRow<CodecPath>(path) { Skip = $"{path} is not supported by this CPU" });
            }
        }
    }
}
