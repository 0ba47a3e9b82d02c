"""Knowing whether a request body may have reached the server (see docs/invariants.md,
'Nothing is mailed twice').

A submission that failed before any byte of its body left can be retried; one that failed
after cannot, since the server may have accepted it. httpx does not say which, so the
transport is wrapped: each request carries a `BodyWatch` in its extensions, and the wrapper
marks it when the body starts to be handed to the network. A request the wrapper never saw
counts as possibly sent: the safe side.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

WATCH = "imprimfip.body_watch"


class BodyWatch:
    """What the transport saw of one request's body."""

    def __init__(self) -> None:
        self.seen = False
        self.started = False

    @property
    def may_be_sent(self) -> bool:
        return self.started or not self.seen


class _WatchedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, watch: BodyWatch) -> None:
        self._inner = inner
        self._watch = watch

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            if chunk:
                self._watch.started = True
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class WatchingTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport to mark each request's `BodyWatch`."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        watch = request.extensions.get(WATCH)
        if isinstance(watch, BodyWatch) and isinstance(request.stream, httpx.AsyncByteStream):
            watch.seen = True
            request.stream = _WatchedStream(request.stream, watch)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def watch(request: httpx.Request) -> BodyWatch:
    """Attach a fresh `BodyWatch` to `request` and return it."""
    body_watch = BodyWatch()
    request.extensions = {**request.extensions, WATCH: body_watch}
    return body_watch
