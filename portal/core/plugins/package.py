"""Conventions shared by plugin packages: where their templates and catalogs live."""

from __future__ import annotations

from pathlib import Path


def package_dir(module_file: str) -> Path:
    return Path(module_file).resolve().parent


def templates_of(module_file: str) -> list[Path]:
    """``<package>/templates`` (holding ``templates/<plugin>/...``), if the package has one."""
    folder = package_dir(module_file) / "templates"
    return [folder] if folder.is_dir() else []


def translations_of(module_file: str) -> list[Path]:
    folder = package_dir(module_file) / "translations"
    return [folder] if folder.is_dir() else []
