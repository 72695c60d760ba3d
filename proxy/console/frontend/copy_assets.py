"""Copy the GOV.UK Frontend files the console uses from node_modules into proxy/console/static/govuk.

Run after ``npm ci`` in this folder (``make console-assets`` does both). The result is committed, so an air-gapped
install needs neither npm nor the network; package-lock.json says exactly which release the files came from, and
tests/console/test_assets.py checks the committed copy against it.

Two changes are made on the way, both to the stylesheet:
- its asset URLs point at where the gateway serves them (``/console/static/govuk/assets/``), not at ``/assets/``;
- its ``@font-face`` rules are removed and the font files are not copied: the GDS Transport typeface may be used
  only on GOV.UK domains, which a department's own gateway is not, so text falls back to Arial as the stylesheet's
  own font stack says.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "node_modules" / "govuk-frontend"
TARGET = HERE.parent / "static" / "govuk"
ASSET_URL = "/console/static/govuk/assets/"
IMAGES = ("favicon.ico", "favicon.svg", "govuk-crest.svg", "govuk-icon-180.png")


def stylesheet(css: str) -> str:
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    return css.replace("url(/assets/", f"url({ASSET_URL}")


def main() -> None:
    version = json.loads((SOURCE / "package.json").read_text())["version"]
    locked = json.loads((HERE / "package-lock.json").read_text())["packages"]["node_modules/govuk-frontend"]
    if locked["version"] != version:
        raise SystemExit(f"node_modules has govuk-frontend {version}, the lock file {locked['version']}: run npm ci")
    if TARGET.exists():
        shutil.rmtree(TARGET)
    (TARGET / "assets" / "images").mkdir(parents=True)
    dist = SOURCE / "dist" / "govuk"
    (TARGET / "govuk-frontend.min.css").write_text(stylesheet((dist / "govuk-frontend.min.css").read_text()))
    shutil.copyfile(dist / "govuk-frontend.min.js", TARGET / "govuk-frontend.min.js")
    for image in IMAGES:
        shutil.copyfile(dist / "assets" / "images" / image, TARGET / "assets" / "images" / image)
    package = json.loads((SOURCE / "package.json").read_text())
    provenance = {
        "package": "govuk-frontend",
        "version": version,
        "license": package.get("license"),
        "integrity": locked["integrity"],
        "copied_by": "proxy/console/frontend/copy_assets.py",
    }
    (TARGET / "VERSION.json").write_text(json.dumps(provenance, indent=2) + "\n")
    print(f"copied govuk-frontend {version} to {TARGET}")


if __name__ == "__main__":
    main()
