using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tessera.Cluster.Control;

/// <summary>The source-generated JSON contract of the control plane's etcd values: camelCase names, enums as lower-case strings.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NodeRecord))]
[JsonSerializable(typeof(DiskStateRecord))]
[JsonSerializable(typeof(BucketRecord))]
[JsonSerializable(typeof(UserRecord))]
public sealed partial class ControlJsonContext : JsonSerializerContext;
