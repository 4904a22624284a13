using EMamba.Core;

namespace EMamba.Data;

/// <summary>The two .npy files one MARS split is read from, and whether they are the official ones.</summary>
/// <param name="Official">False only for the training split of subjects 2-4 (<c>*_train_s234.npy</c>),
/// the stand-in used when the official training files are absent.</param>
public sealed record MarsFiles(string Split, string Features, string Labels, bool Official)
{
    /// <summary>One line for reports, beside every figure.</summary>
    public string Protocol => Official
        ? $"{Split}: official MARS {Split} split ({Path.GetFileName(Features)})"
        : $"{Split}: subjects 2-4 of the official MARS training split ({Path.GetFileName(Features)}; subject 1 missing)";
}

/// <summary>MARS mmWave radar human pose (SizheAn/MARS) from its .npy files: features
/// (N, H, W, C) channels last, for MARS (N, 8, 8, 5) = up to 64 radar points [x, y, z, Doppler,
/// intensity], zero-padded; labels (N, D), for MARS D = 57 axis-major [x0..x18 | y0..y18 | z0..z18]
/// in metres (stored Fortran order). Loaded as planar (N, C, H, W) floats with the label rows kept
/// as they are. Any H, W, C and D load, so other radar layouts can be used; the row counts must agree.</summary>
public static class Mars
{
    /// <summary>The rebuilt copy of this machine, relative to the repository root.</summary>
    public const string DefaultDir = "../shared/data/mars";

    public static readonly string[] Splits = ["train", "validate", "test"];

    /// <summary>The files of <paramref name="split"/>: for train the official
    /// <c>featuremap_train.npy</c> + <c>labels_train.npy</c> when both exist, else the subjects 2-4
    /// pair <c>featuremap_train_s234.npy</c> + <c>labels_train_s234.npy</c>.</summary>
    public static MarsFiles Files(string dir, string split)
    {
        if (!Splits.Contains(split)) throw new ArgumentException($"split '{split}' must be train, validate or test");
        if (!Directory.Exists(dir))
            throw new EMambaException($"{dir}: MARS folder not found (expected featuremap_{{train,validate,test}}.npy and " +
                "labels_{train,validate,test}.npy from SizheAn/MARS, train possibly as *_train_s234.npy; pass --data, or write a synthetic " +
                "MARS-shaped folder with 'emamba data mars-synthetic --out DIR')");
        var official = Pair(dir, split, split, official: true);
        if (split != "train" || (File.Exists(official.Features) && File.Exists(official.Labels)))
        {
            Require(official.Features, $"the MARS {split} features, shape (N, 8, 8, 5)");
            Require(official.Labels, $"the MARS {split} labels, shape (N, 57)");
            return official;
        }
        var s234 = Pair(dir, split, "train_s234", official: false);
        if (File.Exists(s234.Features) && File.Exists(s234.Labels)) return s234;
        throw new EMambaException($"{dir}: no complete MARS training pair (expected featuremap_train.npy + labels_train.npy, " +
            "or the subjects 2-4 pair featuremap_train_s234.npy + labels_train_s234.npy)");
    }

    /// <param name="split">"train", "validate" or "test"; see <see cref="Files"/> for which train files are read.</param>
    public static FloatDataset Load(string dir, string split)
    {
        var files = Files(dir, split);
        var f = Npy.Read(files.Features);
        var l = Npy.Read(files.Labels);
        if (f.Shape.Length != 4 || f.Shape.Skip(1).Any(d => d == 0))
            throw new FileFormatException(files.Features, 0, $"expected features of shape (N, H, W, C) channels last, e.g. (N, 8, 8, 5); got {Shape(f)}");
        if (l.Shape.Length != 2 || l.Shape[1] == 0)
            throw new FileFormatException(files.Labels, 0, $"expected labels of shape (N, D), e.g. (N, 57); got {Shape(l)}");
        if (f.Shape[0] == 0) throw new FileFormatException(files.Features, 0, $"holds no frames, shape {Shape(f)}");
        if (l.Shape[0] != f.Shape[0])
            throw new FileFormatException(files.Labels, 0,
                $"holds {l.Shape[0]} label rows but {Path.GetFileName(files.Features)} holds {f.Shape[0]} frames; the rows must agree");
        CheckFinite(files.Features, f);
        CheckFinite(files.Labels, l);

        int n = f.Shape[0], h = f.Shape[1], w = f.Shape[2], c = f.Shape[3];
        // (N, H, W, C) -> (N, C, H, W): src[((i*H + y)*W + x)*C + ch] goes to dst[((i*C + ch)*H + y)*W + x].
        var x = new float[f.Data.Length];
        int plane = h * w;
        for (int i = 0; i < n; i++)
            for (int p = 0; p < plane; p++)
            {
                int src = (i * plane + p) * c, dst = i * c * plane + p;
                for (int ch = 0; ch < c; ch++) x[dst + ch * plane] = (float)f.Data[src + ch];
            }
        return new FloatDataset
        {
            Count = n, Channels = c, Height = h, Width = w, Features = x,
            Targets = l.ToFloat32(), Dims = l.Shape[1], Source = files.Features,
        };
    }

    private static MarsFiles Pair(string dir, string split, string suffix, bool official) =>
        new(split, Path.Combine(dir, $"featuremap_{suffix}.npy"), Path.Combine(dir, $"labels_{suffix}.npy"), official);

    private static void Require(string path, string what)
    {
        if (!File.Exists(path)) throw new EMambaException($"{path}: not found (expected {what}, a NumPy .npy file)");
    }

    private static string Shape(NpyArray a) => $"({string.Join(", ", a.Shape)}{(a.Shape.Length == 1 ? "," : "")})";

    // Values must survive the cast to float32. The error points at the element's bytes in the file
    // (Npy.Read checked that the data fills the file's tail exactly).
    private static void CheckFinite(string path, NpyArray a)
    {
        for (int i = 0; i < a.Data.Length; i++)
        {
            if (float.IsFinite((float)a.Data[i])) continue;
            var idx = new int[a.Shape.Length];
            for (int k = a.Shape.Length - 1, rest = i; k >= 0; k--) { idx[k] = rest % a.Shape[k]; rest /= a.Shape[k]; }
            long stored = 0;   // the element's position in the file's own order
            if (a.WasFortran) for (int k = a.Shape.Length - 1; k >= 0; k--) stored = stored * a.Shape[k] + idx[k];
            else stored = i;
            int size = int.Parse(a.Descr.AsSpan(2));
            long offset = new FileInfo(path).Length - (long)a.Data.Length * size + stored * size;
            throw new FileFormatException(path, offset,
                $"element [{string.Join(", ", idx)}] is {a.Data[i]}{(double.IsFinite(a.Data[i]) ? ", beyond float32" : "")}; MARS values must be finite");
        }
    }
}
