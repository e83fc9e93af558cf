#!/usr/bin/env python3
"""Prepares the sample corpus listed in manifest.json under <out>/<key>.

Documents come from Debian packages (fetched with `apt-get download`, unpacked with dpkg-deb,
never installed), from PyPI packages already in the project venv, from PyPI source archives
(fetched with `pip download --no-binary`, never installed: OCRmyPDF's sdist carries real scanned
pages in its test resources), or are generated from those (a DOCX and an ODT built with the
standard library's zipfile, an RTF written as text, for formats no package we can reach ships a
real document of; a PDF of text pages and a scanned page joined by poppler's pdfunite, and a
scan's own JPEG taken out of its PDF by pdfimages). Idempotent: existing files are kept.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent


def log(message: str) -> None:
    print(f"[corpus] {message}", flush=True)


def deb_file(cache: Path, package: str) -> Path:
    found = sorted(cache.glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    cache.mkdir(parents=True, exist_ok=True)
    log(f"downloading Debian package {package}")
    if subprocess.run(["apt-get", "download", "-q", package], cwd=cache).returncode != 0:
        # A fresh machine may have no package lists yet.
        log("apt-get download failed; refreshing package lists and retrying")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "download", "-q", package], cwd=cache, check=True)
    found = sorted(cache.glob(f"{package}_*.deb"))
    if not found:
        sys.exit(f"apt-get download {package} produced no .deb in {cache}")
    return found[-1]


def unpacked(cache: Path, package: str) -> Path:
    root = cache / "unpacked" / package
    if not (root / ".done").exists():
        deb = deb_file(cache, package)
        log(f"unpacking {deb.name}")
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        (root / ".done").touch()
    return root


def sdist_root(cache: Path, requirement: str, venv: Path) -> Path:
    """The unpacked source archive of `requirement` (name==version), downloaded once into `cache`."""
    name, _, version = requirement.partition("==")
    root = cache / "unpacked" / f"{name}-{version}"
    if (root / ".done").exists():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    archives = sorted(cache.glob(f"{name}-{version}.tar.gz"))
    if not archives:
        log(f"downloading the PyPI source archive of {requirement}")
        # The venv's pip (make install creates it); pip prepares the archive's metadata, which
        # takes a minute for a project built with hatchling, once.
        pip = venv / "bin" / "python"
        subprocess.run([str(pip if pip.exists() else sys.executable), "-m", "pip", "download", "-q", "--disable-pip-version-check",
                        "--no-deps", "--no-binary", ":all:", "-d", str(cache), requirement], check=True)
        archives = sorted(cache.glob(f"{name}-{version}.tar.gz"))
        if not archives:
            sys.exit(f"pip download {requirement} produced no {name}-{version}.tar.gz in {cache}")
    log(f"unpacking {archives[-1].name}")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    with tarfile.open(archives[-1]) as tar:
        top = f"{name}-{version}/"
        # Only regular files under the project's own top directory: no links, no absolute paths.
        members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith(top) and ".." not in m.name.split("/")]
        for member in members:
            member.name = member.name[len(top):]
        tar.extractall(root, members=members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (root / ".done").touch()
    return root


def source_of(origin: dict, cache: Path, venv: Path) -> Path:
    """Where an origin's file is: in an unpacked Debian package, a PyPI source archive, or the venv."""
    if "deb" in origin:
        return unpacked(cache, origin["deb"]) / origin["path"]
    if "sdist" in origin:
        return sdist_root(cache.parent / "sdists", origin["sdist"], venv) / origin["path"]
    return site_packages(venv) / origin["path"]


def site_packages(venv: Path) -> Path:
    matches = glob.glob(str(venv / "lib" / "python3*" / "site-packages"))
    if not matches:
        sys.exit(f"no site-packages under {venv}; run the set-up (make install) first")
    return Path(matches[0])


def rst_to_blocks(text: str) -> list[tuple[str, str]]:
    """Turns reStructuredText into (style, text) blocks: headings by their underline, paragraphs."""
    lines = text.splitlines()
    blocks: list[tuple[str, str]] = []
    levels: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(("Normal", " ".join(s.strip() for s in paragraph)))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"([=\-~^*])\1{2,}", nxt.strip()) and len(nxt.strip()) >= len(line.strip()):
            flush()
            mark = nxt.strip()[0]
            if mark not in levels:
                levels.append(mark)
            blocks.append((f"Heading{min(levels.index(mark) + 1, 6)}", line.strip()))
            i += 2
            continue
        if not line.strip() or line.startswith(".. ") or re.fullmatch(r"[=\-~^*]{3,}", line.strip()):
            flush()
        else:
            paragraph.append(line)
        i += 1
    flush()
    return blocks


def write_docx(blocks: list[tuple[str, str]], target: Path, title: str) -> None:
    """A minimal, valid WordprocessingML package: heading styles mammoth maps to <h1>..<h6>."""
    body = "".join(
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
        for style, text in blocks
    )
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    styles = "".join(
        f'<w:style w:type="paragraph" w:styleId="Heading{n}"><w:name w:val="heading {n}"/><w:basedOn w:val="Normal"/></w:style>'
        for n in range(1, 7)
    )
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
        "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
        "word/styles.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles {ns}><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>{styles}</w:styles>',
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {ns}><w:body>{body}</w:body></w:document>',
        "docProps/core.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{escape(title)}</dc:title></cp:coreProperties>',
    }
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            # Fixed timestamps: the same input always makes the same bytes (and ETag).
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), content)
    tmp.replace(target)


def write_odt(blocks: list[tuple[str, str]], target: Path) -> None:
    """A minimal OpenDocument text: `mimetype` stored first, headings as text:h with their level."""
    body = "".join(
        f'<text:h text:outline-level="{style[7:]}">{escape(text)}</text:h>' if style.startswith("Heading") else f"<text:p>{escape(text)}</text:p>"
        for style, text in blocks
    )
    mimetype = "application/vnd.oasis.opendocument.text"
    files = {
        "META-INF/manifest.xml": f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        "content.xml": f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:text>{body}</office:text></office:body></office:document-content>',
    }
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype", date_time=(2024, 1, 1, 0, 0, 0)), mimetype, compress_type=zipfile.ZIP_STORED)
        for name, content in files.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), content, compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(target)


def rtf_escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code - 65536 if code > 32767 else code}?")
    return "".join(out)


def write_rtf(blocks: list[tuple[str, str]], target: Path) -> None:
    """RTF as word processors write it: a font table, headings with an outline level, paragraphs."""
    lines = [r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}{\info{\title generated}}"]
    for style, text in blocks:
        if style.startswith("Heading"):
            lines.append(rf"\pard\outlinelevel{int(style[7:]) - 1}\b {rtf_escape(text)}\b0\par")
        else:
            lines.append(rf"\pard {rtf_escape(text)}\par")
    lines.append("}")
    target.write_text("\n".join(lines), encoding="ascii")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--cache", type=Path, help="where .deb files are kept (default: <out>/../cache/debs)")
    parser.add_argument("--venv", type=Path, default=HERE.parent.parent / ".venv")
    args = parser.parse_args()
    cache = args.cache or args.out.parent / "cache" / "debs"
    manifest = json.loads((HERE / "manifest.json").read_text())

    for doc in manifest["documents"]:
        target = args.out / doc["key"]
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        origin = doc["from"]
        if origin.get("generate") == "pdfunite":
            # Pages of real documents joined into one PDF (text pages and a scanned page).
            parts = [source_of(part, cache, args.venv) for part in origin["parts"]]
            missing = [str(p) for p in parts if not p.exists()]
            if missing:
                sys.exit(f"{', '.join(missing)} not found (package layout changed?)")
            subprocess.run(["pdfunite", *map(str, parts), str(target)], check=True)
            log(f"{doc['key']} ({target.stat().st_size} bytes)")
            continue
        source = source_of(origin, cache, args.venv)
        if not source.exists():
            sys.exit(f"{source} not found (package layout changed?)")
        if origin.get("generate") == "pdfimages":
            # A scanned page's own image, byte for byte (-j keeps a JPEG as it is stored).
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run(["pdfimages", "-j", "-f", "1", "-l", "1", str(source), f"{tmp}/image"], check=True)
                shutil.copyfile(sorted(Path(tmp).iterdir())[0], target)
        elif origin.get("generate") == "docx":
            write_docx(rst_to_blocks(source.read_text(encoding="utf-8")), target, title=Path(doc["key"]).stem)
        elif origin.get("generate") == "odt":
            write_odt(rst_to_blocks(source.read_text(encoding="utf-8")), target)
        elif origin.get("generate") == "rtf":
            write_rtf(rst_to_blocks(source.read_text(encoding="utf-8")), target)
        else:
            shutil.copyfile(source, target)
        log(f"{doc['key']} ({target.stat().st_size} bytes)")
    log(f"corpus ready in {args.out}")


if __name__ == "__main__":
    main()
