using System.Text;

namespace Workspaces.Shared.Configuration;

/// <summary>POSIX shell quoting, for turning devcontainer.json's exec-form commands (arrays) into one command line.</summary>
public static class ShellQuoting
{
    /// <summary>
    /// Quotes one argument so that <c>sh</c> passes it through unchanged: left bare when it contains only characters no
    /// shell treats specially, otherwise single-quoted with <c>'</c> written as <c>'\''</c>.
    /// </summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && argument.All(IsSafe))
        {
            return argument;
        }

        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Joins arguments into a command line in which each is one word.</summary>
    public static string Join(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var builder = new StringBuilder();
        foreach (var argument in arguments)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(Quote(argument));
        }

        return builder.ToString();
    }

    private static bool IsSafe(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' or '.' or '/' or '=' or ':' or '@' or '%' or '+' or ',';
}
