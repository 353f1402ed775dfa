using System.Runtime.InteropServices;
using System.Text;

namespace Workspaces.WorkspaceAgent.Terminals.Native;

/// <summary>
/// One <c>posix_spawn</c>: its file actions and attributes, and the C strings it needs, all freed on dispose. The child
/// starts in a session of its own with every signal at its default and none blocked: handlers do not survive exec, but
/// ignored signals do (the runtime ignores SIGPIPE, and a shell that inherited that would print "Broken pipe" where
/// <c>yes | head</c> should just end).
/// </summary>
internal sealed unsafe class SpawnRequest : IDisposable
{
    private readonly List<nint> _allocations = [];

    public SpawnRequest()
    {
        FileActions = (byte*)NativeMemory.AllocZeroed(LibC.SpawnStructSize);
        Attributes = (byte*)NativeMemory.AllocZeroed(LibC.SpawnStructSize);
        _ = LibC.FileActionsInit(FileActions);
        _ = LibC.SpawnAttrInit(Attributes);
        try
        {
            var signals = stackalloc byte[LibC.SigSetSize];
            _ = LibC.SigFillSet(signals);
            Check(LibC.SpawnAttrSetSigDefault(Attributes, signals), "setsigdefault");
            _ = LibC.SigEmptySet(signals);
            Check(LibC.SpawnAttrSetSigMask(Attributes, signals), "setsigmask");
            Check(LibC.SpawnAttrSetFlags(Attributes, LibC.PosixSpawnSetSid | LibC.PosixSpawnSetSigDef | LibC.PosixSpawnSetSigMask), "setflags");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public byte* FileActions { get; }

    public byte* Attributes { get; }

    /// <summary>A NUL-terminated UTF-8 copy, freed with the request.</summary>
    public byte* Native(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var pointer = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        _allocations.Add((nint)pointer);
        bytes.CopyTo(new Span<byte>(pointer, bytes.Length));
        pointer[bytes.Length] = 0;
        return pointer;
    }

    /// <summary>A NULL-terminated array of C strings (argv, envp), freed with the request.</summary>
    public byte** Array(IEnumerable<string> values)
    {
        var list = values as IReadOnlyList<string> ?? [.. values];
        var array = (byte**)NativeMemory.Alloc((nuint)(list.Count + 1), (nuint)sizeof(nint));
        _allocations.Add((nint)array);
        for (var index = 0; index < list.Count; index++)
        {
            array[index] = Native(list[index]);
        }

        array[list.Count] = null;
        return array;
    }

    /// <summary>Starts <paramref name="path"/>; its pid, or the error number <c>posix_spawn</c> returned as a negative value.</summary>
    public int Spawn(string path, IEnumerable<string> arguments, IEnumerable<string> environment)
    {
        var argv = Array(arguments);
        var envp = Array(environment);
        int processId;
        var error = LibC.PosixSpawn(&processId, Native(path), FileActions, Attributes, argv, envp);
        return error == 0 ? processId : -error;
    }

    public static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new IOException($"posix_spawn {what} failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    public void Dispose()
    {
        _ = LibC.FileActionsDestroy(FileActions);
        _ = LibC.SpawnAttrDestroy(Attributes);
        NativeMemory.Free(FileActions);
        NativeMemory.Free(Attributes);
        foreach (var pointer in _allocations)
        {
            NativeMemory.Free((void*)pointer);
        }

        _allocations.Clear();
    }
}
