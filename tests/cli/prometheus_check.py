#!/usr/bin/env python3
"""Checks a Prometheus text exposition (format 0.0.4) and answers questions about it.

  prometheus_check.py check FILE                      validate; print each sample as a JSON line
  prometheus_check.py value FILE NAME [LABEL=VALUE]... validate; print the value of the one
                                                      sample of NAME whose labels include these

Exits 1 naming the first problem. Stricter than the format in one way, which llmgate
promises: every sample belongs to a family with a HELP and a TYPE line before it.
"""
import json
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class FormatError(Exception):
    pass


def parse_labels(line, i, where):
    """line[i] is '{'; returns (labels, index after '}')."""
    labels = {}
    i += 1
    while True:
        if i < len(line) and line[i] == "}":
            return labels, i + 1
        m = LABEL.match(line, i)
        if not m:
            raise FormatError(f"{where}: bad label name at column {i + 1}")
        name, i = m.group(0), m.end()
        if line[i:i + 2] != '="':
            raise FormatError(f"{where}: label {name} needs =\"...\"")
        i += 2
        value = []
        while True:
            if i >= len(line):
                raise FormatError(f"{where}: unterminated value of label {name}")
            c = line[i]
            if c == '"':
                i += 1
                break
            if c == "\\":
                nxt = line[i + 1:i + 2]
                if nxt == "n":
                    value.append("\n")
                elif nxt in ("\\", '"'):
                    value.append(nxt)
                else:
                    raise FormatError(f"{where}: bad escape \\{nxt} in label {name}")
                i += 2
                continue
            value.append(c)
            i += 1
        if name in labels:
            raise FormatError(f"{where}: label {name} twice")
        labels[name] = "".join(value)
        if i < len(line) and line[i] == ",":
            i += 1
            continue
        if i < len(line) and line[i] == "}":
            return labels, i + 1
        raise FormatError(f"{where}: expected , or }} after label {name}")


def parse(text):
    if text and not text.endswith("\n"):
        raise FormatError("the last line does not end with a newline")
    helps, types, samples, seen = {}, {}, [], set()
    done, current = set(), None  # families finished / the one being read

    def enter(family, where):
        nonlocal current
        if family != current:
            if family in done:
                raise FormatError(f"{where}: family {family} is split (its lines must be together)")
            if current is not None:
                done.add(current)
            current = family

    for n, line in enumerate(text.split("\n")[:-1], start=1):
        where = f"line {n}"
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                family = parts[2]
                if not NAME.fullmatch(family):
                    raise FormatError(f"{where}: bad metric name {family!r}")
                enter(family, where)
                if parts[1] == "HELP":
                    if family in helps:
                        raise FormatError(f"{where}: second HELP for {family}")
                    helps[family] = parts[3] if len(parts) > 3 else ""
                else:
                    if family in types:
                        raise FormatError(f"{where}: second TYPE for {family}")
                    if any(s["name"] == family for s in samples):
                        raise FormatError(f"{where}: TYPE of {family} after its samples")
                    kind = parts[3] if len(parts) > 3 else ""
                    if kind not in TYPES:
                        raise FormatError(f"{where}: unknown type {kind!r}")
                    types[family] = kind
            continue  # other comments are allowed
        if not line.strip():
            continue
        m = NAME.match(line)
        if not m:
            raise FormatError(f"{where}: no metric name")
        name, i = m.group(0), m.end()
        labels = {}
        if i < len(line) and line[i] == "{":
            labels, i = parse_labels(line, i, where)
        rest = line[i:]
        if not rest.startswith(" "):
            raise FormatError(f"{where}: expected a space before the value")
        fields = rest.split()
        if len(fields) not in (1, 2):
            raise FormatError(f"{where}: expected a value and an optional timestamp")
        try:
            value = float(fields[0])
        except ValueError:
            raise FormatError(f"{where}: bad value {fields[0]!r}")
        if name not in types or name not in helps:
            raise FormatError(f"{where}: sample of {name} without HELP and TYPE before it")
        enter(name, where)
        if types[name] == "counter" and not (value >= 0 or math.isnan(value)):
            raise FormatError(f"{where}: counter {name} is negative")
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise FormatError(f"{where}: series {name}{labels} twice")
        seen.add(key)
        samples.append({"name": name, "labels": labels, "value": value})
    return samples


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "value"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as f:
        text = f.read()
    try:
        samples = parse(text)
    except FormatError as e:
        print(f"prometheus format: {e}", file=sys.stderr)
        return 1
    if argv[1] == "check":
        for s in samples:
            print(json.dumps(s, sort_keys=True))
        return 0
    name, want = argv[3], dict(a.split("=", 1) for a in argv[4:])
    found = [s for s in samples if s["name"] == name and all(s["labels"].get(k) == v for k, v in want.items())]
    if len(found) != 1:
        print(f"{len(found)} samples of {name} with {want}", file=sys.stderr)
        return 1
    v = found[0]["value"]
    print(int(v) if math.isfinite(v) and v == int(v) else v)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
