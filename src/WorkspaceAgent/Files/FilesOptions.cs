namespace Workspaces.WorkspaceAgent.Files;

/// <summary>Limits of the editor's file operations.</summary>
public sealed class FilesOptions
{
    /// <summary>Above this a file opens read-only with a warning (editing megabytes in a browser hangs it).</summary>
    public long SoftLimitBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Above this a file is not opened at all (download it instead).</summary>
    public long HardLimitBytes { get; set; } = 50 * 1024 * 1024;

    /// <summary>Quiet time after the last file change before clients hear of the changes.</summary>
    public TimeSpan ChangeDebounce { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Longest a change waits while more keep coming (a long checkout still shows progress).</summary>
    public TimeSpan MaxChangeDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Changed paths per notification; more become one "reload everything" (a checkout of 10,000 files).</summary>
    public int MaxChangedPathsPerBatch { get; set; } = 500;

    /// <summary>Search results at most (clients may ask for fewer).</summary>
    public int MaxSearchResults { get; set; } = 2000;

    /// <summary>Size of one message a client may send (a save, a piece of an upload).</summary>
    public long MaxMessageBytes { get; set; } = 32 * 1024 * 1024;
}
