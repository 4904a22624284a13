using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Onnx.Proto;

namespace EMamba.Onnx;

public static class QdqExport
{
    public const int Opset = 21;

    public static OnnxModel Build(IntModel m, string source) =>
        throw new EMambaException($"{source}: QDQ export is not built yet", ExitCodes.BadInput);
}
