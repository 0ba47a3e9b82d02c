"""Which HTTP proxy, if any, a call to a URL goes through.

Servers of administrations usually reach outside services through a forward proxy. The
client builds its own transport (see `transport.py`), so httpx's reading of the
environment is off; this module makes the same decision, as a pure function of the
config and the environment, so that it can be logged and shown by `check-config`:

- `[api] proxy` (with `proxy_password` as a secret) is used for every call when set;
- otherwise `https_proxy` / `HTTPS_PROXY` for an https:// URL (`http_proxy` /
  `HTTP_PROXY` for http://), unless `no_proxy` / `NO_PROXY` lists the host: `*`, a name
  (which covers its sub-domains, with or without a leading dot), an IP address or a CIDR
  block, each optionally with `:port`.

TLS to an https:// API goes through a CONNECT tunnel and is verified end to end, as
without a proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from imprimfip.config.model import ApiConfig
from imprimfip.config.secrets import MASK, Secret

CONFIG_SOURCE = "[api] proxy"


@dataclass(frozen=True)
class ProxyRoute:
    """A proxy to send through: its URL (with a user name at most), where it was set, and
    the password to present, if any."""

    url: str
    source: str
    username: str | None = None
    password: Secret | None = None

    def httpx_proxy(self) -> httpx.Proxy:
        if self.username is None:
            return httpx.Proxy(self.url)
        password = self.password.reveal() if self.password is not None else ""
        return httpx.Proxy(self.url, auth=(self.username, password))

    def describe(self) -> str:
        """The proxy as logs and `check-config` name it: never its password."""
        user = ""
        if self.username:
            user = f"{self.username}:{MASK}@" if self.password else f"{self.username}@"
        return f"{self.url.replace('://', '://' + user, 1)} (from {self.source})"


def describe_route(route: ProxyRoute | None) -> str:
    return "direct, no proxy" if route is None else f"through the proxy {route.describe()}"


def _from_url(url: str, source: str, password: Secret | None = None) -> ProxyRoute:
    """Split the credentials out of a proxy URL, so that only `describe` shows it."""
    parts = urlsplit(url)
    if parts.password:
        password = Secret(parts.password)
    host = parts.hostname or ""
    shown_host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port else ""
    return ProxyRoute(f"{parts.scheme}://{shown_host}{port}", source, parts.username, password)


def _environment(environ: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """The lower-case variable first, as curl and Python's urllib read them."""
    for key in (name.lower(), name.upper()):
        value = environ.get(key, "").strip()
        if value:
            return key, value
    return None


def _listed(entry: str, host: str, port: int) -> bool:
    if entry == "*":
        return True
    entry_host, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    if entry_port and entry_port != str(port):
        return False
    entry_host = entry_host.strip("[]").lower()
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(entry_host, strict=False)
    except ValueError:
        pass
    name = entry_host.lstrip(".")
    return bool(name) and (host == name or host.endswith("." + name))


def bypassed(url: str, no_proxy: str) -> bool:
    """Whether a `NO_PROXY` list names the host (and port) of `url`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    entries = [entry.strip() for entry in no_proxy.split(",")]
    return any(_listed(entry, host, port) for entry in entries if entry)


def proxy_for(url: str, api: ApiConfig, environ: Mapping[str, str]) -> ProxyRoute | None:
    """The proxy a call to `url` goes through, or None for a direct connection."""
    if api.proxy is not None:
        return _from_url(api.proxy, CONFIG_SOURCE, api.proxy_password)
    scheme = urlsplit(url).scheme
    found = _environment(environ, f"{scheme}_proxy")
    if found is None:
        return None
    no_proxy = _environment(environ, "no_proxy")
    if no_proxy is not None and bypassed(url, no_proxy[1]):
        return None
    key, value = found
    return _from_url(value if "://" in value else f"http://{value}", key)
