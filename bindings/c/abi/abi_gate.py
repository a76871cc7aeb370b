#!/usr/bin/env python3
"""The ABI gate: the exported symbols and the layout of every public struct, against the committed record.

Within one ABI line (SK_ABI_LINE in the header: "0.MINOR" before 1.0, then the major version; the SONAME's suffix)
the record may only grow: a symbol may not disappear; a struct's existing fields keep their offsets; a struct's size
may grow only if it starts with `struct_size` (the versioned ones), and only by appending. Anything else needs a new
line (then the record starts afresh).

    abi_gate.py check  PREFIX   compare the installed library and header with bindings/c/abi/abi.txt
    abi_gate.py update PREFIX   rewrite the record after a deliberate, compatible addition
    abi_gate.py selftest PREFIX show that the check fails on a header whose struct fields were swapped
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RECORD = os.path.join(HERE, "abi.txt")


def structs(header_text):
    """[(name, [field, ...])] of every `typedef struct NAME { ... } NAME;` in the header."""
    text = re.sub(r"/\*.*?\*/", " ", header_text, flags=re.S)
    out = []
    for m in re.finditer(r"typedef struct (\w+) \{(.*?)\} \1;", text, flags=re.S):
        fields = []
        for decl in m.group(2).split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            pieces = decl.split(",")
            # "double a, b, c" or "const int64_t *p" or "double x[4]": the first piece ends in the first name.
            names = [re.findall(r"(\w+)\s*(?:\[[^\]]*\])?$", pieces[0])[0]]
            names += [re.sub(r"[\s*]|\[.*?\]", "", p) for p in pieces[1:]]
            fields += [n for n in names if n]
        out.append((m.group(1), fields))
    return out


def measure(prefix, header_path=None):
    """{'sym NAME': '', 'size NAME': n, 'offset NAME.FIELD': n, 'line': l} for the installed library."""
    header = os.path.abspath(header_path or os.path.join(prefix, "include", "scalingkit.h"))
    text = open(header, encoding="utf-8").read()
    line = re.search(r'#define SK_ABI_LINE "([0-9.]+)"', text).group(1)
    lines = ['#include <stddef.h>', '#include <stdio.h>', f'#include "{header}"', "int main(void) {"]
    for name, fields in structs(text):
        lines.append(f'    printf("size {name} %zu\\n", sizeof({name}));')
        for f in fields:
            lines.append(f'    printf("offset {name}.{f} %zu\\n", offsetof({name}, {f}));')
    lines += ["    return 0;", "}"]
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "layout.c"), os.path.join(tmp, "layout")
        open(src, "w").write("\n".join(lines) + "\n")
        subprocess.run(["cc", "-std=c11", src, "-o", exe], check=True)
        layout = subprocess.run([exe], check=True, capture_output=True, text=True).stdout.split("\n")
    record = {"line": line}
    for line in filter(None, layout):
        kind, key, value = line.split()
        record[f"{kind} {key}"] = value
    nm = subprocess.run(["nm", "-D", "--defined-only", "--extern-only", os.path.join(prefix, "lib", "libscalingkit.so")],
                        check=True, capture_output=True, text=True).stdout
    for line in nm.split("\n"):
        parts = line.split()
        if len(parts) == 3 and parts[2].startswith("sk_"):
            record[f"sym {parts[2].split('@')[0]}"] = "-"
    return record


def load():
    out = {}
    for line in open(RECORD, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            parts = line.split()
            out[" ".join(parts[:2]) if parts[0] != "line" else "line"] = parts[-1]
    return out


def compare(old, new):
    """Problems making `new` incompatible with `old` within one ABI line."""
    if old.get("line") != new.get("line"):
        return []                                   # a new ABI line: anything goes, then `update`
    problems = []
    for key, value in old.items():
        kind = key.split(" ")[0]
        if kind == "sym" and key not in new:
            problems.append(f"symbol {key[4:]} disappeared")
        if kind == "offset" and new.get(key) != value:
            problems.append(f"{key[7:]} moved from offset {value} to {new.get(key, 'nowhere')}")
        if kind == "size":
            name = key[5:]
            versioned = old.get(f"offset {name}.struct_size") == "0"
            grown = new.get(key) is not None and int(new[key]) > int(value)
            if new.get(key) != value and not (versioned and grown):
                problems.append(f"sizeof({name}) changed from {value} to {new.get(key, 'gone')}"
                                + ("" if versioned else " (not a versioned struct)"))
    return problems


def write(record):
    with open(RECORD, "w", encoding="utf-8") as f:
        f.write("# The ABI record of scalingkit.h (bindings/c/abi/abi_gate.py update PREFIX). Within an ABI line\n")
        f.write("# it may only grow: symbols stay, offsets stay, versioned structs may grow by appending.\n")
        f.write(f"line {record['line']}\n")
        for key in sorted(k for k in record if k != "line"):
            f.write(f"{key} {record[key]}\n")


def main():
    mode, prefix = sys.argv[1], sys.argv[2]
    if mode == "update":
        write(measure(prefix))
        print(f"abi gate: wrote {RECORD}")
        return 0
    if mode == "selftest":
        header = os.path.join(prefix, "include", "scalingkit.h")
        with tempfile.TemporaryDirectory() as tmp:
            broken = os.path.join(tmp, "scalingkit.h")
            text = open(header, encoding="utf-8").read()
            text = text.replace("    double gradient_squared;", "    double gradient_squared_moved;\n    double gradient_squared;", 1)
            open(broken, "w").write(text)
            problems = compare(load(), measure(prefix, broken))
        if not problems:
            print("abi gate selftest: FAIL (a field inserted into sk_gns_reading went unnoticed)")
            return 1
        print(f"abi gate selftest: ok (an inserted field is caught: {problems[0]})")
        return 0
    problems = compare(load(), measure(prefix))
    for p in problems:
        print(f"  FAIL  {p}")
    print(f"abi gate: {'ok' if not problems else 'incompatible change within ABI line ' + load().get('line', '?')}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
