"""A minimal SMTP server on 127.0.0.1 for the email notifier's tests: it accepts every
message (HELO/EHLO, MAIL, RCPT, DATA, QUIT) and keeps what it received."""

from __future__ import annotations

import asyncio
import email
import email.policy
from email.message import EmailMessage


class SmtpServer:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> SmtpServer:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await say("220 test ESMTP")
        recipients: list[str] = []
        while line := (await reader.readline()).decode().strip():
            verb = line.split(" ", 1)[0].upper()
            if verb in ("HELO", "EHLO"):
                await say("250 test")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                await say("250 OK")
            elif verb == "DATA":
                await say("354 go on")
                data = await reader.readuntil(b"\r\n.\r\n")
                parsed = email.message_from_bytes(data[:-5], policy=email.policy.default)
                self.messages.append(parsed)  # type: ignore[arg-type]
                self.recipients.append(recipients)
                await say("250 queued")
            elif verb == "QUIT":
                await say("221 bye")
                break
            else:
                await say("250 OK")
        writer.close()
