"""Lists public symbols of a Swift symbol graph without a DocC abstract; exits 1 if there is any."""
import json
import os
import sys

graph = json.load(open(sys.argv[1]))
source_lines = {}


def declared_here(symbol):
    """True when the symbol's name appears on its source line (so it is written, not compiler-derived)."""
    loc = symbol["location"]
    path = loc["uri"].removeprefix("file://")
    if path not in source_lines:
        source_lines[path] = open(path, encoding="utf-8").read().split("\n")
    line = source_lines[path][loc["position"]["line"]]
    name = symbol["names"]["title"].split("(")[0]
    return name in line or (name == "init" and "init" in line)


public = [s for s in graph["symbols"] if s.get("accessLevel") == "public" and s.get("location")
          and s["kind"]["identifier"] != "swift.func.op" and declared_here(s)]
missing = []
for s in public:
    lines = [l["text"].strip() for l in (s.get("docComment") or {}).get("lines", [])]
    if not lines or not lines[0] or lines[0].startswith("- "):
        loc = s["location"]
        rel = os.path.relpath(loc["uri"].removeprefix("file://"))
        missing.append(f"{rel}:{loc['position']['line'] + 1}  {'.'.join(s['pathComponents'])}")
print(f"docs: {len(public) - len(missing)}/{len(public)} public declarations of ScalingKit have a DocC abstract")
if missing:
    print("without one:\n  " + "\n  ".join(sorted(missing)))
    sys.exit(1)
