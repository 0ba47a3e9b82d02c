"""`imprimfip hash-password`: the hash of the status page's password, for `password_hash`.

Reads the password from standard input (asked twice, without echo, on a terminal), prints
its scrypt hash. Store the hash as a secret (a file readable by the daemon only, or a
systemd credential); the password itself is written nowhere.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from imprimfip.exitcodes import ExitCode
from imprimfip.passwords import hash_password


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print the hash of a password read from standard input, for [status_page] password_hash."
    )


def run(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("imprimfip hash-password: the two passwords differ", file=sys.stderr)
            return ExitCode.USAGE
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("imprimfip hash-password: empty password", file=sys.stderr)
        return ExitCode.USAGE
    print(hash_password(password))
    return ExitCode.OK
