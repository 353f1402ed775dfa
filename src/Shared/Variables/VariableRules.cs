using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Workspaces.Shared.Variables;

/// <summary>
/// Which environment variables someone other than the workspace's own code may set, and how large they may be: the one
/// rule for open links (<c>/#NAME=value,…/url</c>), <c>POST /api/workspaces</c>, project variables and personal
/// variables. Names are refused by family (<see cref="Families"/>), not by a list of known names, because each of these
/// families has members nobody lists: a variable that makes a program load code, trust another certificate, talk through
/// another proxy, read another Git directory or reconfigure the service is refused, whatever its exact spelling or case.
/// </summary>
public static partial class VariableRules
{
    /// <summary>At most this many variables from one link or API call.</summary>
    public const int MaxVariables = 32;

    public const int MaxNameLength = 128;

    /// <summary>The longest value a link or the API may set.</summary>
    public const int MaxValueLength = 1024;

    /// <summary>All names and values of one link or API call together, in characters.</summary>
    public const int MaxTotalLength = 16 * 1024;

    /// <summary>The families, each with what it would let someone do; matched on the upper-cased name.</summary>
    public static IReadOnlyList<VariableFamily> Families { get; } =
    [
        new("loader and runtime hooks", "makes programs load code from where it points",
            Prefixes: ["LD_", "DYLD_", "DOTNET_", "CORECLR_", "COR_", "COMPLUS_", "MALLOC_", "BASH_FUNC_", "PERL", "RUBY", "LUA_", "JAVA_", "_JAVA_", "JDK_"],
            Suffixes: ["_OPTIONS", "_OPTS"],
            Names: ["GCONV_PATH", "GLIBC_TUNABLES", "LOCPATH", "NLSPATH", "HOSTALIASES", "GETCONF_DIR", "CLASSPATH", "R_PROFILE", "R_PROFILE_USER", "TCLLIBPATH"]),
        new("Python start-up", "makes Python load code from where it points",
            Prefixes: ["PYTHON"],
            Except: ["PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONHASHSEED", "PYTHONFAULTHANDLER"]),
        new("Node.js start-up", "makes Node.js load code or trust other certificates",
            Prefixes: ["NODE_"],
            Except: ["NODE_ENV"]),
        new("shell start-up", "makes every shell run code from the link",
            Names: ["BASH_ENV", "ENV", "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "PS0", "PS1", "PS2", "PS4", "IFS", "PATH", "HOME", "SHELL", "CDPATH", "GLOBIGNORE", "ZDOTDIR", "INPUTRC", "TMPDIR"]),
        new("programs run for you", "names a program that tools start on their own",
            Names: ["EDITOR", "VISUAL", "PAGER", "MANPAGER", "BROWSER", "LESSOPEN", "LESSCLOSE", "SUDO_ASKPASS", "TERMINFO"],
            Prefixes: ["SSH_", "XDG_"]),
        new("proxy and TLS settings", "would route traffic through another server or accept forged certificates",
            Prefixes: ["SSL_", "CURL_", "REQUESTS_", "WGET"],
            Suffixes: ["_PROXY", "_CA"],
            Contains: ["_CA_", "TLS_REJECT", "CA_BUNDLE", "CA_CERT", "CAINFO", "CAPATH", "INSECURE", "NO_VERIFY", "SKIP_VERIFY"]),
        new("package manager settings", "would fetch packages from another registry or run its scripts",
            Prefixes: ["NPM_CONFIG_", "YARN_", "PIP_", "CARGO_", "BUNDLE_", "GEM_", "COMPOSER_", "NUGET_"],
            Names: ["GOFLAGS", "GOINSECURE", "GONOSUMDB", "GONOSUMCHECK", "GOSUMDB", "GOTOOLCHAIN", "GOPRIVATE", "GOPROXY"]),
        new("Git redirection", "would make Git read another repository, configuration or program",
            Prefixes: ["GIT_"],
            Except: ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"]),
        new("the service's own configuration", "configures this service or its cluster, not the workspace",
            Prefixes: ["ASPNETCORE_", "KUBERNETES_", "WORKSPACES_", "OTEL_"],
            Contains: ["__"]),
    ];

    /// <summary>Why <paramref name="name"/> may not be set for a workspace, or null if it may.</summary>
    public static string? NameRefusal(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "A variable needs a name.";
        }

        if (name.Length > MaxNameLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"The variable name \"{Shorten(name)}\" is longer than {MaxNameLength} characters.");
        }

        if (!ValidName().IsMatch(name))
        {
            return $"\"{Shorten(Visible(name))}\" is not a valid variable name: use letters, digits and underscores, not starting with a digit.";
        }

        return FamilyOf(name) is { } family
            ? $"{name} cannot be set for a workspace: it is one of the {family.Name}, which {family.Risk}. Remove it."
            : null;
    }

    /// <summary>The family <paramref name="name"/> belongs to, or null.</summary>
    public static VariableFamily? FamilyOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var upper = name.ToUpperInvariant();
        return Families.FirstOrDefault(family => family.Matches(upper));
    }

    /// <summary>
    /// Why <paramref name="value"/> may not be the value of <paramref name="name"/>: control characters (line breaks
    /// included unless <paramref name="allowLineBreaks"/>), invisible format and bidirectional characters (categories Cf,
    /// Zl, Zp: they make a value look like another on a consent page), or half a surrogate pair.
    /// </summary>
    public static string? ValueRefusal(string name, string? value, bool allowLineBreaks = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (value is null)
        {
            return $"{name} needs a value.";
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return $"The value of {name} contains a broken character (half of a surrogate pair).";
            }

            if (Rune.IsControl(rune) && !(allowLineBreaks && rune.Value is '\n' or '\r' or '\t'))
            {
                return string.Create(CultureInfo.InvariantCulture, $"The value of {name} contains a control character (U+{rune.Value:X4}, such as a line break), which is not allowed here.");
            }

            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return string.Create(CultureInfo.InvariantCulture, $"The value of {name} contains an invisible formatting or separator character (U+{rune.Value:X4}), which could make it look like something else. Remove it.");
            }

            i += consumed - 1;
        }

        return null;
    }

    /// <summary>Why one variable from a link or the API is refused, or null: its name, its characters, its length.</summary>
    public static string? Refusal(string? name, string? value)
    {
        if (NameRefusal(name) is { } nameProblem)
        {
            return nameProblem;
        }

        if (ValueRefusal(name!, value) is { } valueProblem)
        {
            return valueProblem;
        }

        return value!.Length > MaxValueLength
            ? string.Create(CultureInfo.InvariantCulture, $"The value of {name} is longer than {MaxValueLength} characters.")
            : null;
    }

    /// <summary>Why a whole set of variables from a link or the API is refused, or null: each one, their number, their total size.</summary>
    public static string? SetRefusal(IEnumerable<KeyValuePair<string, string>> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var count = 0;
        var total = 0;
        foreach (var (name, value) in variables)
        {
            if (Refusal(name, value) is { } problem)
            {
                return problem;
            }

            count++;
            total += name.Length + value.Length;
        }

        if (count > MaxVariables)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{count} variables were given; at most {MaxVariables} are allowed.");
        }

        return total > MaxTotalLength
            ? string.Create(CultureInfo.InvariantCulture, $"The variables' names and values add up to {total} characters; at most {MaxTotalLength} are allowed.")
            : null;
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    /// <summary>A name for a message: anything outside printable ASCII shown as <c>\uXXXX</c>, so the message cannot be spoofed.</summary>
    private static string Visible(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is >= ' ' and <= '~' ? c.ToString() : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"));
        }

        return builder.ToString();
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ValidName();
}

/// <summary>A family of variable names refused for workspaces; every list is upper case.</summary>
/// <param name="Name">What the family is, for messages ("loader and runtime hooks").</param>
/// <param name="Risk">What setting one would do, for messages.</param>
public sealed record VariableFamily(
    string Name,
    string Risk,
    IReadOnlyList<string>? Prefixes = null,
    IReadOnlyList<string>? Suffixes = null,
    IReadOnlyList<string>? Contains = null,
    IReadOnlyList<string>? Names = null,
    IReadOnlyList<string>? Except = null)
{
    public bool Matches(string upperName)
    {
        ArgumentNullException.ThrowIfNull(upperName);
        if (Except?.Contains(upperName) == true)
        {
            return false;
        }

        return Names?.Contains(upperName) == true
            || Prefixes?.Any(p => upperName.StartsWith(p, StringComparison.Ordinal)) == true
            || Suffixes?.Any(s => upperName.EndsWith(s, StringComparison.Ordinal)) == true
            || Contains?.Any(c => upperName.Contains(c, StringComparison.Ordinal)) == true;
    }
}
