#!/usr/bin/env python3
"""Wraps attack payloads in a Markdown code fence inside a JSON comment, one go-ftw test each,
so `rampart replay` can measure what the language_code view (docs/rules.md, "Fenced
programming-language code") gives up: replay the output against the default config with and
without the eight exclusions in rules/exclusions-after-crs.conf and compare.

  python3 scripts/build-fenced-payload-corpus.py ../shared/corpora/payloadsallthethings /tmp/fenced
  rampart replay --config corpus/configs/default-pl1-block.yaml --jobs 8 /tmp/fenced

Every test expects a 403. Payload lists are read line by line (blank lines skipped), from the
classes given with --classes (default: cmdi lfi sqli ssti xss)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("payloads", type=Path, help="directory with one subdirectory per class")
    parser.add_argument("out", type=Path, help="where the ftw YAML files go")
    parser.add_argument("--classes", nargs="+", default=["cmdi", "lfi", "sqli", "ssti", "xss"])
    parser.add_argument("--language", default="python", help="the fence's language name")
    args = parser.parse_args()
    total = 0
    for cls in args.classes:
        tests = []
        for path in sorted((args.payloads / cls).glob("*")):
            if not path.is_file():
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if not line.strip():
                    continue
                comment = f"Here is what I ran:\n\n```{args.language}\n{line}\n```\n\nAny idea?"
                body = json.dumps({"issue": 7, "comment": comment})
                tests.append({
                    "test_title": f"{cls}/{path.name}:{number}",
                    "stages": [{"stage": {
                        "input": {"method": "POST", "uri": "/api/v1/issues/7/comments",
                                  "headers": {"Host": "localhost",
                                              "Content-Type": "application/json"},
                                  "data": body},
                        "output": {"status": [403]}}}],
                })
        directory = args.out / cls
        directory.mkdir(parents=True, exist_ok=True)
        # JSON is YAML: the ftw loader reads it as is.
        (directory / "fenced.yaml").write_text(json.dumps({"meta": {"enabled": True},
                                                           "tests": tests}) + "\n")
        total += len(tests)
    print(f"{total} tests under {args.out}")


if __name__ == "__main__":
    main()
