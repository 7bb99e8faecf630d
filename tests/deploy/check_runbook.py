#!/usr/bin/env python3
"""Keeps the runbook (the "## Runbook" section of docs/operations.md) and the Prometheus
alerting rules (deploy/prometheus/parley-alerts.yaml) true to the sources.

Checks:
  1. Every spdlog::warn/error/critical call in app/, actors/, net/, protocol/ (*.cpp) has its
     message in the Runbook section: the format string's fixed leading text (up to its first
     placeholder) or, when that is shorter than 8 characters, its longest fixed fragment; and
     the whole message written out in one `code span` of the section, each placeholder as
     some text (<call id>, <reason>, ...).
  2. Every parley_... metric named in the Runbook section or in the alerts file is exported by
     protocol/metrics.cpp (histograms also as _bucket, _sum, _count).
  3. The alerts file parses and is a Prometheus rule file: groups with a name and rules, each
     rule with alert, expr, for, labels.severity, annotations.summary and annotations.runbook
     (pointing at docs/operations.md#runbook); alert names unique; a group named "parley"; and
     every alert is listed in the Runbook section.

Usage: check_runbook.py [SOURCE_DIR]   (default: the repository holding this script)
Prints each problem on its own line; exits 1 if there is any, 0 otherwise.
"""

import pathlib
import re
import sys

try:
    import yaml
except ImportError:  # Debian: python3-yaml
    print("check_runbook: PyYAML is missing (apt-get install python3-yaml)")
    sys.exit(1)

SOURCE_DIRS = ("app", "actors", "net", "protocol")
MIN_LEADING = 8
SEVERITIES = {"critical", "warning", "info"}
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
CALL = re.compile(r"\bspdlog::(warn|error|critical)\s*\(")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
METRIC = re.compile(r"\bparley_[a-z0-9_]+\b")

problems = []


def problem(text):
    problems.append(text)


def squash(text):
    return " ".join(text.split())


# --- C++ string literals -------------------------------------------------------------------------

def skip_space_and_comments(src, i):
    while i < len(src):
        if src[i].isspace():
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = len(src) if j < 0 else j + 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = len(src) if j < 0 else j + 2
        else:
            break
    return i


ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


def read_literal(src, i):
    """The string literal starting at src[i] (plain or raw, optional u8 prefix): (text, end)."""
    m = re.match(r'(u8|u|U|L)?R"([^()\\\s]{0,16})\(', src[i:])
    if m:
        close = ")" + m.group(2) + '"'
        start = i + m.end()
        end = src.find(close, start)
        if end < 0:
            return None, i
        return src[start:end], end + len(close)
    m = re.match(r'(u8|u|U|L)?"', src[i:])
    if not m:
        return None, i
    j = i + m.end()
    out = []
    while j < len(src) and src[j] != '"':
        if src[j] == "\\" and j + 1 < len(src):
            out.append(ESCAPES.get(src[j + 1], src[j + 1]))
            j += 2
        else:
            out.append(src[j])
            j += 1
    return "".join(out), j + 1


def format_string(src, i):
    """The first argument of the call whose '(' ends at i, if it is string literals (adjacent
    literals joined); None otherwise."""
    parts = []
    while True:
        i = skip_space_and_comments(src, i)
        text, end = read_literal(src, i)
        if text is None:
            break
        parts.append(text)
        i = end
    return "".join(parts) if parts else None


def log_calls(root):
    calls = []
    for d in SOURCE_DIRS:
        for path in sorted((root / d).rglob("*.cpp")):
            src = path.read_text(encoding="utf-8", errors="replace")
            for m in CALL.finditer(src):
                line = src.count("\n", 0, m.start()) + 1
                where = f"{path.relative_to(root)}:{line}"
                fmt = format_string(src, m.end())
                if fmt is None:
                    problem(f"{where}: spdlog::{m.group(1)} without a string literal format: cannot check it")
                    continue
                calls.append((where, m.group(1), fmt))
    return calls


def fragments(fmt):
    """The fixed text between placeholders ('{{' and '}}' are literal braces)."""
    text = fmt.replace("{{", "\x01").replace("}}", "\x02")
    return [f.replace("\x01", "{").replace("\x02", "}") for f in PLACEHOLDER.split(text)]


def key_text(fmt):
    frags = fragments(fmt)
    leading = frags[0].strip()
    if len(leading) >= MIN_LEADING:
        return leading
    return max((f.strip() for f in frags), key=len)


# --- the Runbook section -------------------------------------------------------------------------

def runbook_section(doc):
    lines = doc.splitlines()
    start = None
    for n, line in enumerate(lines):
        if line.strip() == "## Runbook":
            start = n
            break
    if start is None:
        return None
    end = len(lines)
    for n in range(start + 1, len(lines)):
        if lines[n].startswith("## "):
            end = n
            break
    return "\n".join(lines[start:end])


def check_messages(calls, section):
    flat = squash(section)
    spans = [squash(m) for m in re.findall(r"`([^`\n]+)`", section)]
    for where, level, fmt in calls:
        key = squash(key_text(fmt))
        shown = squash(PLACEHOLDER.sub("<...>", fmt))
        if key and key not in flat:
            problem(f'{where}: spdlog::{level} "{shown}": "{key}" is not in the Runbook section')
            continue
        # The whole message in one `code span`, each placeholder written as some text
        # (<call id>, <reason>, ...).
        pattern = "^" + ".+?".join(re.escape(squash(f)) if f.strip() else "" for f in fragments(fmt)) + "$"
        if not any(re.search(pattern, sp) for sp in spans):
            problem(f'{where}: spdlog::{level} "{shown}": not written out as one `message` in the Runbook section')


# --- metrics -------------------------------------------------------------------------------------

def exported_metrics(root):
    cpp = (root / "protocol" / "metrics.cpp").read_text(encoding="utf-8")
    hpp_path = root / "protocol" / "metrics.hpp"
    hpp = hpp_path.read_text(encoding="utf-8") if hpp_path.exists() else ""
    names = set(re.findall(r'"(parley_[a-z0-9_]+)"', cpp))
    histogram_members = set(re.findall(r"\bhistogram\s+(\w+)\s*;", hpp))
    for member, name in re.findall(r'(\w+)\s*\.\s*render\s*\(\s*\w+\s*,\s*"(parley_[a-z0-9_]+)"', cpp):
        if member in histogram_members:
            names |= {name + "_bucket", name + "_sum", name + "_count"}
    return names


def check_metric_names(text, where, exported):
    for name in sorted(set(METRIC.findall(text))):
        if name not in exported:
            problem(f"{where}: metric {name} is not exported by protocol/metrics.cpp")


# --- the alerting rules --------------------------------------------------------------------------

def check_alerts(path, section, exported):
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        problem(f"{path.name}: does not parse: {e}".replace("\n", " "))
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list) or not doc["groups"]:
        problem(f"{path.name}: no 'groups' list at the top")
        return
    seen = set()
    group_names = set()
    for g, group in enumerate(doc["groups"]):
        if not isinstance(group, dict) or not isinstance(group.get("name"), str) or not group["name"]:
            problem(f"{path.name}: group {g} has no name")
            continue
        group_names.add(group["name"])
        rules = group.get("rules")
        if not isinstance(rules, list) or not rules:
            problem(f"{path.name}: group {group['name']} has no rules")
            continue
        for r, rule in enumerate(rules):
            where = f"{path.name}: group {group['name']} rule {r}"
            if not isinstance(rule, dict):
                problem(f"{where}: not a mapping")
                continue
            extra = set(rule) - {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
            if extra:
                problem(f"{where}: unknown keys {sorted(extra)}")
            name = rule.get("alert")
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                problem(f"{where}: 'alert' missing or not a valid name")
                continue
            where = f"{path.name}: alert {name}"
            if name in seen:
                problem(f"{where}: defined twice")
            seen.add(name)
            expr = rule.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problem(f"{where}: 'expr' missing")
            else:
                for o, c in ("()", "{}", "[]"):
                    if expr.count(o) != expr.count(c):
                        problem(f"{where}: unbalanced {o}{c} in expr")
                check_metric_names(expr, where, exported)
            if not isinstance(rule.get("for"), str) or not DURATION.match(rule["for"]):
                problem(f"{where}: 'for' missing or not a duration like 5m")
            labels = rule.get("labels")
            if not isinstance(labels, dict) or labels.get("severity") not in SEVERITIES:
                problem(f"{where}: labels.severity missing or not one of {sorted(SEVERITIES)}")
            ann = rule.get("annotations")
            if not isinstance(ann, dict):
                problem(f"{where}: no annotations")
                continue
            if not isinstance(ann.get("summary"), str) or not ann["summary"].strip():
                problem(f"{where}: annotations.summary missing")
            if not isinstance(ann.get("runbook"), str) or "operations.md#runbook" not in ann["runbook"]:
                problem(f"{where}: annotations.runbook missing or not pointing at docs/operations.md#runbook")
            if section is not None and f"`{name}`" not in section:
                problem(f"{where}: not listed (as `{name}`) in the Runbook section")
    if "parley" not in group_names:
        problem(f"{path.name}: no group named 'parley'")


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
    doc_path = root / "docs" / "operations.md"
    alerts_path = root / "deploy" / "prometheus" / "parley-alerts.yaml"
    section = runbook_section(doc_path.read_text(encoding="utf-8"))
    exported = exported_metrics(root)
    calls = log_calls(root)
    if section is None:
        problem("docs/operations.md: no '## Runbook' section")
    else:
        check_messages(calls, section)
        check_metric_names(section, "docs/operations.md Runbook", exported)
    if alerts_path.exists():
        alerts_text = alerts_path.read_text(encoding="utf-8")
        check_metric_names(alerts_text, alerts_path.name, exported)
        check_alerts(alerts_path, section, exported)
    else:
        problem(f"{alerts_path.relative_to(root)}: missing")
    for p in problems:
        print(p)
    if problems:
        print(f"check_runbook: {len(problems)} problem(s); {len(calls)} log calls checked")
        return 1
    print(f"check_runbook: ok: {len(calls)} log calls, {len(exported)} metric names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
