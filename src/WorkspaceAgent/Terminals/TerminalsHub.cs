using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Workspaces.Shared.Terminals;

namespace Workspaces.WorkspaceAgent.Terminals;

/// <summary>
/// The terminal hub at <see cref="TerminalsHubContract.Path"/> (see there for the contract). Reached only with the agent secret,
/// like every agent endpoint; the web app authorizes users before it forwards.
/// </summary>
public sealed class TerminalsHub(TerminalManager terminals) : Hub
{
    public IReadOnlyList<TerminalInfo> ListTerminals() => terminals.List();

    public TerminalInfo CreateTerminal(CreateTerminalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return terminals.CreateShell(request.Name, request.Columns, request.Rows);
        }
        catch (ArgumentException ex)
        {
            throw new HubException(ex.Message);
        }
        catch (IOException ex)
        {
            throw new HubException($"The terminal could not start: {ex.Message}");
        }
    }

    public ChannelReader<TerminalFrame> Attach(string terminalId, long fromOffset, CancellationToken cancellationToken)
    {
        if (fromOffset < 0)
        {
            throw new HubException("fromOffset must be 0 or more.");
        }

        return Use(terminalId, terminal => terminal.Attach(Context.ConnectionId, fromOffset, cancellationToken));
    }

    public void Input(string terminalId, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Use(terminalId, terminal =>
        {
            try
            {
                terminal.Input(data);
            }
            catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
            {
                throw new HubException(ex.Message);
            }

            return true;
        });
    }

    public void Resize(string terminalId, int columns, int rows)
    {
        try
        {
            TerminalManager.ValidateSize(columns, rows);
        }
        catch (ArgumentException ex)
        {
            throw new HubException(ex.Message);
        }

        Use(terminalId, terminal =>
        {
            terminal.Resize(columns, rows);
            return true;
        });
    }

    public void Acknowledge(string terminalId, long offset) =>
        Use(terminalId, terminal =>
        {
            terminal.Acknowledge(Context.ConnectionId, offset);
            return true;
        });

    public void Rename(string terminalId, string name)
    {
        string valid;
        try
        {
            valid = TerminalManager.ValidName(name ?? string.Empty);
        }
        catch (ArgumentException ex)
        {
            throw new HubException(ex.Message);
        }

        Use(terminalId, terminal =>
        {
            terminal.Rename(valid);
            return true;
        });
    }

    public void Close(string terminalId)
    {
        if (!terminals.Close(terminalId))
        {
            throw NoSuchTerminal(terminalId);
        }
    }

    private T Use<T>(string terminalId, Func<Terminal, T> action)
    {
        var terminal = terminals.Find(terminalId) ?? throw NoSuchTerminal(terminalId);
        try
        {
            return action(terminal);
        }
        catch (ObjectDisposedException)
        {
            throw NoSuchTerminal(terminalId); // Closed meanwhile.
        }
    }

    private static HubException NoSuchTerminal(string terminalId) => new($"There is no terminal {terminalId}.");
}

/// <summary>Tells every connected client when the list of terminals changed.</summary>
internal sealed class TerminalsChangedNotifier
{
    // Untyped clients: a typed hub context builds a proxy with dynamic code, which the native (AOT) agent does not have.
    public TerminalsChangedNotifier(TerminalManager terminals, IHubContext<TerminalsHub> hub) =>
        terminals.Changed += list => _ = hub.Clients.All.SendAsync(Workspaces.Shared.Terminals.TerminalsHubContract.TerminalsChanged, list);
}
