"""Starting a validation worker process, `python -m imprimfip.validation.worker`.

Apart from the pool (which drives workers with asyncio) and light to import: `imprimfip
validate` launches its workers first thing, before it imports asyncio, the pool or the
config, so that their own start-up (pypdf, the checks) runs meanwhile.
"""

from __future__ import annotations

import subprocess
import sys


def launch() -> subprocess.Popen[bytes]:
    """A worker process, started; raises OSError when it cannot be."""
    return subprocess.Popen(
        [sys.executable, "-m", "imprimfip.validation.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        # Out of the terminal's process group: Ctrl-C is for the daemon, which then closes
        # the workers' stdin; they also end by themselves if it dies.
        start_new_session=True,
    )
