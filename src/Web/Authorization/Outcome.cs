namespace Workspaces.Web.Authorization;

public enum ActionOutcome
{
    Ok,
    Invalid,
    NotFound,
    Forbidden,
    Conflict,
    Gone,
}

#pragma warning disable CA1000 // The factories read best as Outcome<T>.NotFound() where they are used.
/// <summary>An outcome the API maps to a status code and the pages to a message.</summary>
public sealed record Outcome<T>(ActionOutcome Kind, T? Value, string? Field, string? Error)
{
    public static Outcome<T> Ok(T value) => new(ActionOutcome.Ok, value, null, null);

    public static Outcome<T> Invalid(string field, string error) => new(ActionOutcome.Invalid, default, field, error);

    public static Outcome<T> NotFound() => new(ActionOutcome.NotFound, default, null, "Not found.");

    public static Outcome<T> Forbidden(string error) => new(ActionOutcome.Forbidden, default, null, error);

    public static Outcome<T> Conflict(string error) => new(ActionOutcome.Conflict, default, null, error);

    public static Outcome<T> Gone(string error) => new(ActionOutcome.Gone, default, null, error);
}
#pragma warning restore CA1000

public static class OutcomeResults
{
    /// <summary>The API's answer for an outcome: 200/201 with the value, or ProblemDetails with the matching status.</summary>
    public static IResult ToHttp<T>(this Outcome<T> outcome, Func<T, IResult> ok)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(ok);
        return outcome.Kind switch
        {
            ActionOutcome.Ok => ok(outcome.Value!),
            ActionOutcome.Invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [outcome.Field!] = [outcome.Error!] }),
            ActionOutcome.NotFound => TypedResults.NotFound(),
            ActionOutcome.Forbidden => TypedResults.Problem(outcome.Error, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed"),
            ActionOutcome.Conflict => TypedResults.Problem(outcome.Error, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
            _ => TypedResults.Problem(outcome.Error, statusCode: StatusCodes.Status410Gone, title: "No longer valid"),
        };
    }
}
