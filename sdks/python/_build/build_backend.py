"""A PEP 517 build backend in the standard library only, so `pip install` needs no network: setuptools
without `wheel` cannot build a wheel, and an offline machine cannot fetch either. It packs the
`tracking_client` package and the metadata of pyproject.toml into a pure-Python wheel (or an sdist)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "tracking_client"


def _project() -> Dict[str, str]:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as file:
        text = file.read().decode("utf-8")
    try:
        import tomllib  # Python 3.11+

        project = tomllib.loads(text)["project"]
        return {key: project[key] for key in ("name", "version", "description", "requires-python")}
    except ImportError:
        section = text.split("[project]", 1)[1].split("\n[", 1)[0]
        return {key: re.search(rf'^{re.escape(key)}\s*=\s*"([^"]*)"', section, re.M).group(1) for key in ("name", "version", "description", "requires-python")}  # type: ignore[union-attr]


def _metadata(project: Dict[str, str]) -> str:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as file:
        readme = file.read()
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {project['name']}\nVersion: {project['version']}\nSummary: {project['description']}\n"
        f"Requires-Python: {project['requires-python']}\nLicense: MIT\nDescription-Content-Type: text/markdown\n\n{readme}"
    )


def _package_files() -> List[Tuple[str, str]]:
    files = []
    for directory, _, names in os.walk(os.path.join(ROOT, PACKAGE)):
        for name in sorted(names):
            if name.endswith(".py") or name == "py.typed":
                path = os.path.join(directory, name)
                files.append((path, os.path.relpath(path, ROOT).replace(os.sep, "/")))
    return sorted(files, key=lambda entry: entry[1])


def _stem(project: Dict[str, str]) -> str:
    return f"{re.sub(r'[-_.]+', '_', project['name'])}-{project['version']}"


def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict] = None) -> List[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    project = _project()
    stem = _stem(project)
    dist_info = f"{stem}.dist-info"
    name = f"{stem}-py3-none-any.whl"
    entries: List[Tuple[str, bytes]] = []
    for path, archive_name in _package_files():
        with open(path, "rb") as file:
            entries.append((archive_name, file.read()))
    entries.append((f"{dist_info}/METADATA", _metadata(project).encode("utf-8")))
    entries.append((f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: tracking_client build_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    entries.append((f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode()))
    record = io.StringIO()
    for archive_name, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{archive_name},sha256={digest},{len(data)}\n")
    record.write(f"{dist_info}/RECORD,,\n")
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as wheel:
        for archive_name, data in entries:
            wheel.writestr(archive_name, data)
        wheel.writestr(f"{dist_info}/RECORD", record.getvalue())
    return name


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    project = _project()
    stem = _stem(project)
    name = f"{stem}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as sdist:
        for relative in ["pyproject.toml", "README.md", "_build/build_backend.py", *[archive for _, archive in _package_files()]]:
            sdist.add(os.path.join(ROOT, relative), arcname=f"{stem}/{relative}")
        info = _metadata(project).encode("utf-8")
        member = tarfile.TarInfo(f"{stem}/PKG-INFO")
        member.size = len(info)
        sdist.addfile(member, io.BytesIO(info))
    return name
