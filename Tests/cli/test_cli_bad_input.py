"""The CLI's bad-input matrix (issue 8): one row per case — the files it reads, the arguments, and a phrase stderr
must contain. Every row exits with a non-zero status (never a signal), names the problem on stderr in one short
message, and prints no NaN. Scan ROWS to see what the command line refuses."""
import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("SCALINGKIT_CLI", os.path.join(ROOT, "build", "bin", "scalingkit"))
DATA = os.path.join(ROOT, "examples", "data", "chinchilla_epoch.csv")
GROUPS = os.path.join(ROOT, "examples", "data", "transfer_groups.csv")

pytestmark = pytest.mark.skipif(not os.path.exists(CLI), reason=f"CLI not built at {CLI} (run scripts/build.sh)")

GOOD = "N,D,loss\n" + "".join(f"{n},{20 * n},{1.7 + 400 / n ** 0.34 + 410 / (20 * n) ** 0.28}\n"
                              for n in (1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10, 3e10))
SWEEP = "N,D,learning_rate,batch,loss\n" + "".join(f"1e8,2e9,1e-3,256,{3 + i / 10}\n" for i in range(4))
CBS = "batch,steps\n" + "".join(f"{b},{1000 * (1 + 2000 / b)}\n" for b in (64, 256, 1024, 4096))
BIG = object()   # marker: a sparse file just over the 1 GiB limit

# (name, {file: content}, arguments with {file} placeholders, phrase on stderr)
ROWS = [
    # --- files: CSV
    ("missing file", {}, ["fit", "{dir}/nope.csv"], "cannot open"),
    ("empty CSV", {"a.csv": ""}, ["fit", "{a.csv}"], "is empty"),
    ("header only", {"a.csv": "N,D,loss\n"}, ["fit", "{a.csv}"], "no data rows"),
    ("ragged row", {"a.csv": "N,D,loss\n1,2\n"}, ["fit", "{a.csv}"], "expected 3 fields"),
    ("unterminated quote", {"a.csv": 'N,D,loss\n"1,2,3\n'}, ["fit", "{a.csv}"], "unterminated quoted field"),
    ("text in a number column", {"a.csv": GOOD + "1e9,abc,2.5\n"}, ["fit", "{a.csv}"], "'abc' is not a number"),
    ("invalid UTF-8", {"a.csv": b"N,D,loss\n1,2,\xff\xfe\n"}, ["fit", "{a.csv}"], "not valid UTF-8"),
    ("NaN loss", {"a.csv": GOOD + "1e9,2e10,nan\n"}, ["fit", "{a.csv}"], "not finite"),
    ("overflowing number", {"a.csv": GOOD + "1e999,2e10,2.5\n"}, ["fit", "{a.csv}"], "not finite"),
    ("negative N", {"a.csv": GOOD + "-1e9,2e10,2.5\n"}, ["fit", "{a.csv}"], "> 0"),
    ("missing column", {"a.csv": "params,D,loss\n1,2,3\n"}, ["fit", "{a.csv}"], "no column 'N'"),
    ("100,000 columns, none named N", {"a.csv": ",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("1" * 100_000) + "\n"},
     ["fit", "{a.csv}"], "(99980 more)"),
    ("file over 1 GiB", {"a.csv": BIG}, ["fit", "{a.csv}"], "larger than 1 GiB"),
    ("too few runs for the law", {"a.csv": "N,D,loss\n1e9,2e10,2.5\n1e10,2e11,2.2\n"}, ["fit", "{a.csv}"], "runs"),
    # --- files: JSON Lines
    ("JSON: nested object", {"a.jsonl": '{"N": 1, "x": {"y": 2}}\n'}, ["fit", "{a.jsonl}"], "nested"),
    ("JSON: 10,000-deep array", {"a.jsonl": '{"N": ' + "[" * 10_000 + "]" * 10_000 + "}\n"}, ["fit", "{a.jsonl}"], "a.jsonl:1"),
    ("JSON: broken syntax", {"a.jsonl": '{"N": 1,, "D": 2}\n'}, ["fit", "{a.jsonl}"], "a.jsonl:1"),
    ("JSON: not an object", {"a.jsonl": "[1, 2, 3]\n"}, ["fit", "{a.jsonl}"], "a.jsonl:1"),
    ("JSON: objects without keys (fuzz regression)", {"a.jsonl": "{}\n{}\n"}, ["fit", "{a.jsonl}"], "no keys"),
    ("JSON: lone surrogate", {"a.jsonl": '{"N": 1, "s": "\\ud800"}\n'}, ["fit", "{a.jsonl}"], "bad \\u escape"),
    ("JSON: unclosed string", {"a.jsonl": '{"N": "1\n'}, ["fit", "{a.jsonl}"], "not closed"),
    ("JSON: no objects", {"a.jsonl": "\n\n"}, ["fit", "{a.jsonl}"], "no JSON objects"),
    ("JSON: invalid UTF-8", {"a.jsonl": b'{"N": "\xc3\x28"}\n'}, ["fit", "{a.jsonl}"], "not valid UTF-8"),
    # --- fitting options
    ("unknown law", {}, ["fit", DATA, "--law", "chinchila"], "chinchila"),
    ("formula syntax error", {}, ["fit", DATA, "--formula", "E + A*N^", "--observed", "loss"], "position"),
    ("formula 1,000 deep", {}, ["fit", DATA, "--formula", "(" * 1000 + "N", "--observed", "loss"], "nested"),
    ("formula over 4,096 characters", {}, ["fit", DATA, "--formula", "N+" * 3000 + "N", "--observed", "loss"], "4096"),
    ("formula with invalid UTF-8", {}, ["fit", DATA, "--formula", b"E + \xff*N", "--observed", "loss"], "position"),
    ("--fix without a value (Chinchilla)", {}, ["fit", DATA, "--fix", "E"], "NAME=VALUE"),
    ("--fix of an unknown parameter", {}, ["fit", DATA, "--law", "kaplan_nd", "--fix", "Q=1"], "not a parameter"),
    ("--bound low above high", {}, ["fit", DATA, "--law", "chinchilla", "--bound", "E=5:1"], "E"),
    ("unknown --loss", {}, ["fit", DATA, "--law", "chinchilla", "--loss", "l7"], "--loss must be huber or squared"),
    ("unknown --method", {}, ["fit", DATA, "--law", "chinchilla", "--method", "newton"], "--method must be lbfgs or lm"),
    ("negative Huber delta", {}, ["fit", DATA, "--huber-delta", "-1"], "delta"),
    ("budget 0", {}, ["fit", DATA, "--budget", "0"], "budget"),
    ("budget not a number", {}, ["fit", DATA, "--budget", "lots"], "lots"),
    ("unsupported plot format", {}, ["fit", DATA, "--plot", "{dir}/x.pdf"], "*.svg or *.png"),
    # --- planning
    ("target loss below E", {}, ["plan", DATA, "--target-loss", "0.5"], "irreducible"),
    ("negative inference demand", {}, ["plan", DATA, "--target-loss", "2.2", "--inference-tokens", "-1"], "inference"),
    ("critical batch not COEF,EXP", {}, ["plan", DATA, "--target-loss", "2.2", "--critical-batch", "8"], "--critical-batch needs --devices"),
    ("zero devices", {}, ["plan", DATA, "--target-loss", "2.2", "--critical-batch", "8,0.462", "--devices", "0",
                          "--device-flops", "4e14", "--device-tokens", "32768"], "device"),
    ("IsoFLOP with too few runs", {"a.csv": "N,D,loss,budget\n1e8,2e9,3,1e18\n2e8,1e9,2.9,1e18\n"}, ["isoflop", "{a.csv}"], "3"),
    # --- transfer and sweeps
    ("transfer: shrinking shape", {"g.csv": "name,base,target\nw,64x64,32x64\n"}, ["transfer", "{g.csv}"], "shrinks"),
    ("transfer: not a shape", {"g.csv": "name,base,target\nw,64xq,128x128\n"}, ["transfer", "{g.csv}"], "is not a shape"),
    ("transfer: unknown role", {"g.csv": "name,base,target,role\nw,64x64,128x128,attention\n"}, ["transfer", "{g.csv}"], "attention"),
    ("transfer: unknown batch rule", {}, ["transfer", GROUPS, "--batch-rule", "cubic"], "--batch-rule cubic"),
    ("hp-sweep: one learning rate per cell", {"s.csv": SWEEP}, ["hp-sweep", "{s.csv}"], "no optimum can be located"),
    ("cbs fit: two batch sizes", {"c.csv": "batch,steps\n64,1000\n128,600\n"}, ["cbs", "fit", "{c.csv}"], "at least 3 batch sizes"),
    ("cbs fit: confidence 2", {"c.csv": CBS}, ["cbs", "fit", "{c.csv}", "--confidence", "2"], "confidence"),
    ("fit-curves: no lr column", {"r.csv": "step,loss\n1,3\n2,2.9\n"}, ["fit-curves", "{r.csv}"], "no column 'lr'"),
    ("unknown subcommand", {}, ["fly"], "fly"),
]


@pytest.mark.parametrize("name,files,args,phrase", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input(tmp_path, name, files, args, phrase):
    paths = {"dir": str(tmp_path)}
    for fname, content in files.items():
        path = tmp_path / fname
        if content is BIG:
            with open(path, "wb") as f:
                f.truncate((1 << 30) + 1)          # sparse: no disk, and refused before it is read
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        paths[fname] = str(path)
    def expand(a):
        if isinstance(a, bytes):
            return a
        for key, value in paths.items():
            a = a.replace("{" + key + "}", value)
        return a
    argv = [expand(a) for a in args]
    r = subprocess.run([CLI, *argv], capture_output=True, timeout=120)
    stderr, stdout = r.stderr.decode(errors="replace"), r.stdout.decode(errors="replace")
    assert r.returncode > 0, f"{name}: exit {r.returncode} (a signal if negative)\n{stderr}"
    assert phrase in stderr, f"{name}: {phrase!r} not in stderr:\n{stderr[:2000]}"
    assert len(stderr) < 4000, f"{name}: a {len(stderr)}-character error message"
    assert "nan" not in stdout.lower().split()


def test_unidentified_fit_is_reported(tmp_path):
    """Legal but pathological: every run at one N. The fit runs, and the report says it is not identified."""
    path = tmp_path / "one.csv"
    path.write_text("N,D,loss\n" + "".join(f"1e9,{d},{2.0 + 50 / d ** 0.2}\n" for d in (1e9, 2e9, 4e9, 8e9, 1.6e10, 3.2e10)))
    for extra in ([], ["--law", "kaplan_n"]):
        r = subprocess.run([CLI, "fit", str(path), *extra], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "not identified" in r.stdout and "nan" not in r.stdout.lower().split()


def test_matrix_size():
    assert len(ROWS) >= 40
