using System.CommandLine;

namespace Tessera.Server;

/// <summary>The command-line side of <see cref="Settings"/>: one option (or the positional disks) per setting, and their values read back.</summary>
internal sealed class SettingFlags
{
    private readonly Argument<string[]>? _disks;
    private readonly Option<string?> _config;
    private readonly List<(Setting Setting, Option Option)> _options = [];

    /// <summary>Adds <c>--config</c> and the flags of <paramref name="settings"/> (all by default) to <paramref name="command"/>.</summary>
    public SettingFlags(Command command, IEnumerable<Setting>? settings = null)
    {
        _config = new Option<string?>("--config") { Description = "JSON configuration file. Env TESSERA_CONFIG." };
        command.Options.Add(_config);
        foreach (var setting in settings ?? Settings.All)
        {
            var help = $"{setting.Help} Env {setting.Env}.";
            if (setting == Settings.Disks)
            {
                _disks = new Argument<string[]>("dirs") { Arity = ArgumentArity.ZeroOrMore, Description = help };
                command.Arguments.Add(_disks);
                continue;
            }

            if (setting.Flag is null)
            {
                continue;
            }

            Option option = setting.IsSwitch ? new Option<bool>(setting.Flag) { Description = help }
                : setting.IsList ? new Option<string[]>(setting.Flag) { Description = help }
                : new Option<string?>(setting.Flag) { Description = help };
            command.Options.Add(option);
            _options.Add((setting, option));
        }
    }

    /// <summary>The values given on the command line, by setting key.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Read(ParseResult parse)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (_disks is not null && parse.GetValue(_disks) is { Length: > 0 } disks)
        {
            values[Settings.Disks.Key] = disks;
        }

        foreach (var (setting, option) in _options)
        {
            switch (option)
            {
                case Option<bool> flag when parse.GetValue(flag):
                    values[setting.Key] = ["true"];
                    break;
                case Option<string[]> list when parse.GetValue(list) is { Length: > 0 } items:
                    values[setting.Key] = items;
                    break;
                case Option<string?> single when parse.GetValue(single) is { } value:
                    values[setting.Key] = [value];
                    break;
            }
        }

        return values;
    }

    /// <summary>The resolved settings: the command line over the environment over the file over the defaults.</summary>
    public ServerOptions Load(ParseResult parse) => ConfigLoader.Load(Read(parse), parse.GetValue(_config), ConfigLoader.ProcessEnvironment());
}
