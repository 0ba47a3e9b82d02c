"""Storage faults: a full, read-only, failing or vanished share or ledger disk.

Pure parts the daemon's shell uses around every write: which errors are storage faults
(`classify`), when a fault's episode starts and ends and when to try again (`episodes`),
whether a share has room to file one more letter (`admission`), and which half-written
temporary files to remove before a retry or at start (`leftovers`).
"""
