namespace EMamba.Data;

/// <summary>MARS-shaped synthetic data, for tests and for end-to-end runs when the real files are
/// absent. Not radar physics; a stand-in with the same shapes, units and layout whose targets are a
/// function of the input up to noise, so a model can learn it:
/// <list type="bullet">
/// <item>a latent pose z (6 dims) per frame, smooth in time like a walking person: per sequence of
///   <see cref="SequenceLength"/> frames at 10 Hz, z_d(t) = a_d sin(w_d t + phi_d) + AR(1) noise, with a cadence,
///   amplitudes and phases drawn per sequence;</item>
/// <item>targets: joint = skeleton offset + A z (A a fixed random 57 x 6 map, larger for limbs than
///   torso), clamped to x in [-1, 1], y (depth) in [1.5, 3], z (height) in [-1, 1] metres, laid out
///   axis-major [x0..x18 | y0..y18 | z0..z18] like the real labels;</item>
/// <item>input: 24 to 64 points per frame, slot k reflecting joint J(k) (a fixed random slot-to-joint
///   map, like a sensor order) at the joint's position plus 4 cm noise, 5 % clutter points anywhere in
///   the box; Doppler the joint's radial velocity (from dz/dt) plus noise; intensity log-normal
///   (median about 20, as in the real files); zero padding to 64 points, as 8 x 8 x 5 channels last.</item>
/// </list>
/// Deterministic: one seed fixes the model (skeleton jitter, A, slot map) and each split draws from
/// its own stream, so a split's content does not depend on the other splits' sizes.</summary>
public static class MarsSynthetic
{
    public const int Joints = 19, Axes = 3, Dims = Joints * Axes, MaxPoints = 64, Channels = 5, Latent = 6;
    public const int SequenceLength = 120;
    private const double FrameSeconds = 0.1, PointNoise = 0.04, DopplerNoise = 0.02, Clutter = 0.05;

    // A standing person about 2 m in front of the sensor (x lateral, y depth, z height, metres), in
    // the 19-joint Kinect order of the MARS labels: spine base, spine mid, neck, head, left shoulder,
    // elbow, wrist, right shoulder, elbow, wrist, left hip, knee, ankle, foot, right hip, knee, ankle,
    // foot, spine shoulder.
    private static readonly double[,] Skeleton =
    {
        { 0.00, 2.00, -0.12 }, { 0.00, 2.02, 0.20 }, { 0.00, 2.02, 0.52 }, { 0.00, 2.00, 0.66 },
        { 0.18, 2.00, 0.40 }, { 0.28, 2.00, 0.16 }, { 0.34, 1.96, -0.06 },
        { -0.18, 2.00, 0.40 }, { -0.28, 2.00, 0.16 }, { -0.34, 1.96, -0.06 },
        { 0.09, 2.00, -0.14 }, { 0.11, 1.98, -0.48 }, { 0.12, 2.02, -0.84 }, { 0.12, 1.94, -0.90 },
        { -0.09, 2.00, -0.14 }, { -0.11, 1.98, -0.48 }, { -0.12, 2.02, -0.84 }, { -0.12, 1.94, -0.90 },
        { 0.00, 2.02, 0.44 },
    };

    // How far each joint moves with the latent pose: limbs most, torso least.
    private static readonly double[] Mobility =
        [0.5, 0.5, 0.6, 0.7, 0.7, 1.0, 1.5, 0.7, 1.0, 1.5, 0.6, 1.0, 1.4, 1.5, 0.6, 1.0, 1.4, 1.5, 0.6];

    private static readonly (double Lo, double Hi)[] Box = [(-1, 1), (1.5, 3), (-1, 1)];

    /// <summary>The fixed part drawn from the seed: joint offsets, the latent-to-joint map and the slot map.</summary>
    private sealed record Model(double[] Offset, double[,] A, int[] SlotJoint);

    private static Model Draw(int seed)
    {
        var r = new Random(seed);
        var offset = new double[Dims];
        var a = new double[Dims, Latent];
        for (int ax = 0; ax < Axes; ax++)
            for (int j = 0; j < Joints; j++)
            {
                offset[ax * Joints + j] = Skeleton[j, ax] + 0.02 * Gauss(r);
                for (int d = 0; d < Latent; d++) a[ax * Joints + j, d] = 0.05 * Mobility[j] * Gauss(r);
            }
        // Every joint gets at least three slots: slot k reflects joint perm[k mod 19].
        var perm = Enumerable.Range(0, Joints).ToArray();
        r.Shuffle(perm);
        var slot = new int[MaxPoints];
        for (int k = 0; k < MaxPoints; k++) slot[k] = perm[k % Joints];
        return new Model(offset, a, slot);
    }

    /// <summary>One split's frames: features (count, 8, 8, 5) and labels (count, 57), both C order.</summary>
    /// <param name="split">"train", "validate" or "test": each has its own random stream.</param>
    public static (double[] Features, double[] Labels) Generate(int count, int seed, string split)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int stream = Array.IndexOf(Mars.Splits, split);
        if (stream < 0) throw new ArgumentException($"split '{split}' must be train, validate or test");
        var m = Draw(seed);
        var r = new Random(unchecked(seed * 1_000_003 + 7919 * (stream + 1)));
        var features = new double[(long)count * MaxPoints * Channels];
        var labels = new double[(long)count * Dims];
        var amp = new double[Latent];
        var omega = new double[Latent];
        var phase = new double[Latent];
        var ar = new double[Latent];
        var z = new double[Latent];
        var dz = new double[Latent];
        var joint = new double[Dims];
        var vel = new double[Dims];
        var pt = new double[Channels];
        for (int i = 0; i < count; i++)
        {
            int t = i % SequenceLength;
            if (t == 0)
            {
                double cadence = 0.5 + 0.7 * r.NextDouble();   // Hz
                for (int d = 0; d < Latent; d++)
                {
                    amp[d] = 0.5 + r.NextDouble();
                    omega[d] = 2 * Math.PI * cadence * (0.8 + 0.4 * r.NextDouble());
                    phase[d] = 2 * Math.PI * r.NextDouble();
                    ar[d] = 0;
                }
            }
            double s = t * FrameSeconds;
            for (int d = 0; d < Latent; d++)
            {
                ar[d] = 0.9 * ar[d] + 0.05 * Gauss(r);
                z[d] = amp[d] * Math.Sin(omega[d] * s + phase[d]) + ar[d];
                dz[d] = amp[d] * omega[d] * Math.Cos(omega[d] * s + phase[d]);
            }
            for (int c = 0; c < Dims; c++)
            {
                double p = m.Offset[c], v = 0;
                for (int d = 0; d < Latent; d++) { p += m.A[c, d] * z[d]; v += m.A[c, d] * dz[d]; }
                var (lo, hi) = Box[c / Joints];
                joint[c] = Math.Clamp(p, lo, hi);
                vel[c] = v;
                labels[(long)i * Dims + c] = joint[c];
            }

            // Points in slot order; slots from `points` on stay zero (the padding of the real files).
            int points = r.Next(24, MaxPoints + 1);
            long f0 = (long)i * MaxPoints * Channels;
            for (int k = 0; k < points; k++)
            {
                if (r.NextDouble() < Clutter)
                {
                    for (int ax = 0; ax < Axes; ax++) pt[ax] = Box[ax].Lo + (Box[ax].Hi - Box[ax].Lo) * r.NextDouble();
                    pt[3] = 0.1 * Gauss(r);
                }
                else
                {
                    int j = m.SlotJoint[k];
                    for (int ax = 0; ax < Axes; ax++) pt[ax] = joint[ax * Joints + j] + PointNoise * Gauss(r);
                    // Doppler: the joint's velocity along the line of sight from the sensor at the origin.
                    double norm = Math.Sqrt(pt[0] * pt[0] + pt[1] * pt[1] + pt[2] * pt[2]), radial = 0;
                    for (int ax = 0; ax < Axes; ax++) radial += pt[ax] / norm * vel[ax * Joints + j];
                    pt[3] = radial + DopplerNoise * Gauss(r);
                }
                pt[4] = Math.Exp(3 + 0.8 * Gauss(r));
                pt.CopyTo(features, f0 + k * Channels);
            }
        }
        return (features, labels);
    }

    /// <summary>Writes the six files under the real names (featuremap_{split}.npy float64 (N, 8, 8, 5);
    /// labels_{split}.npy float64 (N, 57) in Fortran order), so <see cref="Mars.Load"/> reads them;
    /// train as the official pair featuremap_train.npy + labels_train.npy.</summary>
    public static void WriteFolder(string dir, int train, int validate, int test, int seed)
    {
        int[] counts = [train, validate, test];
        for (int s = 0; s < counts.Length; s++)
            if (counts[s] < 1) throw new ArgumentOutOfRangeException(Mars.Splits[s], $"the {Mars.Splits[s]} split needs at least one frame, got {counts[s]}");
        Directory.CreateDirectory(dir);
        for (int s = 0; s < counts.Length; s++)
        {
            var (x, y) = Generate(counts[s], seed, Mars.Splits[s]);
            Npy.Write(Path.Combine(dir, $"featuremap_{Mars.Splits[s]}.npy"), [counts[s], 8, 8, Channels], x);
            Npy.Write(Path.Combine(dir, $"labels_{Mars.Splits[s]}.npy"), [counts[s], Dims], y, fortranOrder: true);
        }
    }

    // Box-Muller; one draw per call keeps the stream simple to reason about.
    private static double Gauss(Random r) =>
        Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
