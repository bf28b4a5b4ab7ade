namespace Tessera.LoadGen;

/// <summary>The machine's 1, 5 and 15 minute load averages from <c>/proc/loadavg</c> ("?" where there is none).</summary>
public static class LoadAverage
{
    public static string Read()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(' ', fields.Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
        catch (UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
