#!/usr/bin/env python3
"""Runs AWS CloudFormation Guard over the generated templates: every AWS Control Tower proactive-control
rule and our own rules (cfn-gen/guard/rules), first our rules' own tests (cfn-guard test, the tests in
cfn-gen/guard/tests), then `cfn-guard validate` over templates/*.yaml and templates/<env>/*.yaml.

A failure is a control id (CT.XXX.PR.N from a rule's message, or ours, HS.XXX.N) on a template and a
resource. The run fails on any failure that cfn-gen/guard/exclusions.yaml does not list, and on any
listed exclusion that no longer matches a failure, so the list never rots.

cfn-guard and the Control Tower rules come from the npm package pinned in cfn-gen/guard/package-lock.json,
which scripts/install-deps.sh installs (npm ci).

usage: scripts/guard.py [TEMPLATE...]     (default: every template under templates/)
exit status: 0 clean, 1 findings, 2 the tool could not run
"""
import glob
import json
import os
import platform
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUARD_DIR = os.path.join(ROOT, "cfn-gen", "guard")
PACKAGE = "@cdklabs/cdk-validator-cfnguard"
CONTROL = re.compile(r"\[((?:CT|HS)\.[A-Z0-9_]+(?:\.PR)?\.[0-9]+)\]:\s*([^\n]*)")
RESOURCE_PATH = re.compile(r"^/Resources/([A-Za-z0-9]+)(/.*)?$")


def die(message, status=2):
    print("guard: error: " + message, file=sys.stderr)
    sys.exit(status)


def installed_package():
    """The package folder; scripts/install-deps.sh installs the version package-lock.json pins."""
    lock = json.load(open(os.path.join(GUARD_DIR, "package-lock.json")))
    pinned = lock["packages"]["node_modules/" + PACKAGE]["version"]
    folder = os.path.join(GUARD_DIR, "node_modules", PACKAGE)
    manifest = os.path.join(folder, "package.json")
    present = json.load(open(manifest))["version"] if os.path.exists(manifest) else None
    if present != pinned:
        die("cfn-gen/guard holds %s %s, package-lock.json pins %s: run scripts/install-deps.sh (npm ci there)"
            % (PACKAGE, present or "nothing", pinned))
    return folder


def binary(folder):
    system = {"Linux": "ubuntu", "Darwin": "macos"}.get(platform.system())
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(platform.machine().lower())
    if not system or not machine:
        die("%s ships cfn-guard for Linux and macOS on x86_64 and aarch64 only, not %s %s"
            % (PACKAGE, platform.system(), platform.machine()))
    path = os.path.join(folder, "bin", system, machine, "cfn-guard")
    os.chmod(path, 0o755)
    return path


def run_rule_tests(guard):
    """cfn-guard test: each of our rules against its tests file (input templates and the expected outcome)."""
    failed = 0
    for rules in sorted(glob.glob(os.path.join(GUARD_DIR, "rules", "*.guard"))):
        name = os.path.basename(rules)[:-len(".guard")]
        tests = os.path.join(GUARD_DIR, "tests", name + "-tests.yaml")
        if not os.path.exists(tests):
            print("guard: FAIL our rule %s has no tests file cfn-gen/guard/tests/%s-tests.yaml" % (name, name))
            failed += 1
            continue
        result = subprocess.run([guard, "test", "--rules-file", rules, "--test-data", tests],
                                capture_output=True, text=True)
        if result.returncode != 0:
            print("guard: FAIL cfn-guard test of %s:\n%s%s" % (name, result.stdout, result.stderr))
            failed += 1
        else:
            cases = len(yaml.safe_load(open(tests)))
            print("guard: ok   our rule %s passes its %d test cases" % (name, cases))
    return failed


def control_of(node):
    message = (node.get("messages") or {}).get("custom_message")
    if isinstance(message, str):
        match = CONTROL.search(message)
        if match:
            return match.group(1), match.group(2).strip()
    return None


def collect(node, control, found):
    """Walks a rule's report: custom messages name the control, paths under /Resources name the resource."""
    if isinstance(node, list):
        for child in node:
            collect(child, control, found)
        return
    if not isinstance(node, dict):
        return
    here = control_of(node) or control
    for key, value in node.items():
        if key == "path" and isinstance(value, str):
            match = RESOURCE_PATH.match(value)
            if match:
                found.add((here[0], match.group(1), here[1]))
        else:
            collect(value, here, found)


def failures(guard, rules, template):
    """(control, resource, title) of every failure of the rules on one template."""
    result = subprocess.run([guard, "validate", "--structured", "--output-format", "json", "--show-summary", "none"]
                            + [arg for r in rules for arg in ("--rules", r)] + ["--data", template],
                            capture_output=True, text=True)
    # cfn-guard exits 0 when every rule passes and 19 when some fail; anything else is an error.
    if result.returncode not in (0, 19):
        die("cfn-guard failed on %s with exit status %d:\n%s%s" % (template, result.returncode, result.stderr,
                                                                   result.stdout))
    found = set()
    for report in json.loads(result.stdout):
        for rule in report.get("not_compliant", []):
            rule = rule.get("Rule", rule)
            before = len(found)
            collect(rule, ("rule " + rule.get("name", "?"), ""), found)
            if len(found) == before:
                found.add(((control_of(rule) or ("rule " + rule.get("name", "?"), ""))[0], "(template)", ""))
    return found


def main(argv):
    guard = binary(installed_package())
    templates = argv or sorted(glob.glob(os.path.join(ROOT, "templates", "*.yaml"))
                               + glob.glob(os.path.join(ROOT, "templates", "*", "*.yaml")))
    if not templates:
        die("no templates under templates/ (cfn-gen writes them)")
    control_tower = os.path.join(installed_package(), "rules", "control-tower", "cfn-guard")
    if len(glob.glob(os.path.join(control_tower, "**", "*.guard"), recursive=True)) < 100:
        die("expected the AWS Control Tower rules in %s; the package layout changed" % control_tower)
    own = os.path.join(GUARD_DIR, "rules")
    status = 1 if run_rule_tests(guard) else 0

    exclusions = yaml.safe_load(open(os.path.join(GUARD_DIR, "exclusions.yaml")))["exclusions"]
    listed = {(e["control"], e["template"], e["resource"]) for e in exclusions}
    for e in exclusions:
        if not e.get("reason") or not e.get("clearedBy"):
            print("guard: FAIL exclusion %s %s %s has no reason or clearedBy" % (e["control"], e["template"], e["resource"]))
            status = 1
    seen = set()
    for template in templates:
        name = os.path.relpath(template, os.path.join(ROOT, "templates"))
        found = failures(guard, [control_tower, own], template)
        for control, resource, title in sorted(found):
            key = (control, name, resource)
            seen.add(key)
            if key in listed:
                continue
            print("guard: FAIL %s: %s: %s %s" % (name, resource, control, title))
            status = 1
        print("guard: %s: %d Control Tower and HS rules, %d failures, %d of them listed in exclusions.yaml"
              % (name, len(glob.glob(os.path.join(control_tower, "**", "*.guard"), recursive=True))
                 + len(glob.glob(os.path.join(own, "*.guard"))), len(found),
                 len([f for f in found if (f[0], name, f[1]) in listed])))
    checked = {os.path.relpath(t, os.path.join(ROOT, "templates")) for t in templates}
    for control, template, resource in sorted(listed - seen):
        if template in checked:
            print("guard: FAIL stale exclusion: %s on %s %s no longer fails; remove it from exclusions.yaml"
                  % (control, template, resource))
            status = 1
    print("guard: %s" % ("clean" if status == 0 else "FAILED"))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
