using EMamba.Core;
using EMamba.Training.Modules.Baselines;
using static TorchSharp.torch;

namespace EMamba.Training.Modules;

/// <summary>Builds the vision/radar model a config's <c>arch</c> names, so the trainer needs one call.</summary>
public static class ModelFactory
{
    // x: (B, C, H, W) -> (B, NumOutputs) for every model returned here.
    public static nn.Module<Tensor, Tensor> CreateVision(ModelConfig cfg) => cfg.Arch switch
    {
        "cnn" => new CnnModel(cfg),
        "vit" => new VitModel(cfg),
        // Mamba is built by the trainer itself for now (it takes PWL tables and the scan choice);
        // the main developer wires it in here.
        "mamba" => throw new NotSupportedException("arch 'mamba' is not built by ModelFactory yet; construct MambaModel directly"),
        "transformer" => throw new ArgumentException("arch 'transformer' is the language baseline; build TransformerLM for head 'lm'"),
        _ => throw new ArgumentException($"arch '{cfg.Arch}' is not a vision model (cnn, vit, mamba)"),
    };
}
