#!/usr/bin/env python3
"""The libraries corpus: pybundle against PyInstaller on libraries that find parts of
themselves at run time (tests/fixtures/corpus/, one small app per library, listed in
cases.txt). Each app is built in one folder (-D) by pybundle and by PyInstaller 6.22 with
pyinstaller-hooks-contrib, from the same virtualenv (tests/fixtures/corpus/requirements.txt),
and run with every Python installation and that virtualenv hidden (a private mount
namespace: run as root). A case passes when the bundle prints what `python app.py` prints.

    sudo python3 bench/corpus.py              # every case; prints the table for docs/rules.md
    sudo python3 bench/corpus.py faker_locales pint_units

Builds go under bench/out/corpus/ (ignored by git); pybundle is target/release/pybundle
(cargo build --release first). The same apps, pybundle alone, are tests/e2e/corpus.rs.
"""
import glob
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
OUT = ROOT / "bench" / "out" / "corpus"
PYBUNDLE = ROOT / "target" / "release" / "pybundle"
PYINSTALLER = ["pyinstaller==6.22.3", "pyinstaller-hooks-contrib==2026.10"]


def cases():
    for line in (CORPUS / "cases.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            app, dist = line.split()
            yield app, dist


def venv():
    path = OUT / "venv"
    done = path / ".complete"
    if not done.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        pip = [str(path / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
        subprocess.run(pip + ["-r", str(CORPUS / "requirements.txt")] + PYINSTALLER, check=True)
        done.touch()
    return path


def versions(venv_path):
    out = subprocess.run([str(venv_path / "bin" / "pip"), "freeze"], capture_output=True,
                         text=True, check=True).stdout
    pins = {}
    for line in out.splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.lower().replace("_", "-")] = version
    return pins


def hidden_dirs(venv_path):
    """What a run must not see: the interpreter's installation (pyenv's whole root), the
    virtualenv, the system's Pythons."""
    prefix = subprocess.run([sys.executable, "-c", "import sys; print(sys.base_prefix)"],
                            capture_output=True, text=True, check=True).stdout.strip()
    prefix = Path(prefix)
    dirs = [prefix.parent.parent if prefix.parent.name == "versions" else prefix, venv_path]
    files = []
    for pattern in ("/usr/lib/python3*", "/usr/local/lib/python3*", "/usr/lib/x86_64-linux-gnu/libpython*",
                    "/usr/local/lib/libpython*", "/usr/bin/python*", "/usr/local/bin/python*"):
        for entry in glob.glob(pattern):
            real = Path(os.path.realpath(entry))
            if any(str(real).startswith(str(d)) for d in dirs):
                continue
            (dirs if real.is_dir() else files).append(real)
    return dirs, files


def run_hidden(exe, hidden):
    dirs, files = hidden
    script = "set -e\n"
    script += "".join(f"mount -t tmpfs -o size=64k pybundle-hidden {shlex.quote(str(d))}\n" for d in dirs)
    script += "".join(f"mount --bind /dev/null {shlex.quote(str(f))}\n" for f in files)
    script += 'exec "$@"\n'
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script,
                           "sh", str(exe)], capture_output=True, text=True, cwd="/", env=env, timeout=300)


def build_pybundle(app, python):
    dist = OUT / "pybundle"
    subprocess.run([str(PYBUNDLE), "build", str(CORPUS / app), "-D", "-y", "--python", str(python),
                    "--distpath", str(dist), "--workpath", str(OUT / "pybundle-work"),
                    "--compression-level", "1"], check=True, capture_output=True, text=True)
    name = app[:-3]
    return dist / name / name


def build_pyinstaller(app, venv_path):
    dist = OUT / "pyinstaller"
    subprocess.run([str(venv_path / "bin" / "pyinstaller"), str(CORPUS / app), "--onedir", "--noconfirm",
                    "--distpath", str(dist), "--workpath", str(OUT / "pyinstaller-work"),
                    "--specpath", str(OUT / "pyinstaller-spec"), "--log-level", "ERROR"],
                   check=True, capture_output=True, text=True)
    name = app[:-3]
    return dist / name / name


def verdict(expected, exe, hidden):
    if isinstance(exe, Exception):
        return False, f"build failed: {str(exe).splitlines()[-1][:100]}"
    got = run_hidden(exe, hidden)
    if got.returncode == 0 and got.stdout == expected:
        return True, ""
    lines = [l.strip() for l in got.stderr.splitlines() if l.strip() and "[PYI-" not in l]
    errors = [l for l in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*", l)]
    if got.returncode == 0:
        return False, "ran, but printed something else"
    return False, (errors or lines or [f"exit {got.returncode}"])[-1][:140]


def main():
    wanted = set(sys.argv[1:])
    venv_path = venv()
    python = venv_path / "bin" / "python"
    pins = versions(venv_path)
    hidden = hidden_dirs(venv_path)
    rows = []
    totals = [0, 0]
    for app, dist in cases():
        if wanted and app[:-3] not in wanted:
            continue
        expected = subprocess.run([str(python), str(CORPUS / app)], capture_output=True, text=True,
                                  cwd="/", check=True).stdout
        results = []
        for build in (lambda: build_pybundle(app, python), lambda: build_pyinstaller(app, venv_path)):
            try:
                exe = build()
            except subprocess.CalledProcessError as error:
                exe = Exception(error.stderr or error.stdout or str(error))
            results.append(verdict(expected, exe, hidden))
        for i, (ok, _) in enumerate(results):
            totals[i] += ok
        why = "; ".join(f"{tool}: {reason}" for tool, (ok, reason) in zip(("pybundle", "PyInstaller"), results) if not ok)
        version = pins.get(dist.lower().replace("_", "-"), "?")
        mark = lambda ok: "pass" if ok else "FAIL"
        rows.append(f"| {dist} | {version} | `{app[:-3]}` | {mark(results[0][0])} | {mark(results[1][0])} | {why} |")
        print(rows[-1], flush=True)
    print()
    print("| library | version | app | pybundle | PyInstaller | why |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\npybundle {totals[0]} of {len(rows)}, PyInstaller {totals[1]} of {len(rows)}")


if __name__ == "__main__":
    main()
