#!/usr/bin/env python3
"""pybundle's benchmark: builds the examples with pybundle and with PyInstaller (installed from
PyPI into a throwaway venv) and prints one table of size, build time and start time.

    python3 bench/bench.py            # needs hyperfine (Debian: apt-get install hyperfine)
    python3 bench/bench.py numpy      # only the rows named
    python3 bench/bench.py windows    # Windows bundles against Linux ones: sizes and file counts
    python3 bench/bench.py versions   # hello, onefile, on every supported CPython (root: 3.14
                                      # and 3.15 run in a Debian unstable chroot, tools/sid-root)

Everything it makes goes under bench/out/ (ignored by git). Start times are hyperfine medians;
"onefile" is a fresh unpack on every launch, as both tools do by default; "cached" is
pybundle's --runtime-cache after its first launch (checked file by file, then reused).
Sizes of onedir folders are what they take on disk (blocks, each file once, links not
followed: PyInstaller links some libraries into place). "launcher RSS" is the peak resident memory (VmHWM) of the onefile launcher process itself,
which unpacks and then waits for the app (median of 5 launches; the app's own memory is not
counted). "bundler RSS" is the peak resident memory of pybundle's clean onefile build (its
helper processes not counted).
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYINSTALLER = "pyinstaller==6.22.3"
APPS = {
    # name: (script, extra packages for its venv)
    "hello": (ROOT / "examples/hello/hello.py", []),
    "numpy": (ROOT / "examples/numpy-app/matmul.py", ["numpy==2.4.6"]),
    # Pool(4), spawn: every worker runs the bundle again (PyInstaller unpacks per worker).
    "Pool(4)": (ROOT / "examples/process-pool/squares.py", []),
    # A QtWidgets window on Qt's offscreen platform: what a binding's wheel carries beyond
    # what the app reaches (QML, Quick, Designer, tools) is where the size goes.
    "Qt widgets": (ROOT / "examples/qt-widgets/widgets.py", ["PySide6-Essentials==6.12.0"]),
    # A data app: pandas and matplotlib (Agg) writing a PNG; hundreds of files beside its
    # thousand modules, which is what a onefile launch has to create.
    "pandas+mpl": (ROOT / "examples/data-app/plot.py", ["pandas==3.1.1", "matplotlib==3.11.2"]),
}


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def venv(name, packages):
    path = OUT / "venvs" / name
    if not (path / "bin/python").exists():
        run([sys.executable, "-m", "venv", path])
        run([path / "bin/pip", "install", "-q", "--disable-pip-version-check", PYINSTALLER, *packages])
    return path / "bin/python"


def timed(cmd, cwd, peak=None):
    """Seconds `cmd` takes; with `peak` (a list), its peak RSS in bytes is appended to it."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    if peak is not None:
        peak.append(usage.ru_maxrss * 1024)
    return time.perf_counter() - start


def size(path):
    """A file's size, or what a folder takes on disk (each file once, links not followed)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    seen = set()
    total = 0
    for f in [path, *path.rglob("*")]:
        st = f.lstat()
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
    return total


def launcher_peak_rss(exe, runs=5):
    """Median over `runs` launches of the launcher's VmHWM in bytes, polled until it exits."""
    peaks = []
    for _ in range(runs):
        proc = subprocess.Popen([str(exe)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        while proc.poll() is None:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except OSError:
                break
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
            time.sleep(0.0002)
        proc.wait()
        peaks.append(peak)
    return sorted(peaks)[len(peaks) // 2]


def medians(commands):
    report = OUT / "hyperfine.json"
    # At least 10 runs and 3 s per command, at most 40 runs.
    run(["hyperfine", "-N", "-w", "3", "-m", "10", "-M", "40", "--export-json", report, *commands],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return [r["median"] for r in json.loads(report.read_text())["results"]]


# Apps built for windows-x64 (tools/add-target windows-x64) and for Linux, side by side.
WINDOWS_APPS = {
    # name: (script, packages, runtime made with tools/windows-runtime --tk)
    "tkinter": (ROOT / "examples/tk-gui/app.py", []),
    "PySide6 widgets": (ROOT / "examples/qt-widgets/widgets.py", ["PySide6-Essentials==6.12.0"]),
}


def built(cmd):
    """Run a `pybundle ... --json` build; (bytes, files) from its summary."""
    out = subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True).stdout
    summary = json.loads(out)
    return summary["bytes"], summary["files"]


def windows():
    """One row per app and mode: the windows-x64 bundle's size and files against linux-x86_64's."""
    run(["cargo", "build", "--release", "-q"], cwd=ROOT)
    OUT.mkdir(parents=True, exist_ok=True)
    pybundle = ROOT / "target/release/pybundle"
    version = subprocess.run([sys.executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    runtime = OUT / "runtimes" / f"python-{version}-tk-win.zip"
    run([ROOT / "tools/windows-runtime", "--python", version, "--tk", runtime])
    print("| app | mode | windows-x64 | linux-x86_64 | windows / linux |")
    print("|---|---|---|---|---|")
    for name, (script, packages) in WINDOWS_APPS.items():
        slug = name.replace(" ", "-")
        python = venv(slug, packages)
        for mode in ("-F", "-D"):
            common = [pybundle, script, mode, "--python", python, "-y", "--json",
                      "--workpath", OUT / "windows" / slug / "build"]
            win = built(common + ["--distpath", OUT / "windows" / slug / "win", "--target", "windows-x64",
                                  "--runtime", runtime])
            lin = built(common + ["--distpath", OUT / "windows" / slug / "linux"])
            label = "onefile" if mode == "-F" else "onedir"
            print(f"| {name} | {label} | {win[0] / 1e6:.1f} MB, {win[1]} files "
                  f"| {lin[0] / 1e6:.1f} MB, {lin[1]} files | {win[0] / lin[0]:.2f}x |")


def pyenv_python(minor):
    root = subprocess.run(["pyenv", "root"], check=True, capture_output=True, text=True).stdout.strip()
    found = sorted(Path(root, "versions").glob(f"{minor}.*/bin/python{minor}"))
    if not found:
        sys.exit(f"bench: no CPython {minor} (pyenv install {minor})")
    return found[-1]


def in_root(root, cmd):
    """`cmd` run inside the chroot `root`, with /proc, /dev, /tmp and this work tree shown."""
    script = (
        'set -e; R="$1"; shift; mount -t proc proc "$R/proc"; mount --rbind /dev "$R/dev"; '
        'for d in /tmp "$PB_TREE"; do mkdir -p "$R$d"; mount --bind "$d" "$R$d"; done; '
        'exec chroot "$R" "$@"'
    )
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", root, *cmd]


def versions():
    """Hello, onefile, per CPython: size, and start time against the interpreter's own."""
    run(["cargo", "build", "--release", "-q"], cwd=ROOT)
    pybundle = ROOT / "target/release/pybundle"
    script = APPS["hello"][0]
    sid = OUT / "sid-root"
    run([ROOT / "tools/sid-root", sid])
    # hyperfine (a Rust binary needing only the C library) timed inside the root too.
    shutil.copy(shutil.which("hyperfine"), sid / "usr/local/bin/hyperfine")
    os.environ["PB_TREE"] = str(ROOT)
    print("| CPython | hello onefile | start: python | start: onefile | onedir |")
    print("|---|---|---|---|---|")
    for minor in ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]:
        work = OUT / "versions" / minor
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        current = minor in ("3.14", "3.15")
        python = f"/usr/bin/python{minor}" if current else pyenv_python(minor)
        wrap = (lambda cmd: in_root(sid, cmd)) if current else (lambda cmd: cmd)
        for mode in ("-F", "-D"):
            run(wrap([pybundle, script, mode, "-n", f"hello{mode}", "--python", python, "--distpath",
                      work, "--workpath", work / "build", "-y", "-q"]))
        onefile, onedir = work / "hello-F", work / "hello-D/hello-D"
        commands = [f"{python} {script}", str(onefile), str(onedir)]
        report = work / "hyperfine.json"
        run(wrap(["hyperfine", "-N", "-w", "3", "-m", "20", "-M", "40", "--export-json", report,
                  *commands]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t = [r["median"] for r in json.loads(report.read_text())["results"]]
        print(f"| {minor} | {size(onefile) / 1e6:.1f} MB | {t[0] * 1e3:.0f} ms | {t[1] * 1e3:.0f} ms "
              f"| {t[2] * 1e3:.0f} ms |")


def main():
    if sys.argv[1:] == ["windows"]:
        return windows()
    if sys.argv[1:] == ["versions"]:
        return versions()
    if shutil.which("hyperfine") is None:
        sys.exit("bench: hyperfine is missing (apt-get install hyperfine)")
    run(["cargo", "build", "--release", "-q"], cwd=ROOT)
    # What the apps write (the data app's plot.png) goes under bench/out too.
    OUT.mkdir(parents=True, exist_ok=True)
    os.chdir(OUT)
    pybundle = ROOT / "target/release/pybundle"
    rows = []
    wanted = sys.argv[1:] or list(APPS)
    for name in wanted:
        if name not in APPS:
            sys.exit(f"bench: no app {name!r}; the apps are: {', '.join(APPS)}")
        script, packages = APPS[name]
        # Names as folders: hyperfine splits its commands at spaces.
        slug = name.replace("(", "").replace(")", "").replace(" ", "-")
        python = venv(slug, packages)
        work = OUT / slug
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        pb = lambda mode, *extra, name=None: [pybundle, script, mode, "-n", name or f"pb{mode}", "--python", python,
                                   "--distpath", work / "dist", "--workpath", work / "pb-build", "-y", "-q", *extra]
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")
        pi = lambda mode: [python.parent / "pyinstaller", script, mode, "-n", f"pi{mode}",
                           "--distpath", work / "dist", "--workpath", work / "pi-build",
                           "--specpath", work, "-y", "--log-level", "ERROR"]
        bundler_rss = []
        b_pb = timed(pb("-F", "--clean"), work, bundler_rss)
        b_pb_again = timed(pb("-F"), work)
        timed(pb("-D"), work)
        timed(pb("-F", "--runtime-cache", name="pb-C"), work)
        b_pi = timed(pi("-F"), work)
        timed(pi("-D"), work)
        d = work / "dist"
        starts = medians([f"{python} {script}", d / "pb-D/pb-D", d / "pb-F", d / "pi-D/pi-D", d / "pi-F",
                          d / "pb-C"])
        rss = (launcher_peak_rss(d / "pb-F"), launcher_peak_rss(d / "pi-F"))
        rows.append((name, size(d / "pb-F"), size(d / "pi-F"), b_pb, b_pb_again, b_pi, *starts, *rss,
                     bundler_rss[0], size(d / "pb-D"), size(d / "pi-D")))

    print("| app | onefile size pybundle / PyInstaller | onedir size pybundle / PyInstaller "
          "| clean build pybundle / PyInstaller | rebuild pybundle "
          "| start: python | onedir pybundle / PyInstaller | onefile pybundle / PyInstaller | onefile cached "
          "| launcher RSS pybundle / PyInstaller | bundler RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (name, s_pb, s_pi, b_pb, b_again, b_pi, t_py, t_pbd, t_pbf, t_pid, t_pif, t_pbc, r_pb, r_pi,
         r_build, d_pb, d_pi) in rows:
        print(f"| {name} | {s_pb / 1e6:.1f} MB / {s_pi / 1e6:.1f} MB ({s_pb / s_pi:.2f}x) "
              f"| {d_pb / 1e6:.1f} MB / {d_pi / 1e6:.1f} MB ({d_pb / d_pi:.2f}x) "
              f"| {b_pb:.1f} s / {b_pi:.1f} s ({b_pb / b_pi:.2f}x) | {b_again:.2f} s "
              f"| {t_py * 1000:.0f} ms | {t_pbd * 1000:.0f} ms / {t_pid * 1000:.0f} ms ({t_pbd / t_py:.2f}x python) "
              f"| {t_pbf * 1000:.0f} ms / {t_pif * 1000:.0f} ms ({t_pbf / t_pif:.2f}x) "
              f"| {t_pbc * 1000:.0f} ms ({t_pbc / t_py:.2f}x python) "
              f"| {r_pb / 2**20:.1f} MiB / {r_pi / 2**20:.1f} MiB | {r_build / 2**20:.0f} MiB |")


if __name__ == "__main__":
    os.environ.pop("NO_COLOR", None)
    # Qt draws offscreen: no display needed, and the same on every machine.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    main()
