#!/usr/bin/env python3
"""Make libLibTorchSharp.so load on systems whose libstdc++ lacks GLIBCXX_3.4.32.

The only symbol bound to that version is std::ios_base_library_init(), a link-time
marker nothing calls. Marking the version requirement weak (VER_FLG_WEAK = 2 in the
Vernaux entry of .gnu.version_r) lets the dynamic loader accept the older libstdc++.
Usage: weaken-glibcxx.py FILE.so [...]   (idempotent; no-op where not needed)
"""
import glob, os, struct, sys

VERSION = b"GLIBCXX_3.4.32"
SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 2


def system_has_version() -> bool:
    for pattern in ("/usr/lib/*-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib/*-linux-gnu/libstdc++.so.6"):
        for path in glob.glob(pattern):
            with open(os.path.realpath(path), "rb") as f:
                if VERSION + b"\0" in f.read():
                    return True
    return False


def weaken(path: str) -> str:
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return "not a little-endian ELF64 file"
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    changed = 0
    for sh in sections:
        if sh[1] != SHT_GNU_VERNEED:
            continue
        strtab = sections[sh[6]][4]  # sh_link -> .dynstr file offset
        off = sh[4]
        for _ in range(sh[7]):  # sh_info = number of Verneed entries
            _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, off)
            a = off + aux
            for _ in range(cnt):
                _, flags, _, name, anext = struct.unpack_from("<IHHII", data, a)
                end = data.index(b"\0", strtab + name)
                if bytes(data[strtab + name:end]) == VERSION and not flags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, a + 4, flags | VER_FLG_WEAK)
                    changed += 1
                a += anext
            off += nxt
    if not changed:
        return "nothing to do"
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return f"weakened {changed} requirement(s)"


if __name__ == "__main__":
    if system_has_version():
        sys.exit(0)
    for p in sys.argv[1:]:
        if os.path.exists(p):
            print(f"weaken-glibcxx: {p}: {weaken(p)}")
