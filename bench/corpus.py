#!/usr/bin/env python3
"""Prepares the benchmark corpus: real PDF, HTML and Markdown documents from Debian doc packages.

- PDF: package manuals from texlive-science-doc (LaTeX packages for the sciences);
- HTML: the Python 3.11 library reference from python3.11-doc;
- Markdown: the Node.js API reference from nodejs-doc (shipped gzipped, unpacked here);
- scan: real scanned pages from OCRmyPDF's test resources (its PyPI source archive, fetched with
  `pip download --no-binary`, never installed), for the OCR figure (bench.ts reads them apart
  from the other kinds: OCR is measured on its own, not inside the ingest throughput).

Packages are fetched with `apt-get download` and unpacked with dpkg-deb (never installed), with
the same helpers as the test corpus (test/corpus/prepare.py). The selection is deterministic
(sorted paths, size windows, fixed counts), so two runs on two machines ingest the same bytes.
Writes <out>/<kind>/<name> and <out>/corpus.json (the list of documents). Idempotent.
"""
from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "test" / "corpus"))
from prepare import log, sdist_root, unpacked  # noqa: E402  (shared .deb and sdist download and unpack)

# (count, min bytes, max bytes; gzipped size for Markdown) per kind and size. "small" is a few hundred pages of text
# (about a thousand chunks of 1,000 characters); "large" about three times that.
SIZES = {
    "small": {"pdf": (30, 40_000, 120_000), "html": (40, 20_000, 80_000), "markdown": (12, 2_000, 6_000)},
    "large": {"pdf": (90, 40_000, 160_000), "html": (120, 20_000, 120_000), "markdown": (30, 2_000, 12_000)},
}

# Scanned PDFs with text on every page (no text layer): a leaflet in two columns, a book page,
# a printed web page, the leaflet skewed, in four rotations, CCITT- and JBIG2-encoded, French.
SCANS_SDIST = "ocrmypdf==17.13.0"
SCANS = {
    "small": ["linn.pdf", "c03-29.pdf", "epson.pdf", "francais.pdf"],
    "large": ["linn.pdf", "c03-29.pdf", "epson.pdf", "francais.pdf", "skew.pdf", "cardinal.pdf", "ccitt.pdf", "jbig2.pdf"],
}

SOURCES = {
    "pdf": ("texlive-science-doc", "usr/share/doc/texlive-doc", "**/*.pdf"),
    "html": ("python3.11-doc", "usr/share/doc/python3.11/html/library", "*.html"),
    "markdown": ("nodejs-doc", "usr/share/doc/nodejs/api", "*.md*"),
}


def pick(root: Path, pattern: str, count: int, low: int, high: int) -> list[Path]:
    """Every file in the size window, sorted by path, then `count` of them spread evenly."""
    candidates = sorted(p for p in root.glob(pattern) if p.is_file() and low <= p.stat().st_size <= high)
    if len(candidates) < count:
        sys.exit(f"only {len(candidates)} files of {low}-{high} bytes match {root}/{pattern}; need {count}")
    step = len(candidates) / count
    return [candidates[int(i * step)] for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--cache", type=Path, help="where .deb files are kept (default: <out>/../cache/debs)")
    args = parser.parse_args()
    cache = args.cache or args.out.parent / "cache" / "debs"
    documents = []
    for kind, (count, low, high) in SIZES[args.size].items():
        package, subdir, pattern = SOURCES[kind]
        root = unpacked(cache, package) / subdir
        for source in pick(root, pattern, count, low, high):
            name = source.relative_to(root).as_posix().replace("/", "-")
            if name.endswith(".gz"):
                name = name[: -len(".gz")]
            key = f"{kind}/{name}"
            target = args.out / key
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                if source.suffix == ".gz":
                    with gzip.open(source, "rb") as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                else:
                    shutil.copyfile(source, target)
            documents.append({"key": key, "kind": kind, "bytes": target.stat().st_size, "from": f"{package}:{subdir}/{source.relative_to(root)}"})
    venv = Path(__file__).resolve().parent.parent / ".venv"
    resources = sdist_root(cache.parent / "sdists", SCANS_SDIST, venv) / "tests" / "resources"
    for name in SCANS[args.size]:
        key = f"scan/{name}"
        target = args.out / key
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(resources / name, target)
        documents.append({"key": key, "kind": "scan", "bytes": target.stat().st_size, "from": f"{SCANS_SDIST}:tests/resources/{name}"})
    (args.out / "corpus.json").write_text(json.dumps({"size": args.size, "documents": documents}, indent=1) + "\n")
    total = sum(d["bytes"] for d in documents)
    log(f"{args.size} benchmark corpus ready in {args.out}: {len(documents)} documents, {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
