using Workspaces.Cli;

return await CliApplication.Create().Parse(args).InvokeAsync();
