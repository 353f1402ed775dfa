using System.Text.RegularExpressions;

namespace Workspaces.Shared.Configuration;

/// <summary>Checks shared by the Gitpod and Dev Containers parsers.</summary>
internal static partial class ConfigValues
{
    public const int MaxImageLength = 512;

    /// <summary>A name a shell can export: the variable reaches tasks through the shell, so other names would be lost.</summary>
    public static bool IsEnvironmentName(string name) => EnvironmentNamePattern().IsMatch(name);

    /// <summary>
    /// A container image reference as Docker writes them (<c>registry:5000/org/name:tag@sha256:...</c>), loosely: the value
    /// ends up in a pod spec and in logs, so whitespace, control characters and absurd lengths are refused here.
    /// </summary>
    public static bool IsImageReference(string image) => image.Length <= MaxImageLength && ImagePattern().IsMatch(image);

    /// <summary>A port (<c>3000</c>) or a range (<c>3000-3010</c>), as both Gitpod and devcontainer.json write them.</summary>
    public static bool TryParsePortSpec(string text, out int start, out int? end)
    {
        start = 0;
        end = null;
        var match = PortSpecPattern().Match(text.Trim());
        if (!match.Success || !TryParsePort(match.Groups[1].Value, out start))
        {
            return false;
        }

        if (!match.Groups[2].Success)
        {
            return true;
        }

        if (!TryParsePort(match.Groups[2].Value, out var last) || last < start)
        {
            return false;
        }

        end = last == start ? null : last;
        return true;
    }

    public static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex ImagePattern();

    [GeneratedRegex(@"^([0-9]{1,5})(?:\s*-\s*([0-9]{1,5}))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex PortSpecPattern();
}
