#!/usr/bin/env python3
"""Scores zxing-cpp on the hard set that `qr_hard --dump DIR` wrote, beside our scanner.

Bench only, never shipped. Setup (once):
    python3 -m venv /tmp/zxvenv && /tmp/zxvenv/bin/pip install zxing-cpp==3.1.1 pillow numpy
Run:
    cargo run --release -p samat-bench --bin qr_hard -- --dump /tmp/qr-hard
    /tmp/zxvenv/bin/python bench/zxing_cpp_compare.py /tmp/qr-hard [-v]

Each PNG is read as 8-bit gray (the exact pixels our scanner was given) and passed to
`zxingcpp.read_barcodes` with the wheel's defaults (try harder, rotate, invert, downscale), QR
codes only and plain text mode (bytes as the code's character set says, no HRI escaping; the
mode that scores the corpus as its README reports). A code counts as read when a found text equals the expected text exactly; a
found text that is not expected counts as "other" (a misread, or a second code the photo
really holds). Our columns come from the manifest.
"""

import json
import sys
import time
from importlib.metadata import version
from collections import OrderedDict
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    root = Path(args[0])
    rows: "OrderedDict[str, dict]" = OrderedDict()
    with open(root / "manifest.jsonl", encoding="utf-8") as manifest:
        for line in manifest:
            entry = json.loads(line)
            row = rows.setdefault(entry["condition"], {"images": 0, "codes": 0, "ours": 0, "zx": 0, "zx_wrong": 0, "ours_wrong": 0, "times": [],
                                                       "corpus": [0, 0, 0], "sticker": [0, 0, 0]})
            expected = set(entry["expected"])
            ours = set(entry["ours"])
            gray = np.asarray(Image.open(root / entry["file"]).convert("L"))
            start = time.perf_counter()
            found = {b.text for b in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode, text_mode=zxingcpp.TextMode.Plain)}
            row["times"].append((time.perf_counter() - start) * 1e3)
            zx_read = len(expected & found)
            ours_read = len(expected & ours)
            row["images"] += 1
            row["codes"] += len(expected)
            row["ours"] += ours_read
            row["zx"] += zx_read
            row["zx_wrong"] += len(found - expected)
            row["ours_wrong"] += len(ours - expected)
            part = row[entry["origin"]]
            part[0] += len(expected)
            part[1] += ours_read
            part[2] += zx_read
            if verbose and zx_read != ours_read:
                print(f"  {entry['condition']:<20} {entry['file']:<50} ours {ours_read}/{len(expected)}  zxing-cpp {zx_read}/{len(expected)}")

    def pct(times, p):
        times = sorted(times)
        return times[round((len(times) - 1) * p)] if times else 0.0

    head = f"{'condition':<22} {'images':>6} {'codes':>6} {'ours':>13} {'zxing-cpp':>13}   {'corpus ours/zx':>16} {'stickers ours/zx':>17}  {'other ours/zx':>13}  {'zx med/p90 ms':>13}"
    print(f"zxing-cpp {version('zxing-cpp')} on {root}")
    print(head)
    total = {"images": 0, "codes": 0, "ours": 0, "zx": 0, "zx_wrong": 0, "ours_wrong": 0, "times": [], "corpus": [0, 0, 0], "sticker": [0, 0, 0]}
    for name, row in list(rows.items()) + [("== all conditions", total)]:
        if row is not total:
            for key in ("images", "codes", "ours", "zx", "zx_wrong", "ours_wrong"):
                total[key] += row[key]
            total["times"] += row["times"]
            for part in ("corpus", "sticker"):
                total[part] = [a + b for a, b in zip(total[part], row[part])]
        share = lambda n: f"{n} ({100 * n / max(row['codes'], 1):.1f}%)"
        part = lambda p: f"{p[1]}/{p[2]} of {p[0]}" if p[0] else "-"
        print(f"{name:<22} {row['images']:>6} {row['codes']:>6} {share(row['ours']):>13} {share(row['zx']):>13}   {part(row['corpus']):>16} {part(row['sticker']):>17}"
              f"  {row['ours_wrong']:>6}/{row['zx_wrong']:<6}  {pct(row['times'], 0.5):>6.2f}/{pct(row['times'], 0.9):<6.2f}")


if __name__ == "__main__":
    main()
