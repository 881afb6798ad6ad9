#!/usr/bin/env python3
"""Fails when a file calls an AWS CLI command that the pinned AWS CLI v2 release does not have.

    check-commands.py FILE...

Finds `aws SERVICE COMMAND` (also through the scripts' wrappers `aws_cli` and the tests' `aws_`,
across backslash line continuations, after global options such as --region X) and
`aws SERVICE wait WAITER`, and looks each up in commands.txt beside this file: every command and
waiter of the release that install-aws-cli.sh installs, extracted from the aws/aws-cli tag by
extract-commands.py. The scripts' tests run AWS CLI v1 against moto, so this is what shows that
the CLI the pipeline runs has every command they call. Prints each unknown command with file and
line; exit status 1 if there is one.
"""
import pathlib
import re
import sys

import botocore.session

HERE = pathlib.Path(__file__).resolve().parent
CALL = re.compile(
    r"(?<![\w./-])aws(?:_cli|_show|_)?"          # aws, aws_cli, aws_
    r"((?:\s+--[a-z-]+(?:\s+(?!-)\S+)?)*)"  # global options (--region us-east-1, --no-cli-pager)
    r"\s+([a-z0-9][a-z0-9-]*)"              # service
    r"\s+([a-z0-9][a-z0-9-]*)"              # command
    r"(?:\s+([a-z0-9][a-z0-9-]*))?")        # waiter, after "wait"


def release_commands():
    """(release tag, set of "service command" and "service wait waiter") from commands.txt."""
    tag, known = "v2", set()
    for line in (HERE / "commands.txt").read_text().splitlines():
        if line.startswith("# Tag: "):
            tag = line.split()[2]
        elif line and not line.startswith("#"):
            known.add(line)
    return tag, known


def calls(text, services):
    """(line number, "service command[ waiter]") for each AWS CLI call in text."""
    joined = re.sub(r"\\\n", "  ", text)  # as long as a continuation: offsets stay right
    for match in CALL.finditer(joined):
        service, command, waiter = match.group(2, 3, 4)
        if service not in services:
            continue  # prose: "aws account", "aws and ..."
        line = text.count("\n", 0, match.start()) + 1
        yield line, f"{service} {command} {waiter}" if command == "wait" and waiter else f"{service} {command}"


def main(paths):
    tag, known = release_commands()
    extracted = {entry.split()[0] for entry in known}
    # Every service name the CLI has (botocore's, with the CLI's one rename), so that a call to a
    # service commands.txt leaves out is reported, not taken for prose.
    services = extracted | {"s3api" if name == "s3" else name for name in botocore.session.get_session().get_available_services()}
    waits = {entry.rsplit(" ", 1)[0] for entry in known if " wait " in entry}
    unknown = 0
    for path in paths:
        for line, call in calls(pathlib.Path(path).read_text(), services):
            if call.split()[0] not in extracted:
                print(f"{path}:{line}: aws {call}: commands.txt has no commands of {call.split()[0]}; "
                      "add it to SERVICES in extract-commands.py and run that again")
                unknown += 1
            elif call not in known and call not in waits:  # "aws cloudformation wait" then a variable
                print(f"{path}:{line}: aws {call}: not a command of AWS CLI {tag}")
                unknown += 1
    return 1 if unknown else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
