namespace Workspaces.Web.Hosting;

/// <summary>Field checks shared by the API endpoints; errors are keyed by the JSON field name.</summary>
public static class Validation
{
    public const int MaxNameLength = 200;

    public static Dictionary<string, string[]>? Require(params (string Field, string? Value)[] fields)
    {
        Dictionary<string, string[]>? errors = null;
        foreach (var (field, value) in fields)
        {
            string? error = string.IsNullOrWhiteSpace(value) ? "Required."
                : value.Length > MaxNameLength && field != "password" ? $"At most {MaxNameLength} characters."
                : value.Any(char.IsControl) ? "Must not contain control characters."
                : null;
            if (error is not null)
            {
                (errors ??= [])[field] = [error];
            }
        }

        return errors;
    }
}
