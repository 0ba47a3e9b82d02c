"""The daemon's Prometheus instruments, in one registry.

Events are counted where they happen (a deposit, an API call, a validation); states that
can be read at any time (letters by state, budget level, inbox availability...) are read
when Prometheus scrapes, by the collector in `service/metrics_server.py`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

API_CALLS = Counter(
    "imprimfip_api_calls",
    "IMPRIM'FIP API calls by operation and HTTP status (or outcome when there was no answer).",
    ["operation", "status"],
    registry=REGISTRY,
)
LETTERS_DECIDED = Counter(
    "imprimfip_letters_decided",
    "Letters whose fate was decided, by flow and outcome: deposited, rejected (never "
    "deposited), uncertain (held for a person).",
    ["flow", "outcome"],
    registry=REGISTRY,
)
PAUSES = Counter(
    "imprimfip_pauses",
    "Times deposits were paused by a system fault, by kind of fault.",
    ["fault"],
    registry=REGISTRY,
)
VALIDATION_SECONDS = Histogram(
    "imprimfip_validation_seconds",
    "Time to validate one letter file, by flow.",
    ["flow"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
STORAGE_FAULTS = Counter(
    "imprimfip_storage_faults",
    "Storage fault episodes started, by place (a flow's share, or `ledger` for the ledger's "
    "disk) and kind (full, read_only, denied, io, vanished, locked).",
    ["place", "kind"],
    registry=REGISTRY,
)
LOOP_STALLS = Counter(
    "imprimfip_event_loop_stalls",
    "Times the event loop answered late by more than 100 ms (work that should run elsewhere).",
    registry=REGISTRY,
)
RETIRED = Counter(
    "imprimfip_retention_removed",
    "Letters whose files (done, error) or detailed history (history) retention removed.",
    ["flow", "what"],
    registry=REGISTRY,
)
