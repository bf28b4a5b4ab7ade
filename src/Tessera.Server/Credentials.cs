using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tessera.S3.Users;

namespace Tessera.Server;

/// <summary>
/// The root user and the users file. Root keys come from the configuration when set; otherwise they are generated
/// once, kept (mode 0600) in the metadata directory and reused on every start.
/// </summary>
public static class Credentials
{
    private const string RootFile = "root-credentials.json";
    private const string KeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>The root keys a store generated in <paramref name="metaDir"/>, or null when there are none (for the admin CLI).</summary>
    public static (string AccessKey, string SecretKey)? ReadGenerated(string metaDir)
    {
        var path = Path.Combine(metaDir, RootFile);
        if (!File.Exists(path))
        {
            return null;
        }

        var root = JsonSerializer.Deserialize(File.ReadAllText(path), ConfigJson.Default.UserEntry);
        return root is null ? null : (root.AccessKey, root.SecretKey);
    }

    /// <summary>Loads (or creates) the root user and reads the users file.</summary>
    public static (S3User Root, UserDirectory Users, bool Generated) Load(ServerOptions options, string metaDir)
    {
        var generated = false;
        UserEntry root;
        if (options.RootUser is not null || options.RootPassword is not null)
        {
            if (options.RootUser is null || options.RootPassword is null || options.RootPassword.Length < 8)
            {
                throw new InvalidDataException("Set both TESSERA_ROOT_USER and TESSERA_ROOT_PASSWORD (at least 8 characters).");
            }

            root = new UserEntry { AccessKey = options.RootUser, SecretKey = options.RootPassword };
        }
        else
        {
            var path = Path.Combine(metaDir, RootFile);
            if (File.Exists(path))
            {
                root = JsonSerializer.Deserialize(File.ReadAllText(path), ConfigJson.Default.UserEntry)
                    ?? throw new InvalidDataException($"{path} is empty.");
            }
            else
            {
                root = new UserEntry
                {
                    AccessKey = RandomNumberGenerator.GetString(KeyAlphabet, 20),
                    SecretKey = RandomNumberGenerator.GetString(SecretAlphabet, 40),
                };
                WritePrivate(path, JsonSerializer.Serialize(root, ConfigJson.Default.UserEntry));
                generated = true;
            }
        }

        var users = new List<S3User> { ToUser(root, "root") };
        if (options.UsersFile is not null)
        {
            var entries = JsonSerializer.Deserialize(File.ReadAllText(options.UsersFile), ConfigJson.Default.ListUserEntry)
                ?? throw new InvalidDataException($"{options.UsersFile} holds no users.");
            users.AddRange(entries.Select(e => ToUser(e, e.AccessKey)));
        }

        return (users[0], new UserDirectory(users), generated);
    }

    private static S3User ToUser(UserEntry e, string defaultName)
    {
        if (e.AccessKey.Length < 3 || e.SecretKey.Length < 8)
        {
            throw new InvalidDataException($"User '{e.AccessKey}': access keys need at least 3 characters and secret keys at least 8.");
        }

        return new S3User(e.AccessKey, e.SecretKey, e.CanonicalId ?? CanonicalIdOf(e.AccessKey), e.DisplayName ?? defaultName);
    }

    /// <summary>The canonical id of a user that names none: the SHA-256 of its access key in lower-case hex.</summary>
    internal static string CanonicalIdOf(string accessKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(accessKey)));

    private static void WritePrivate(string path, string content)
    {
        var temp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, fileOptions))
        {
            stream.Write(Encoding.UTF8.GetBytes(content));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
