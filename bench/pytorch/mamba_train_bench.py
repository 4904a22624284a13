#!/usr/bin/env python3
"""PyTorch peer for `emamba bench train`: the same vision Mamba (patch embed + position, M Mamba-1
blocks with RMSNorm, softplus Delta, SiLU after the conv, exact exp, D skip, gating, residual; final
RMSNorm, mean pool, linear head), the same shapes and batch, AdamW + grad clipping, and the selective
scan written as a time-step loop, as PyTorch users write it (mamba-minimal style).

Prints one JSON line: {"samples_per_s": ..., "step_ms": ..., "params": ..., "torch": ..., "blas": ..., "blas_detail": ...}.
Runs on Debian's python3-torch (1.13). Debian's torch calls the system libblas.so.3, which is the
slow reference BLAS unless an optimised one (libopenblas0-pthread, installed by `build/setup.sh bench`)
provides it; "blas" names the library the process actually loaded (from /proc/self/maps).
"""
import argparse, ctypes, json, math, os, re, subprocess, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def selective_scan_index(u, delta, A, B, C, D):
    """mamba-minimal style: index the time step out of the full tensors in the loop."""
    # u, delta: (b, l, d_in); A: (d_in, n); B, C: (b, l, n)
    b, l, d_in = u.shape
    dA = torch.exp(delta.unsqueeze(-1) * A)                       # (b, l, d_in, n)
    dBu = delta.unsqueeze(-1) * B.unsqueeze(2) * u.unsqueeze(-1)  # (b, l, d_in, n)
    h = torch.zeros(b, d_in, A.shape[1])
    ys = []
    for t in range(l):
        h = dA[:, t] * h + dBu[:, t]
        ys.append((h * C[:, t].unsqueeze(1)).sum(-1))             # (b, d_in)
    return torch.stack(ys, 1) + u * D


def selective_scan_unbind(u, delta, A, B, C, D):
    """The same loop over pre-split time steps (unbind): its backward avoids a full-size zero
    gradient per indexed step, the strongest plain-PyTorch form we know."""
    b, l, d_in = u.shape
    dA = torch.exp(delta.unsqueeze(-1) * A).unbind(1)             # l x (b, d_in, n)
    dBu = (delta.unsqueeze(-1) * B.unsqueeze(2) * u.unsqueeze(-1)).unbind(1)
    Cs = C.unsqueeze(-1).unbind(1)                                # l x (b, n, 1)
    h = torch.zeros(b, d_in, A.shape[1])
    ys = []
    for t in range(l):
        h = dA[t] * h + dBu[t]
        ys.append(torch.bmm(h, Cs[t]).squeeze(-1))                # (b, d_in)
    return torch.stack(ys, 1) + u * D


SCANS = {"index": selective_scan_index, "unbind": selective_scan_unbind}


SCAN = selective_scan_index


class MambaBlock(nn.Module):
    def __init__(self, d, e, n, k, r):
        super().__init__()
        di = e * d
        self.di, self.n, self.r = di, n, r
        self.norm = RMSNorm(d)
        self.in_proj = nn.Linear(d, 2 * di, bias=False)
        self.conv1d = nn.Conv1d(di, di, k, padding=k - 1, groups=di)
        self.x_proj = nn.Linear(di, r + 2 * n, bias=False)
        self.dt_proj = nn.Linear(r, di)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(di, 1))
        self.D = nn.Parameter(torch.ones(di))
        self.out_proj = nn.Linear(di, d, bias=False)

    def forward(self, x):
        l = x.shape[1]
        u, z = self.in_proj(self.norm(x)).chunk(2, -1)
        u = F.silu(self.conv1d(u.transpose(1, 2))[..., :l].transpose(1, 2))
        dt, B, C = self.x_proj(u).split([self.r, self.n, self.n], -1)
        delta = F.softplus(self.dt_proj(dt))
        y = SCAN(u, delta, -torch.exp(self.A_log), B, C, self.D)
        return self.out_proj(y * F.silu(z)) + x


class Model(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.p, self.c = a.patch, a.channels
        g = (a.height // a.patch) * (a.width // a.patch)
        self.proj = nn.Linear(a.channels * a.patch * a.patch, a.d_model)
        self.pos = nn.Parameter(torch.randn(g, a.d_model) * 0.02)
        r = math.ceil(a.d_model / 16)
        self.blocks = nn.ModuleList(MambaBlock(a.d_model, a.expand, a.d_state, a.d_conv, r) for _ in range(a.n_layers))
        self.norm_f = RMSNorm(a.d_model)
        self.head = nn.Linear(a.d_model, a.classes)

    def forward(self, x):
        b, c, hh, ww = x.shape
        p = self.p
        x = x.reshape(b, c, hh // p, p, ww // p, p).permute(0, 2, 4, 1, 3, 5).reshape(b, -1, c * p * p)
        h = self.proj(x) + self.pos
        for blk in self.blocks:
            h = blk(h)
        return self.head(self.norm_f(h).mean(1))


def blas_report():
    """Which BLAS this process runs on: the BLAS libraries mapped into it (after a matmul has run),
    what /usr/lib/x86_64-linux-gnu/libblas.so.3 resolves to (update-alternatives), and torch's own
    build settings (torch.__config__.show(): Debian's torch says BLAS_INFO=generic, i.e. libblas.so.3)."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    mapped = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if re.search(r"blas|mkl|blis|atlas", os.path.basename(path)) and path not in mapped:
                    mapped.append(path)
    except OSError:
        pass
    mapped = [os.path.realpath(p) for p in mapped]
    alt = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    info = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    info = info.group(1) if info else "?"
    paths = " ".join(mapped) or alt
    name = "unknown BLAS"
    if "mkl" in paths:
        name = "MKL"
    elif "openblas" in paths:
        name = "OpenBLAS"
        for p in mapped:
            try:
                lib = ctypes.CDLL(p)
                lib.openblas_get_config.restype = ctypes.c_char_p
                name = " ".join(lib.openblas_get_config().decode().split()[:2])   # "OpenBLAS 0.3.21"
                m = re.search(r"openblas-(\w+)", p)
                if m:
                    name += " " + m.group(1)
                break
            except (OSError, AttributeError):
                continue
    elif "blis" in paths:
        name = "BLIS"
    elif "atlas" in paths:
        name = "ATLAS"
    elif "/blas/" in paths:
        name = "reference BLAS, netlib, unoptimised"
    detail = f"torch BLAS_INFO={info}; libblas.so.3 -> {alt}; loaded: {', '.join(mapped) or 'none'}"
    return name, detail


def main():
    ap = argparse.ArgumentParser()
    for k, v in dict(batch_size=128, steps=20, warmup=3, threads=2, channels=1, height=28, width=28, patch=4,
                     d_model=64, expand=2, d_state=16, n_layers=4, d_conv=4, classes=10, seed=1, flush_denormal=0).items():
        ap.add_argument("--" + k.replace("_", "-"), type=int, default=v)
    ap.add_argument("--scan", choices=sorted(SCANS), default="index")
    a = ap.parse_args()
    global SCAN
    SCAN = SCANS[a.scan]
    torch.set_num_threads(a.threads)
    if a.flush_denormal:
        torch.set_flush_denormal(True)
    torch.manual_seed(a.seed)
    model = Model(a)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    x = torch.randn(a.batch_size, a.channels, a.height, a.width)
    y = torch.randint(0, a.classes, (a.batch_size,))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    sec = time.perf_counter() - t0
    blas = blas_report()
    print(json.dumps({"samples_per_s": a.batch_size * a.steps / sec, "step_ms": 1000 * sec / a.steps,
                      "params": sum(p.numel() for p in model.parameters()), "torch": torch.__version__,
                      "scan": a.scan, "blas": blas[0], "blas_detail": blas[1]}))


if __name__ == "__main__":
    main()
