using System.CommandLine;

namespace Workspaces.Cli.Commands;

/// <summary>
/// <c>completion bash|zsh</c>: a script that asks this program for completions through System.CommandLine's
/// <c>[suggest]</c> directive. Add <c>source &lt;(workspaces completion bash)</c> to <c>~/.bashrc</c>.
/// </summary>
public static class CompletionCommand
{
    private const string Bash = """
        _workspaces_complete() {
          local line="${COMP_LINE#* }"
          local position=$((COMP_POINT - ${#COMP_LINE} + ${#line}))
          local IFS=$'\n'
          COMPREPLY=($(compgen -W "$(workspaces "[suggest:${position}]" "${line}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _workspaces_complete workspaces
        """;

    private const string Zsh = """
        _workspaces_complete() {
          local line="${BUFFER#* }"
          local position=$((CURSOR - ${#BUFFER} + ${#line}))
          local -a candidates
          candidates=("${(@f)$(workspaces "[suggest:${position}]" "${line}" 2>/dev/null)}")
          compadd -- $candidates
        }
        compdef _workspaces_complete workspaces
        """;

    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var completion = new Command("completion", "Print the tab-completion script for a shell: source <(workspaces completion bash)") { shell };
        completion.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.WriteLine(parse.GetValue(shell) == "zsh" ? Zsh : Bash);
            return ExitCodes.Ok;
        });
        return completion;
    }
}
