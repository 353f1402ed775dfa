using Microsoft.Extensions.Options;

namespace Workspaces.Web.Editor;

/// <summary>The editor's file size limits (<c>Workspaces:Editor:SoftLimitBytes</c>, <c>…:HardLimitBytes</c>), passed to each agent at start.</summary>
public sealed class EditorOptions
{
    public const string SectionName = "Workspaces:Editor";

    /// <summary>Files above this open read-only with a warning (editing many megabytes in a browser hangs it).</summary>
    public long SoftLimitBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Files above this do not open in the editor (they can be downloaded).</summary>
    public long HardLimitBytes { get; set; } = 50 * 1024 * 1024;
}

public sealed class EditorOptionsValidator : IValidateOptions<EditorOptions>
{
    public ValidateOptionsResult Validate(string? name, EditorOptions options) =>
        options.SoftLimitBytes < 1024 || options.HardLimitBytes < options.SoftLimitBytes || options.HardLimitBytes > 1024L * 1024 * 1024
            ? ValidateOptionsResult.Fail($"Workspaces:Editor:SoftLimitBytes must be at least 1024 and Workspaces:Editor:HardLimitBytes between it and 1 GiB (got {options.SoftLimitBytes} and {options.HardLimitBytes}).")
            : ValidateOptionsResult.Success;
}
