namespace Workspaces.Web.Prebuilds;

/// <summary>
/// Replaces a project's secret values in prebuild output with <c>***</c> before it is stored, as CI services mask
/// secrets in their logs: the log is shown to every member of the project, who may not read its secrets. The whole
/// value always; each line of a multi-line value (a key file) when the line is long enough not to mask ordinary text.
/// Encoded forms of a secret (base64, URL-escaped) are not recognised.
/// </summary>
public sealed class SecretMask
{
    public const string Replacement = "***";
    private const int MinLineLength = 8;
    private readonly string[] _secrets;
    private readonly string[] _values;

    public SecretMask(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = [.. secrets];
        _values = [.. _secrets
            .SelectMany(s => s.Contains('\n', StringComparison.Ordinal)
                ? s.Split('\n').Select(l => l.Trim('\r', ' ', '\t')).Where(l => l.Length >= MinLineLength).Prepend(s)
                : [s])
            .Where(s => s.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length)];
    }

    public static SecretMask None { get; } = new([]);

    /// <summary>This mask and one more secret.</summary>
    public SecretMask With(string secret) => new([.. _secrets, secret]);

    /// <summary>How many characters at the end of <paramref name="text"/> (masked) begin a secret that the next text may complete.</summary>
    public int OpenSuffix(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var longest = 0;
        foreach (var value in _values)
        {
            for (var i = Math.Max(0, text.Length - value.Length + 1); i < text.Length - longest; i++)
            {
                if (text[i] == value[0] && value.AsSpan().StartsWith(text.AsSpan(i), StringComparison.Ordinal))
                {
                    longest = text.Length - i;
                    break;
                }
            }
        }

        return longest;
    }

    public string Apply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var value in _values)
        {
            text = text.Replace(value, Replacement, StringComparison.Ordinal);
        }

        return text;
    }
}
