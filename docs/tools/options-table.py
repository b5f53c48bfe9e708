#!/usr/bin/env python3
"""Prints the markdown table of server options from `java -jar streamkit-server.jar --help`.

Usage: python3 docs/tools/options-table.py server-app/target/streamkit-server.jar
The table in docs/OPERATIONS.md is this script's output, so it cannot drift from the CLI.
"""
import re
import subprocess
import sys

help_text = subprocess.run(["java", "-jar", sys.argv[1], "--help"], capture_output=True, text=True).stdout
options = []
current = None
for line in help_text.splitlines():
    m = re.match(r"^\s{2,8}(?:-\w, )?(--[a-z0-9-]+)(?:=\S+)?\s*(.*)$", line)
    if m and not line.startswith("Usage"):
        current = [m.group(1), m.group(2).strip()]
        options.append(current)
    elif current and line.startswith(" " * 20):
        current[1] = (current[1] + " " + line.strip()).strip()
    elif not line.strip():
        current = None
print("| option | environment variable | config key | default | meaning |")
print("|---|---|---|---|---|")
for name, desc in options:
    if name in ("--help", "--version"):
        continue
    d = re.search(r"\(default: ([^)]*(?:\([^)]*\)[^)]*)*)\)\.?$", desc)
    default = d.group(1) if d else ""
    meaning = desc[: d.start()].strip() if d else desc
    env = "STREAMKIT_" + name[2:].upper().replace("-", "_")
    key = "(not in the file)" if name == "--config" else f"`{name[2:]}`"
    print(f"| `{name}` | `{env}` | {key} | {default} | {meaning} |")
