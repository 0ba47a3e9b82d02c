"""Knowing whether a request body may have reached the server (see docs/invariants.md,
'Nothing is mailed twice').

A submission that failed before any byte of its body left can be retried; one that failed
after cannot, since the server may have accepted it. httpx does not say which, so the
transport is wrapped: each request carries a `BodyWatch` in its extensions, and the wrapper
marks it when the body starts to be handed to the network. A request the wrapper never saw
counts as possibly sent: the safe side.

`transports` builds them for a config: one for the API and, when the OAuth token URL is
reached another way (a proxy for one and not the other), one for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import httpx

from imprimfip.api.auth import tls_context
from imprimfip.api.proxy import ProxyRoute, proxy_for
from imprimfip.config.model import ApiConfig

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


def _origin_pattern(url: str) -> str:
    """httpx's mount key for the scheme, host and port of `url`."""
    parsed = httpx.URL(url)
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    port = f":{parsed.port}" if parsed.port is not None else ""
    return f"{parsed.scheme}://{host}{port}"


def _transport(api: ApiConfig, route: ProxyRoute | None) -> WatchingTransport:
    proxy = route.httpx_proxy() if route is not None else None
    return WatchingTransport(httpx.AsyncHTTPTransport(verify=tls_context(api.tls), proxy=proxy))


def transports(
    api: ApiConfig, environ: Mapping[str, str]
) -> tuple[WatchingTransport, dict[str, httpx.AsyncBaseTransport], dict[str, ProxyRoute | None]]:
    """The API's transport, httpx mounts for the token URL if it needs another route, and
    the route of each URL called (the API's base URL, the token URL), for the log."""
    routes = {api.base_url: proxy_for(api.base_url, api, environ)}
    main = _transport(api, routes[api.base_url])
    mounts: dict[str, httpx.AsyncBaseTransport] = {}
    if api.oauth is not None:
        token_url = api.oauth.token_url
        routes[token_url] = proxy_for(token_url, api, environ)
        if routes[token_url] != routes[api.base_url]:
            mounts[_origin_pattern(token_url)] = _transport(api, routes[token_url])
    return main, mounts, routes
