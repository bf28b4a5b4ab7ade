using System.Text.Json.Serialization;

namespace Tessera.Server;

/// <summary>Source-generated JSON for the configuration and credential files.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(DiskOptions))]
[JsonSerializable(typeof(UserEntry))]
[JsonSerializable(typeof(List<UserEntry>))]
[JsonSerializable(typeof(TopologyFile))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
internal sealed partial class ConfigJson : JsonSerializerContext;
