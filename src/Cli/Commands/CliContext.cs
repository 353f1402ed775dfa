using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workspaces.Cli.Api;
using Workspaces.Cli.Configuration;

namespace Workspaces.Cli.Commands;

/// <summary>The options every command has, and what a command needs from them: the settings, the server, the output.</summary>
public sealed class GlobalOptions
{
    public Option<string?> Url { get; } = new("--url") { Description = "The server (default: the one `login` stored, or WORKSPACES_URL)", Recursive = true };

    public Option<string?> Token { get; } = new("--token") { Description = "A personal access token, for CI (default: the stored one, or WORKSPACES_TOKEN)", Recursive = true };

    public Option<string> Output { get; } = CreateOutput();

    private static Option<string> CreateOutput()
    {
        var output = new Option<string>("--output", "-o") { Description = "text for people, json for scripts", DefaultValueFactory = _ => "text", Recursive = true };
        output.AcceptOnlyFromAmong("text", "json");
        return output;
    }

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Options.Add(Output);
    }

    public CliContext For(ParseResult parse) => new(parse, this);
}

public sealed class CliContext(ParseResult parse, GlobalOptions options)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public CliSettings Settings { get; } = CliSettings.FromEnvironment();

    public bool Json => parse.GetValue(options.Output) == "json";

    public string? Url => parse.GetValue(options.Url);

    public string? Token => parse.GetValue(options.Token);

    public TextWriter Out => parse.InvocationConfiguration.Output;

    public TextWriter Error => parse.InvocationConfiguration.Error;

    public ServerConnection Connect() => ServerConnection.Resolve(Settings, Url, Token);

    /// <summary>JSON when asked for, the text otherwise.</summary>
    public void Print(JsonNode json, Func<string> text) => Out.WriteLine(Json ? json.ToJsonString(Indented) : text());

    /// <summary>Progress and notes for people: standard error, so standard output stays what a script reads.</summary>
    public void Note(string line)
    {
        if (!Json)
        {
            Error.WriteLine(line);
        }
    }
}
