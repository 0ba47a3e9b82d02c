"""`imprimfip demo`: the emulator and the daemon together, on a demo folder tree.

A newcomer runs one command and sees letters move: a good one lands in done/, a bad one in
error/ with its French note, and any PDF they save into an inbox is deposited too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
from importlib import resources
from pathlib import Path

from imprimfip.config import load_config
from imprimfip.errors import ConfigError
from imprimfip.exitcodes import ExitCode
from imprimfip.outputs.report_csv import FILE_NAME
from imprimfip.sandbox.server import running_sandbox
from imprimfip.sandbox.settings import SandboxSettings
from imprimfip.service import logs
from imprimfip.service.config_file import report_config_error
from imprimfip.service.runner import run_daemon

# Sample letter -> the flow it is saved into when the demo starts.
SAMPLES = {
    "lettre-exemple.pdf": "courrier",
    "recommande-exemple.pdf": "recommande",
    "facture-word-renommee.pdf": "courrier",
}

CONFIG = """\
# Written by `imprimfip demo`: the daemon against the emulator the demo started.
[api]
base_url = "{api_url}"
username = "demo"
# The emulator accepts any password; a real setup reads it from the environment or a
# systemd credential (see config.example.toml).
password = {{ env = "IMPRIMFIP_PASSWORD", optional = true }}

[intake]
rescan_seconds = 10

[tracking]
# The emulator lives {speed:g} times faster than real life: so does the poll schedule.
time_scale = {speed}

[status_page]
listen = "127.0.0.1:{page_port}"

[ledger]
path = "state/ledger.sqlite3"

[[flows]]
name = "courrier"
root = "spool/courrier"
sending_type = "STD"
settle_seconds = 1

[[flows]]
name = "recommande"
root = "spool/recommande"
sending_type = "LRAR"
settle_seconds = 1

[flows.return_address]
name = "DDFIP DU RHONE"
line2 = "3 RUE DE LA CHARITE"
zip_code = "69002"
town = "LYON"
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", type=Path, default=Path("imprimfip-demo"), help="demo folder (created)"
    )
    parser.add_argument(
        "--speed", type=float, default=3600.0, help="emulator clock factor (3600: 1 h a second)"
    )


def _drop_samples(root: Path) -> None:
    """Save the sample letters as a careful application would: temporary name, then rename."""
    samples = resources.files("imprimfip.service") / "samples"
    for name, flow in SAMPLES.items():
        inbox = root / "spool" / flow / "inbox"
        temporary = inbox / f"{name}.part"
        temporary.write_bytes((samples / name).read_bytes())
        os.replace(temporary, inbox / name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _banner(root: Path, api_url: str, page_url: str) -> str:
    flows = sorted(set(SAMPLES.values()))
    lines = [
        "",
        "IMPRIM'FIP demo: the emulator answers at " + api_url,
        f"Demo folder: {root}",
        "Save a PDF into one of these inboxes and watch it move to done/ or error/:",
        *(f"  {flow}: {root / 'spool' / flow / 'inbox'}" for flow in flows),
        "Follow each letter's life (a day passes in seconds) on the status page, " + page_url,
        "and in each flow's CSV report:",
        *(f"  {flow}: {root / 'spool' / flow / FILE_NAME}" for flow in flows),
        "Three sample letters are being saved now (one is not really a PDF).",
        "Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


def _is_demo(config_path: Path) -> bool:
    try:
        return config_path.read_text(encoding="utf-8").startswith(CONFIG.splitlines()[0])
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    root = args.dir.resolve()
    config_path = root / "imprimfip.toml"
    if root.exists() and any(root.iterdir()):
        if not _is_demo(config_path):
            print(
                f"imprimfip demo: {root} exists and is not a demo folder; choose another with --dir"
            )
            return ExitCode.USAGE
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    logs.configure("info", "console")
    with running_sandbox(SandboxSettings(port=0, speed=args.speed)) as sandbox:
        port = _free_port()
        text = CONFIG.format(api_url=sandbox.api_url, speed=args.speed, page_port=port)
        config_path.write_text(text, encoding="utf-8")
        try:
            config = load_config(config_path)
        except ConfigError as error:
            return report_config_error(error)
        for flow in config.flows:
            flow.root.mkdir(parents=True, exist_ok=True)

        def started() -> None:
            print(_banner(root, sandbox.api_url, f"http://127.0.0.1:{port}/"), flush=True)
            _drop_samples(root)

        asyncio.run(run_daemon(config, on_started=started))
    return ExitCode.OK
