using Microsoft.Extensions.Options;

namespace Workspaces.Web.Hosting;

/// <summary><c>Workspaces:DataDirectory</c>: where the database (SQLite by default), keys, workspaces and prebuilds live.</summary>
public sealed class DataDirectoryOptions
{
    public const string SectionName = "Workspaces";

    /// <summary>Where the database (SQLite by default), keys and workspaces live. Defaults to <c>~/.local/share/workspaces</c>.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory();

    public static string DefaultDataDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "workspaces");
    }
}

public sealed class DataDirectoryOptionsValidator : IValidateOptions<DataDirectoryOptions>
{
    public ValidateOptionsResult Validate(string? name, DataDirectoryOptions options) =>
        string.IsNullOrWhiteSpace(options.DataDirectory) || !Path.IsPathFullyQualified(options.DataDirectory)
            ? ValidateOptionsResult.Fail($"Workspaces:DataDirectory must be an absolute path (got '{options.DataDirectory}').")
            : ValidateOptionsResult.Success;
}
