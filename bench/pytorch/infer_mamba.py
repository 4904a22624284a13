#!/usr/bin/env python3
"""PyTorch peer for `emamba bench engine`: FP32 inference of the same eMamba model (patch embed + position,
M blocks with range norm, in_proj, causal depthwise conv, PWL SiLU after the conv when the config says so,
x_proj, ReLU Delta, PWL exp, selective scan as a time-step loop over unbound steps, D skip, PWL SiLU gate,
out_proj, residual; final range norm, mean pool, linear head), built from the very float safetensors file
the other contenders use, under torch.no_grad() in eval mode.

Prints one JSON line: {"frames_per_s": ..., "us_per_frame": ..., "params": ..., "torch": ..., "blas": ..., "blas_detail": ...}.
The BLAS report is the training peer's (mamba_train_bench.blas_report): the library the process actually loaded.
"""
import argparse, json, os, struct, sys, time
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mamba_train_bench import blas_report  # noqa: E402

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "I8": torch.int8}


def load_safetensors(path):
    """A safetensors file without the safetensors package: 8-byte header length, JSON header, raw bytes."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + a:base + b]), dtype=DTYPES[e["dtype"]]) if b > a else torch.empty(0, dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).float()
    return out, meta


def pwl(x, k, v, below, above, lo, hi):
    """y = interp(clamp(x, k0, kK)) + below min(x - k0, 0) + above max(x - kK, 0), clipped (docs/approximations.md)."""
    xc = x.clamp(k[0].item(), k[-1].item())
    i = (torch.bucketize(xc, k, right=True) - 1).clamp(0, k.numel() - 2)
    k0, k1, v0, v1 = k[i], k[i + 1], v[i], v[i + 1]
    y = v0 + (v1 - v0) / (k1 - k0) * (xc - k0)
    if below:
        y = y + below * (x - k[0]).clamp(max=0)
    if above:
        y = y + above * (x - k[-1]).clamp(min=0)
    return y.clamp(lo, hi)


class EMamba:
    def __init__(self, t, cfg):
        self.t, self.c = t, cfg
        self.di = cfg["expand"] * cfg["d_model"]
        self.n = cfg["d_state"]
        dr = cfg.get("dt_rank", "auto")
        self.r = (cfg["d_model"] + 15) // 16 if dr == "auto" else int(dr)
        self.silu = lambda v: pwl(v, t["pwl_silu.knots"], t["pwl_silu.values"], 0.0, 1.0, float("-inf"), float("inf"))
        self.exp = lambda v: pwl(v, t["pwl_exp.knots"], t["pwl_exp.values"], 0.0, 0.0, 0.0, 1.0)

    def norm(self, x, p):
        c = x - x.mean(-1, keepdim=True)
        rng = c.amax(-1, keepdim=True) - c.amin(-1, keepdim=True)
        return c / (rng + 1e-5) * self.t[p + ".weight"] + self.t[p + ".bias"]

    def block(self, x, i):
        t, p, di, n, r = self.t, f"blocks.{i}.", self.di, self.n, self.r
        l = x.shape[1]
        u, z = F.linear(self.norm(x, p + "norm"), t[p + "in_proj.weight"]).chunk(2, -1)
        w = t[p + "conv1d.weight"]                                      # (Din, 1, K)
        u = F.conv1d(u.transpose(1, 2), w, t[p + "conv1d.bias"], padding=w.shape[-1] - 1, groups=di)[..., :l].transpose(1, 2)
        if self.c.get("conv_silu", True):
            u = self.silu(u)
        dt, B, C = F.linear(u, t[p + "x_proj.weight"]).split([r, n, n], -1)
        delta = F.relu(F.linear(dt, t[p + "dt_proj.weight"], t[p + "dt_proj.bias"]))
        A = -torch.exp(t[p + "A_log"])                                   # (Din, N)
        dA = self.exp(delta.unsqueeze(-1) * A).unbind(1)                 # l x (b, Din, N)
        dBu = (delta.unsqueeze(-1) * B.unsqueeze(2) * u.unsqueeze(-1)).unbind(1)
        Cs = C.unsqueeze(-1).unbind(1)
        h = torch.zeros(x.shape[0], di, n)
        ys = []
        for s in range(l):
            h = dA[s] * h + dBu[s]
            ys.append(torch.bmm(h, Cs[s]).squeeze(-1))
        y = torch.stack(ys, 1) + u * t[p + "D"]
        return F.linear(y * self.silu(z), t[p + "out_proj.weight"]) + x

    def __call__(self, x):
        c, t = self.c, self.t
        b, ch, hh, ww = x.shape
        pp = c["patch"]
        x = x.reshape(b, ch, hh // pp, pp, ww // pp, pp).permute(0, 2, 4, 1, 3, 5).reshape(b, -1, ch * pp * pp)
        h = F.linear(x, t["embed.proj.weight"], t["embed.proj.bias"]) + t["embed.pos"]
        for i in range(c["n_layers"]):
            h = self.block(h, i)
        return F.linear(self.norm(h, "norm_f").mean(1), t["head.weight"], t["head.bias"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    for k, v in dict(batch_size=1, frames=32, warmup=2, threads=1).items():
        ap.add_argument("--" + k.replace("_", "-"), type=int, default=v)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t, meta = load_safetensors(a.model)
    cfg = json.loads(meta["config"])["model"]
    m = EMamba(t, cfg)
    x = torch.randn(a.batch_size, cfg["in_channels"], cfg["height"], cfg["width"])
    iters = max(1, -(-a.frames // a.batch_size))
    with torch.no_grad():
        for _ in range(a.warmup):
            m(x)
        t0 = time.perf_counter()
        for _ in range(iters):
            m(x)
        sec = time.perf_counter() - t0
    frames = iters * a.batch_size
    blas = blas_report()
    print(json.dumps({"frames_per_s": frames / sec, "us_per_frame": 1e6 * sec / frames, "frames": frames,
                      "params": sum(v.numel() for k, v in t.items() if not k.startswith("pwl_")), "torch": torch.__version__,
                      "blas": blas[0], "blas_detail": blas[1]}))


if __name__ == "__main__":
    main()
