namespace EMamba.Search.Storage;

public enum ObjectiveDirection { Minimize, Maximize }

/// <summary>One objective of a study, e.g. ("accuracy_int8", Maximize) or ("cycles", Minimize). The NSGA-II core
/// minimises everything, so a search negates the values of a Maximize objective before sorting.</summary>
public sealed record Objective(string Name, ObjectiveDirection Direction);
