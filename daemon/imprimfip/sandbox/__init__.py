"""A faithful local emulator of the IMPRIM'FIP API, with fault injection (`imprimfip sandbox`).

Map of the modules:
- settings: SandboxSettings and Faults, the frozen configuration.
- server: running_sandbox() in a thread, serve() in the foreground; app: the aiohttp app.
- gateway: the gateway's checks (bearer, rate limit, X-Correlation-ID, credentials),
  counters and the spec's error shape; ratelimit, tokens, oauth (`POST /token`), faults.
- api: the three endpoints; upload, parameters, submission_checks: reading and checking
  a submission; registry: accepted submissions, internalRefs, `--state`; documents:
  REF-PLI markers; life: the simulated statuses of a file and its documents.
- surface: the `/_sandbox/` test surface; runtime: the mutable state; answers: error bodies.
- cli: `imprimfip sandbox` options and exit statuses.
"""
