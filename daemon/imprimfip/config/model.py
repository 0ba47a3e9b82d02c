"""The configuration's shape: one frozen object, built once at start and passed down."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from imprimfip.config.rules import ValidationRules
from imprimfip.config.secrets import SecretValue
from imprimfip.config.sections import DEFAULT_LEDGER_PATH, TrackingConfig, relative_to_config
from imprimfip.frozen import FrozenModel
from imprimfip.passwords import is_hash
from imprimfip.postal import PostalAddress

Paper = Literal["DUPLEX", "DUPLEX_TIP_MICRO"]
SendingType = Literal["STD", "LRE", "LRAR"]
PositiveSeconds = Annotated[float, Field(gt=0)]
# The rates, in calls a minute, that DataPass grants an IMPRIM'FIP subscription.
SUBSCRIPTIONS = (50, 200, 500, 1000)
LARGEST_SUBSCRIPTION = max(SUBSCRIPTIONS)


def _relative_to_config(value: Path, info: ValidationInfo) -> Path:
    return relative_to_config(value, Path((info.context or {}).get("base_dir", ".")))


ConfigPath = Annotated[Path, AfterValidator(_relative_to_config)]

DEFAULT_IGNORES = (
    ".*",
    "~$*",
    ".~lock.*#",
    "*.tmp",
    "*.part",
    "*.crdownload",
    "._*",
    "Thumbs.db",
    "desktop.ini",
    ".DS_Store",
    "@eaDir",
)


class OAuthConfig(FrozenModel):
    """OAuth 2.0 client credentials against the DGFiP API gateway."""

    token_url: str
    client_id: str
    client_secret: SecretValue
    scope: str | None = None
    refresh_margin_s: PositiveSeconds = 60.0


class TlsConfig(FrozenModel):
    """Extra TLS material; server certificates are always verified."""

    ca_bundle: ConfigPath | None = None
    client_cert: ConfigPath | None = None
    client_key: ConfigPath | None = None


class BudgetConfig(FrozenModel):
    """One budget of calls for the whole subscription (see docs/invariants.md, 'The rate
    limit is a budget, not a wall to hit')."""

    calls_per_minute: Annotated[int, Field(gt=0)] = 480
    # While deposits and polls both wait, polls get this share and deposits the rest; either
    # takes all of the window the other leaves. Deposits come first: a poll a few minutes
    # late costs nothing (the hand-over takes 2 days), a deposit late can miss a deadline.
    poll_share: Annotated[float, Field(gt=0, lt=1)] = 0.04
    throttle_pause_s: PositiveSeconds = 60.0

    @field_validator("calls_per_minute")
    @classmethod
    def _within_a_subscription(cls, value: int) -> int:
        if value > LARGEST_SUBSCRIPTION:
            raise ValueError(
                f"{value} calls a minute is more than any IMPRIM'FIP subscription allows "
                f"(DataPass grants {', '.join(map(str, SUBSCRIPTIONS))} calls a minute): "
                "set a little under the rate granted to you, e.g. 480 for 500 or 960 for 1000"
            )
        return value


class ApiConfig(FrozenModel):
    """How to reach IMPRIM'FIP and which headers it wants (settled at onboarding)."""

    base_url: str = "http://127.0.0.1:7009/api/v1"
    username: str
    password: SecretValue
    send_password: bool = True
    jwt_assertion: SecretValue | None = None
    payload_encoding: Literal["json", "form"] = "json"
    connect_timeout_s: PositiveSeconds = 10.0
    request_timeout_s: PositiveSeconds = 120.0
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 6
    # Backoff between attempts: retry_base_s, doubling, capped at retry_max_delay_s; no
    # attempt starts after retry_deadline_s from the first.
    retry_base_s: PositiveSeconds = 1.0
    retry_max_delay_s: PositiveSeconds = 60.0
    retry_deadline_s: PositiveSeconds = 600.0
    # The server stamps internalRefs with its clock, in this zone (IANA name); the clock's
    # offset is read from its answers, the tolerance stands for it before any answer.
    server_timezone: str = "Europe/Paris"
    server_clock_tolerance_s: Annotated[float, Field(ge=0, le=600)] = 2.0
    # A forward proxy for every call (API and OAuth token), http://[USER@]HOST:PORT; its
    # password is a secret. Unset: HTTPS_PROXY / NO_PROXY from the environment.
    proxy: str | None = None
    proxy_password: SecretValue | None = None
    oauth: OAuthConfig | None = None
    tls: TlsConfig = TlsConfig()
    budget: BudgetConfig = BudgetConfig()

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected an http:// or https:// URL, e.g. https://host/api/v1")
        return value.rstrip("/")

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            port, parts = None, urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
            raise ValueError(
                "expected the proxy as http://HOST:PORT (or http://USER@HOST:PORT), "
                "e.g. http://proxy.mairie.example:3128"
            )
        if parts.password is not None:
            raise ValueError(
                "the proxy's password must not be written in clear in the config file: "
                "remove it from the URL and give it as proxy_password = "
                '{ credential = "imprimfip-proxy-password" } (or env, or file)'
            )
        return value

    @model_validator(mode="after")
    def _proxy_user(self) -> ApiConfig:
        if self.proxy_password is not None and not urlsplit(self.proxy or "").username:
            raise ValueError(
                "proxy_password is set but [api] proxy names no user: write it as "
                "http://USER@HOST:PORT"
            )
        return self

    @field_validator("server_timezone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'unknown time zone "{value}": use an IANA name such as "Europe/Paris"'
            ) from None
        return value


def _return_address(address: PostalAddress) -> PostalAddress:
    """The sender's address in France, as IMPRIM'FIP's `returnAddress` takes it."""
    faults = []
    if not 1 <= len(address.name) <= 38:
        faults.append("name must have 1 to 38 characters")
    if not re.fullmatch(r"\d{5}", address.zip_code):
        faults.append(f'zip_code must be 5 digits, got "{address.zip_code}"')
    if not address.town:
        faults.append("town must not be empty")
    if address.country:
        faults.append("country is not taken for a return address (it is in France)")
    if faults:
        raise ValueError("; ".join(faults))
    return address


ReturnAddress = Annotated[PostalAddress, AfterValidator(_return_address)]
"""An LRAR sender's return address: `imprimfip.postal.PostalAddress`, in France."""


class EmailNotifierConfig(FrozenModel):
    """Alerts of a flow sent by email (SMTP), in French, to the people who follow it."""

    host: str
    port: Annotated[int, Field(gt=0, lt=65536)] = 25
    sender: Annotated[str, Field(min_length=3)]
    to: Annotated[tuple[str, ...], Field(min_length=1)]
    starttls: bool = True
    username: str | None = None
    password: SecretValue | None = None
    timeout_s: PositiveSeconds = 30.0


class NotifyConfig(FrozenModel):
    """Where a flow's alerts go besides the log: an email and/or a command that reads the
    alert as JSON on its standard input (an argument list, run without a shell)."""

    email: EmailNotifierConfig | None = None
    command: tuple[str, ...] | None = Field(default=None, min_length=1)
    command_timeout_s: PositiveSeconds = 30.0


class FlowConfig(FrozenModel):
    """One folder tree with one set of sending options."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    root: ConfigPath
    paper: Paper = "DUPLEX"
    sending_type: SendingType = "STD"
    on_behalf_of: str | None = None
    return_address: ReturnAddress | None = None
    annexes: tuple[ConfigPath, ...] = ()
    include: tuple[str, ...] = ("*.pdf",)
    ignore: tuple[str, ...] = DEFAULT_IGNORES
    settle_seconds: Annotated[float, Field(ge=0)] = 5.0
    marker_suffix: str | None = None
    subfolders: bool = False
    watch: Literal["auto", "events", "polling"] = "auto"
    allow_duplicates: bool = False
    duplicate_window_days: Annotated[int, Field(ge=0)] = 90
    validation: ValidationRules = ValidationRules()
    notify: NotifyConfig = NotifyConfig()

    @model_validator(mode="after")
    def _lrar_needs_return_address(self) -> FlowConfig:
        if self.sending_type == "LRAR" and self.return_address is None:
            raise ValueError(
                "an LRAR flow needs a sender return address: add a [flows.return_address] "
                "table with name, zip_code and town"
            )
        return self


class IntakeConfig(FrozenModel):
    rescan_seconds: PositiveSeconds = 60.0
    poll_seconds: PositiveSeconds = 2.0
    max_in_flight: Annotated[int, Field(ge=1, le=64)] = 8
    shutdown_grace_s: PositiveSeconds = 30.0


class LedgerConfig(FrozenModel):
    path: ConfigPath
    # A daily copy of the live ledger goes there when set (best on another disk), and the
    # backup_keep latest are kept.
    backup_dir: ConfigPath | None = None
    backup_keep: Annotated[int, Field(ge=1, le=366)] = 7


class ReportsConfig(FrozenModel):
    """The CSV reports in each flow's folder: `suivi-des-envois.csv` holds the letters of
    the last `days` days; each closed month has its own file."""

    days: Annotated[int, Field(ge=1, le=366)] = 31


Days = Annotated[int, Field(ge=1)]


class RetentionConfig(FrozenModel):
    """Removing what is old, only when asked: each setting is off unless given a number of
    days, counted from the letter's arrival. Only letters whose life is over are touched."""

    done_days: Days | None = None
    error_days: Days | None = None
    history_days: Days | None = None


class ListenerConfig(FrozenModel):
    """A small HTTP server of the daemon: whether it runs, and on which HOST:PORT."""

    enabled: bool = True
    listen: str

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or int(port) > 65535:
            raise ValueError(f'expected HOST:PORT, e.g. "127.0.0.1:7010", got "{value}"')
        return value

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class StatusPageConfig(ListenerConfig):
    """The read-only status page: on the loopback interface unless said otherwise; with
    TLS (a certificate and its key, PEM) and a login (HTTP basic, against a password hash
    made by `imprimfip hash-password`) when it is opened to the office's network."""

    listen: str = "127.0.0.1:7010"
    tls_certificate: SecretValue | None = None
    tls_key: SecretValue | None = None
    login: Annotated[str, Field(min_length=1, pattern=r"^[^:]+$")] | None = None
    password_hash: SecretValue | None = None

    @model_validator(mode="after")
    def _pairs(self) -> StatusPageConfig:
        if (self.tls_certificate is None) != (self.tls_key is None):
            raise ValueError("give both tls_certificate and tls_key (PEM), or neither")
        if (self.login is None) != (self.password_hash is None):
            raise ValueError("give both login and password_hash, or neither")
        # An empty secret is one not read (commands that need no secrets).
        if self.password_hash and not is_hash(self.password_hash.reveal()):
            raise ValueError(
                "password_hash is not a password hash: make one with "
                "`imprimfip hash-password` and give it as a secret"
            )
        return self


class MetricsConfig(ListenerConfig):
    """The Prometheus endpoint (GET /metrics): on the loopback interface by default."""

    listen: str = "127.0.0.1:9470"


class LoggingConfig(FrozenModel):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = "auto"


class Config(FrozenModel):
    """The whole configuration; `source` is the file it came from."""

    source: Path
    api: ApiConfig
    flows: Annotated[tuple[FlowConfig, ...], Field(min_length=1)]
    intake: IntakeConfig = IntakeConfig()
    ledger: LedgerConfig = Field(default_factory=lambda: {"path": DEFAULT_LEDGER_PATH})
    logging: LoggingConfig = LoggingConfig()
    tracking: TrackingConfig = TrackingConfig()
    reports: ReportsConfig = ReportsConfig()
    retention: RetentionConfig = RetentionConfig()
    status_page: StatusPageConfig = StatusPageConfig()
    metrics: MetricsConfig = MetricsConfig()

    @field_validator("flows")
    @classmethod
    def _unique_flows(cls, flows: tuple[FlowConfig, ...]) -> tuple[FlowConfig, ...]:
        names = [f.name for f in flows]
        roots = [f.root.resolve() for f in flows]
        if len(set(names)) != len(names):
            raise ValueError("two flows have the same name: give each flow its own name")
        if len(set(roots)) != len(roots):
            raise ValueError("two flows share one root folder: give each flow its own root")
        return flows

    def flow(self, name: str) -> FlowConfig:
        for flow in self.flows:
            if flow.name == name:
                return flow
        raise KeyError(name)
