using EMamba.Core;

namespace EMamba.Search.Storage;

/// <summary>A storage the user pointed at cannot serve the study: a bad URL, a file that is not a study
/// database, a newer schema, an unreachable server, a study whose definition differs from the stored one.
/// The message names the file or URL (never a password).</summary>
public sealed class StudyStorageException(string message, Exception? inner = null)
    : EMambaException(message, ExitCodes.BadInput, inner);
