namespace EMamba.Hardware.Report;

/// <summary>What <c>hw report</c> synthesizes for its resources section: nothing (the modelled area, fast), generic gates
/// (cells and the 22 nm ASIC area estimate) or UltraScale+ (LUT/FF/DSP/BRAM beside the ZCU102). Whole-design synthesis of
/// a large model takes tens of minutes, hence off by default.</summary>
public enum ReportSynth { None, Generic, Xcup }
