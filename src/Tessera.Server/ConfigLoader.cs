using System.Text.Json;

namespace Tessera.Server;

/// <summary>
/// Builds <see cref="ServerOptions"/> from the layers, setting by setting (<see cref="Settings.All"/>): the default,
/// then the JSON configuration file, then the <c>TESSERA_*</c> environment, then the command line, each overriding the
/// one before (a map such as <c>storageClasses</c> is merged entry by entry). Secrets may also come from
/// <c>*_FILE</c> variables naming a file that holds them.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Merges the layers.</summary>
    /// <param name="flags">Values given on the command line, by setting key (<see cref="Setting.Key"/>).</param>
    /// <param name="configPath">The configuration file named by <c>--config</c>, or null (then <c>TESSERA_CONFIG</c>).</param>
    /// <param name="environment">The environment, variable name to value.</param>
    /// <exception cref="ArgumentException">A value a setting cannot take.</exception>
    /// <exception cref="InvalidDataException">An unknown key in the configuration file.</exception>
    public static ServerOptions Load(IReadOnlyDictionary<string, IReadOnlyList<string>> flags, string? configPath, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(environment);
        var options = new ServerOptions();
        configPath ??= Get(environment, "TESSERA_CONFIG");
        var file = configPath is null ? [] : ReadFile(configPath);
        foreach (var setting in Settings.All)
        {
            if (file.TryGetValue(setting.Key, out var fromFile))
            {
                setting.Apply(options, fromFile);
            }

            if (FromEnvironment(setting, environment) is { } fromEnvironment)
            {
                setting.Apply(options, fromEnvironment);
            }

            if (flags.TryGetValue(setting.Key, out var fromFlags))
            {
                setting.Apply(options, fromFlags);
            }
        }

        return options;
    }

    /// <summary>The process environment as a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);

    private static List<string>? FromEnvironment(Setting setting, IReadOnlyDictionary<string, string> environment)
    {
        var value = Get(environment, setting.Env)
            ?? (setting.IsSecret && Get(environment, setting.Env + "_FILE") is { } file ? File.ReadAllText(file).Trim() : null);
        if (value is null)
        {
            return null;
        }

        return setting.IsList
            ? [.. value.Split(setting.Key == "disks" ? [',', ' '] : [','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : [value];
    }

    /// <summary>The file's values by key, each as the text a flag would carry (objects in arrays as JSON).</summary>
    private static Dictionary<string, IReadOnlyList<string>> ReadFile(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (Settings.ByKey(property.Name) is null)
            {
                throw new InvalidDataException($"{path}: unknown configuration key '{property.Name}'.");
            }

            var v = property.Value;
            values[property.Name] = v.ValueKind switch
            {
                JsonValueKind.Array => [.. v.EnumerateArray().Select(Text)],
                JsonValueKind.Object => [.. v.EnumerateObject().Select(e => e.Name + "=" + Text(e.Value))],
                _ => [Text(v)],
            };
        }

        return values;
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };

    private static string? Get(IReadOnlyDictionary<string, string> env, string name) =>
        env.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
