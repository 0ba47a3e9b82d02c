"""`ValidatorPool`: `check_pdf` in child processes, with time and memory bounds (see
docs/invariants.md, 'The daemon never trusts the inbox').

Workers are started once (by launch.py; `imprimfip validate` launches them before it
imports this module, and the pool takes them over) and reused. A file that makes its
worker overrun the wall-clock timeout, its CPU time (RLIMIT_CPU) or its memory
(RLIMIT_AS), or crash it, gets a Report with a `too_complex` error; that worker is
replaced and the next check runs normally.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any, Literal

from imprimfip.config.rules import ValidationRules
from imprimfip.errors import ImprimfipError
from imprimfip.validation.launch import launch
from imprimfip.validation.report import Problem, Report, build_report

log = logging.getLogger(__name__)
"""stdlib logging with fields in `extra` (validation/plainlog.py): `imprimfip validate`
runs this pool without importing structlog."""

_STARTUP_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 5.0
_REPLY_LIMIT = 64 * 1024 * 1024
"""A reply lists findings grouped by page: far below this even for thousands of pages."""


PictureWhen = Literal["never", "refused", "always"]
"""When a check also draws the picture of the page concerned (see validation/picture.py):
"refused" when a layout error, or a registered letter's missing address, refuses it."""


@dataclass(frozen=True)
class Inspection:
    """A check's Report, and the PNG picture of the page concerned when one was drawn."""

    report: Report
    picture: bytes | None = None


class ValidatorUnavailable(ImprimfipError):
    """A worker process could not be started: the installation is broken, not the letter."""


class _WorkerLost(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Child:
    """A launched worker process driven with asyncio: its stdin and stdout as streams, its
    end awaited in a thread (it may have been started before the event loop was)."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        stdin: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
    ) -> None:
        self.popen = popen
        self.stdin = stdin
        self.stdout = stdout

    @classmethod
    async def adopt(cls, popen: subprocess.Popen[bytes]) -> _Child:
        assert popen.stdin is not None and popen.stdout is not None
        loop = asyncio.get_running_loop()
        stdout = asyncio.StreamReader(limit=_REPLY_LIMIT)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdout), popen.stdout)
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, popen.stdin
        )
        return cls(popen, asyncio.StreamWriter(transport, protocol, None, loop), stdout)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    async def wait(self) -> int:
        returncode = await asyncio.to_thread(self.popen.wait)
        # Its end of the pipe is gone: ours is closed with it, as asyncio's Process does.
        self.stdin.close()
        return returncode

    def kill(self) -> None:
        self.popen.kill()


class _Worker:
    """One child process running `imprimfip.validation.worker`."""

    def __init__(self, process: _Child) -> None:
        self.process = process
        self.killed = False

    @classmethod
    async def start(cls, launched: subprocess.Popen[bytes] | None = None) -> _Worker:
        """A worker ready for its first file: `launched` (see launch.py), or a new one."""
        try:
            process = await _Child.adopt(launched or launch())
        except OSError as exc:
            raise ValidatorUnavailable(f"cannot start a validation worker: {exc}") from exc
        worker = cls(process)
        try:
            ready = await asyncio.wait_for(process.stdout.readline(), _STARTUP_TIMEOUT_S)
        except TimeoutError:
            ready = b""
        if not ready.startswith(b'{"ready"'):
            await worker.stop()
            raise ValidatorUnavailable(
                "a validation worker did not start (see its error output above); "
                "check that the package and pypdf are installed"
            )
        return worker

    @property
    def alive(self) -> bool:
        """Usable for the next file: running, and not being killed (which takes a moment)."""
        return self.process.returncode is None and not self.killed

    async def run(
        self, job: dict[str, object], data: bytes, timeout_s: float
    ) -> tuple[dict[str, Any], bytes]:
        """Send one file and wait for the reply and its picture (b"" when none); _WorkerLost
        when the worker cannot answer."""
        picture = b""
        try:
            async with asyncio.timeout(timeout_s):
                self.process.stdin.write(json.dumps({**job, "size": len(data)}).encode() + b"\n")
                self.process.stdin.write(data)
                await self.process.stdin.drain()
                line = await self.process.stdout.readline()
                if line:
                    reply: dict[str, Any] = json.loads(line)
                    picture = await self.process.stdout.readexactly(int(reply.get("picture", 0)))
        except TimeoutError:
            raise _WorkerLost("time") from None
        except (ConnectionError, BrokenPipeError, asyncio.IncompleteReadError):
            line = b""
        if not line:
            returncode = await self.process.wait()
            raise _WorkerLost("time" if returncode == -signal.SIGXCPU else "crash")
        return reply, picture

    def kill(self) -> None:
        if self.process.returncode is None:
            self.killed = True
            self.process.kill()

    async def stop(self) -> None:
        """Close the worker's stdin so it ends; kill it if it does not."""
        if not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), _STOP_TIMEOUT_S)
        except TimeoutError:
            self.kill()
            await self.process.wait()


class ValidatorPool:
    """Validate PDFs in `workers` reusable child processes.

    Each file gets at most `timeout_s` of wall-clock and CPU time and `memory_mb` of address
    space, or less when its flow's rules say so (`max_seconds`, `max_memory_mb`). Use as an
    async context manager, or call `start()` (optional: the first check starts the workers)
    and `close()`.
    """

    def __init__(
        self,
        workers: int = 2,
        timeout_s: float = 30.0,
        memory_mb: int = 1024,
        launched: Sequence[subprocess.Popen[bytes]] = (),
    ) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.size = workers
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._launched = list(launched[:workers])
        """Workers launched before the pool (launch.py), taken over by `start()`."""
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers: list[_Worker] = []
        self._started = False
        self._closed = False
        self._rules: tuple[ValidationRules, dict[str, Any]] | None = None
        """The last rules sent, and their form for the workers."""

    async def start(self) -> None:
        if self._started:
            return
        # Set before the await: a check arriving meanwhile waits for these workers.
        self._started = True
        launched: list[subprocess.Popen[bytes] | None] = [*self._launched]
        launched += [None] * (self.size - len(launched))
        self._launched = []
        started = await asyncio.gather(
            *(_Worker.start(process) for process in launched), return_exceptions=True
        )
        for worker in started:
            if isinstance(worker, _Worker):
                self._workers.append(worker)
                self._idle.put_nowait(worker)
        failures = [error for error in started if isinstance(error, BaseException)]
        if failures and not self._workers:
            # Not one worker: the next check tries again instead of waiting forever.
            self._started = False
            raise failures[0]

    async def check(
        self, data: bytes, rules: ValidationRules, *, want_address: bool = False
    ) -> Report:
        """The Report for `data`; a file that exceeds a bound gets a `too_complex` error.

        Raises ValidatorUnavailable when no worker can be started (a system fault).
        """
        return (await self.inspect(data, rules, want_address=want_address)).report

    async def inspect(
        self,
        data: bytes,
        rules: ValidationRules,
        *,
        want_address: bool = False,
        picture: PictureWhen = "never",
    ) -> Inspection:
        """`check`, and the picture of the page concerned when `picture` asks for it."""
        if self._closed:
            raise RuntimeError("this ValidatorPool is closed")
        await self.start()
        worker = await self._idle.get()
        finished = False
        try:
            if not worker.alive:
                worker = await self._replace(worker)
            inspection, worker = await self._run(worker, data, rules, want_address, picture)
            finished = True
            return inspection
        finally:
            if not finished:
                # Cancelled mid-file: the worker's state is unknown; the next check replaces it.
                worker.kill()
            self._idle.put_nowait(worker)

    async def _run(
        self,
        worker: _Worker,
        data: bytes,
        rules: ValidationRules,
        want_address: bool,
        picture: PictureWhen,
    ) -> tuple[Inspection, _Worker]:
        timeout_s = min(self.timeout_s, rules.max_seconds)
        if self._rules is None or self._rules[0] is not rules:
            # The same rules for file after file (one flow, one `validate` call).
            self._rules = (rules, asdict(rules))
        job = {
            "rules": self._rules[1],
            "want_address": want_address,
            "picture": picture,
            "memory_mb": min(self.memory_mb, rules.max_memory_mb),
            "cpu_s": timeout_s,
        }
        try:
            reply, png = await worker.run(job, data, timeout_s)
        except _WorkerLost as lost:
            if self._closed:
                raise ValidatorUnavailable("the pool was closed during the check") from None
            log.warning("validation_worker_lost", extra={"reason": lost.reason, "size": len(data)})
            limit = timeout_s if lost.reason == "time" else None
            details = {"reason": lost.reason, "limit_s": limit}
            report = build_report(0, [Problem("too_complex", None, details)], rules)
            return Inspection(report), await self._replace(worker)
        if "bug" in reply:
            log.error("validation_bug", extra={"step": "worker", "error": reply["bug"]})
            return Inspection(Report(pages=0, unchecked=("worker",))), worker
        report = Report.from_dict(reply["report"])
        if any(finding.code == "too_complex" for finding in report.findings):
            # The worker survived an exhausted heap or stack; a fresh one is safer.
            worker = await self._replace(worker)
        return Inspection(report, png or None), worker

    async def _replace(self, worker: _Worker) -> _Worker:
        if self._closed:
            raise ValidatorUnavailable("the validator pool is closed")
        worker.kill()
        await worker.process.wait()
        if worker in self._workers:
            self._workers.remove(worker)
        fresh = await _Worker.start()
        self._workers.append(fresh)
        return fresh

    async def close(self) -> None:
        """Stop every worker. A check still running gets its report if its worker ends it
        within a few seconds, else ValidatorUnavailable: the letter is never blamed."""
        self._closed = True
        for process in self._launched:
            # Never taken over: its stdin closed, it ends once started.
            assert process.stdin is not None
            process.stdin.close()
        self._launched = []
        workers, self._workers = self._workers, []
        await asyncio.gather(*(worker.stop() for worker in workers))

    async def __aenter__(self) -> ValidatorPool:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
