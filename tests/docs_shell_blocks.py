#!/usr/bin/python3
"""Runs every shell block (```sh / ```bash) of README.md and docs/*.md, line by line, and fails on a
non-zero exit: the documented commands must work as written.

Usage: docs_shell_blocks.py REPO BUILD_DIR [--list]

- The blocks run in order (README.md, docs/getting-started.md, then the other docs by name) in one sandbox
  folder: a symlink of every top-level entry of REPO except runs/ and the build folders, with build/
  linked to BUILD_DIR, and HOME inside the sandbox. Later blocks see what earlier ones wrote (runs/t ...).
  The scripts/ commands (setup, run, build) run in REPO itself, as they change to it anyway: CMake must
  never see BUILD_DIR through the sandbox's path, which it would record as the source and build folders.
- Training is shortened by SPIKEWORM_QUICK (every episode count capped; the binary says so on stderr).
- A command continued with a trailing backslash is one command. Synopses (placeholders such as CONFIG or
  [--opt]) belong in ```text blocks, not in shell blocks; this script refuses them.
- A few commands are not run here, each for the reason in SKIPPED; the script prints every skip.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# (regular expression on the command, reason it is not run by this test)
SKIPPED = [
    (r"^scripts/test\b", "this test is part of scripts/test"),
    (r"^scripts/sanitize\b|SPIKEWORM_SANITIZE", "sanitizer builds take tens of minutes (run by hand before a release)"),
    (r"^scripts/package\b", "builds the .deb in build-package/ (minutes); tests/install checks an install"),
    (r"^sudo\b|^apt\b|^apt-get\b|^dpkg\b", "changes the machine's packages"),
    (r"^spikeworm\b", "the installed spikeworm of docs/install.md; tests/install runs the same commands"),
    (r"^mpirun\b.*\sspikeworm\b", "the installed spikeworm under mpirun; tests/test_mpi*.py run these commands"),
    (r"^cmake --install\b|^~/\.local/bin/", "install to a prefix: tests/install/check_install.sh does it"),
    (r"^cp -r /usr/share/spikeworm", "needs the installed package"),
    (r"^bench/|^build/bench/", "benchmarks run for minutes against Brian2 or PyTorch; their figures are in docs/benchmarks.md"),
    (r"^scripts/build build-", "a second build folder (minutes)"),
    (r"^ctest --test-dir build-", "the sanitizer build of the line before"),
    (r"^docs/regenerate\b", "rewrites the docs; ctest docs.quoted_outputs_are_current runs docs/regenerate --check"),
]

PLACEHOLDER = re.compile(r"\[--|\bCONFIG\b|\bRUN\b|\bDIR\b|\bFILE\b|\.\.\.")


def blocks(path):
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"^```(sh|bash)\n(.*?)^```", text, re.S | re.M):
        line_no = text[: m.start()].count("\n") + 2
        yield line_no, m.group(2)


def commands(block):
    """(line offset, command) for every command of a block, joining continued lines, dropping comments."""
    out, pending, start = [], "", 0
    for i, raw in enumerate(block.splitlines()):
        line = raw.rstrip()
        if not pending:
            start = i
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        cmd = (pending + line).strip()
        pending = ""
        if cmd and not cmd.startswith("#"):
            out.append((start, cmd))
    return out


def without_comment(cmd):
    # A '#' that starts a word ends the command (no quotes with '#' inside appear in the docs).
    return re.split(r"\s#", cmd, maxsplit=1)[0].strip()


def make_sandbox(repo, build):
    box = tempfile.mkdtemp(prefix="spikeworm-docs-")
    for name in os.listdir(repo):
        if name in ("runs", ".git") or name.startswith("build"):
            continue
        os.symlink(os.path.join(repo, name), os.path.join(box, name))
    os.symlink(os.path.abspath(build), os.path.join(box, "build"))
    os.makedirs(os.path.join(box, "home"))
    return box


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    repo, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    docs = [os.path.join(repo, "README.md"), os.path.join(repo, "docs", "getting-started.md")]
    docs += sorted(os.path.join(repo, "docs", f) for f in os.listdir(os.path.join(repo, "docs"))
                   if f.endswith(".md") and f != "getting-started.md")
    todo, failures = [], []
    for doc in docs:
        for line_no, block in blocks(doc):
            for offset, cmd in commands(block):
                where = f"{os.path.relpath(doc, repo)}:{line_no + offset}"
                bare = without_comment(cmd)
                reason = next((r for pat, r in SKIPPED if re.search(pat, bare)), None)
                if reason:
                    todo.append((where, bare, reason))
                elif PLACEHOLDER.search(bare):
                    failures.append(f"{where}: a synopsis in a shell block (use ```text): {bare}")
                else:
                    todo.append((where, bare, None))
    if "--list" in sys.argv:
        for where, cmd, reason in todo:
            print(f"{where}: {'SKIP (' + reason + ') ' if reason else ''}{cmd}")
        for f in failures:
            print(f)
        return 1 if failures else 0
    box = make_sandbox(repo, build)
    env = dict(os.environ, HOME=os.path.join(box, "home"), SPIKEWORM_QUICK=os.environ.get("SPIKEWORM_QUICK", "3"),
               MPLBACKEND="Agg",
               # CI runs as root, which Open MPI's mpirun refuses without these (its documented override)
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    ran = 0
    try:
        for where, cmd, reason in todo:
            if reason:
                print(f"skip {where}: {cmd}\n     ({reason})", flush=True)
                continue
            t0 = time.time()
            cwd = repo if cmd.startswith("scripts/") else box
            p = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd, env=env, capture_output=True,
                               text=True, errors="replace", timeout=900)
            ran += 1
            print(f"{'ok  ' if p.returncode == 0 else 'FAIL'} {where} ({time.time() - t0:.1f} s): {cmd}", flush=True)
            if p.returncode != 0:
                failures.append(f"{where}: exit {p.returncode}: {cmd}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    finally:
        shutil.rmtree(box, ignore_errors=True)
    print(f"{ran} commands run, {sum(1 for t in todo if t[2])} skipped, {len(failures)} failed")
    for f in failures:
        print("\n" + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
