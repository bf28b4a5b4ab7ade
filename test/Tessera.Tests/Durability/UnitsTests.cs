using Tessera.Durability;
using Tessera.Server;

namespace Tessera.Tests.Durability;

public sealed class UnitsTests
{
    [Theory]
    [InlineData("20TB", 20e12)]
    [InlineData("18TiB", 18.0 * 1024 * 1024 * 1024 * 1024)]
    [InlineData("960GB", 960e9)]
    [InlineData("1.5GiB", 1.5 * 1024 * 1024 * 1024)]
    [InlineData("256KiB", 262144)]
    [InlineData("4096", 4096)]
    [InlineData(" 2 tb ", 2e12)]
    public void ParsesSizes(string text, double bytes) => Assert.Equal(bytes, Units.ParseSize(text), bytes * 1e-12);

    [Theory]
    [InlineData("100MB/s", 100e6)]
    [InlineData("1GiB/s", 1024.0 * 1024 * 1024)]
    [InlineData("250MBps", 250e6)]
    public void ParsesBandwidths(string text, double bytesPerSecond) => Assert.Equal(bytesPerSecond, Units.ParseBandwidth(text), 1e-3);

    [Theory]
    [InlineData("1h", 1.0)]
    [InlineData("30m", 0.5)]
    [InlineData("30min", 0.5)]
    [InlineData("90s", 0.025)]
    [InlineData("6.5d", 156.0)]
    [InlineData("1h30m", 1.5)]
    [InlineData("2w", 336.0)]
    public void ParsesDurations(string text, double hours) => Assert.Equal(hours, Units.ParseDuration(text).TotalHours, 1e-9);

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("12")]
    [InlineData("3 fortnights")]
    public void RejectsBadDurations(string text) => Assert.Throws<FormatException>(() => Units.ParseDuration(text));

    [Theory]
    [InlineData("TB")]
    [InlineData("-1GB")]
    [InlineData("lots")]
    public void RejectsBadSizes(string text) => Assert.Throws<FormatException>(() => Units.ParseSize(text));

    [Fact]
    public void ParsesCodes()
    {
        Assert.Equal((8, 4), Units.ParseCode("8+4"));
        Assert.Throws<FormatException>(() => Units.ParseCode("8,4"));
    }

    [Fact]
    public void ReportPrintsTheMarkovNumbersAndTheSimulation()
    {
        var output = new StringWriter();
        DurabilityReport.Write(output, new DurabilityInputs { RackFailuresPerYear = 0.1, Racks = 1 }, years: 1000, seed: 1, simulate: true);
        var text = output.ToString();
        Assert.Contains("MTTR", text, StringComparison.Ordinal);
        Assert.Contains("nines", text, StringComparison.Ordinal);
        Assert.Contains("With correlated events", text, StringComparison.Ordinal);
    }

    [Fact]
    public void CommandParsesItsOptionsAndPrintsTheReport()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var config = new System.CommandLine.InvocationConfiguration { Output = output, Error = error };
        var code = Program.DurabilityCommand()
            .Parse(["--ec", "8+4", "--disks", "144", "--racks", "12", "--disk-size", "18TiB", "--fill", "0.5", "--repair-bandwidth", "200MB/s", "--detect", "30m", "--objects", "1e6", "--object-size", "64MiB", "--no-sim"])
            .Invoke(config);
        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("RS(8,4)", text, StringComparison.Ordinal);
        Assert.Contains("at most 1 fragments of a stripe per rack", text, StringComparison.Ordinal);
        Assert.Contains("Stripes                            3.2E+07", text, StringComparison.Ordinal); // 10^6 × 64 MiB / (8 × 256 KiB)
        Assert.DoesNotContain("Monte Carlo", text, StringComparison.Ordinal);
    }

    [Fact]
    public void CommandRejectsBadUnits()
    {
        var error = new StringWriter();
        var config = new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error };
        Assert.Equal(2, Program.DurabilityCommand().Parse(["--detect", "soon"]).Invoke(config));
        Assert.Contains("soon", error.ToString(), StringComparison.Ordinal);
    }
}
