using System.Text.Json;
using Workspaces.Cli.Api;

namespace Workspaces.Cli.Configuration;

/// <summary>What <c>workspaces login</c> stored: the server and a personal access token for it.</summary>
public sealed record StoredLogin(string Url, string Token, string? TokenId, string? Email);

/// <summary>
/// Where the CLI keeps its files: <c>$WORKSPACES_CONFIG_DIR</c>, else <c>$XDG_CONFIG_HOME/workspaces</c>, else
/// <c>~/.config/workspaces</c>. The login file is 0600; <c>WORKSPACES_URL</c> and <c>WORKSPACES_TOKEN</c> (or
/// <c>--url</c>/<c>--token</c>) take precedence over it, for CI.
/// </summary>
public sealed class CliSettings(string directory)
{
    public string Directory { get; } = directory;

    public string LoginFile => Path.Combine(Directory, "login.json");

    public string SshDirectory => Path.Combine(Directory, "ssh");

    public string IdentityFile => Path.Combine(SshDirectory, "id_ed25519");

    public string KnownHostsFile => Path.Combine(SshDirectory, "known_hosts");

    /// <summary>The short-lived certificate of <see cref="IdentityFile"/> for one workspace (ssh's <c>CertificateFile</c>).</summary>
    public string CertificateFile(string workspaceId) => Path.Combine(SshDirectory, "certificates", workspaceId + "-cert.pub");

    public static CliSettings FromEnvironment()
    {
        var explicitDirectory = Environment.GetEnvironmentVariable("WORKSPACES_CONFIG_DIR");
        if (!string.IsNullOrEmpty(explicitDirectory))
        {
            return new CliSettings(explicitDirectory);
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config") : xdg;
        return new CliSettings(Path.Combine(root, "workspaces"));
    }

    public StoredLogin? ReadLogin()
    {
        if (!File.Exists(LoginFile))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(LoginFile), CliJsonContext.Default.StoredLogin);
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.NotSignedIn, $"{LoginFile} is not readable ({e.Message}): run `workspaces login <url>` again.");
        }
    }

    public void WriteLogin(StoredLogin login)
    {
        CreatePrivateDirectory(Directory);
        var temporary = LoginFile + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(login, CliJsonContext.Default.StoredLogin));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, LoginFile, overwrite: true);
    }

    public void DeleteLogin() => File.Delete(LoginFile);

    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
