"""A local package with a data file of its own (template.txt), found by import analysis."""
from pathlib import Path


def greeting(name: str) -> str:
    return f"Hello, {name}!"


def template() -> str:
    return (Path(__file__).parent / "template.txt").read_text(encoding="utf-8")
