"""Sync handlers of the console: progress of the full resyncs provinces run."""

import sync
from hq.console.services import record_resync_progress


@sync.handler("sync.resync.progress")
def apply_resync_progress(message) -> None:
    # Stale progress (an older version of this request's key) never reaches here: the inbox
    # skips it, so the bar only moves forward.
    record_resync_progress(message.source, message.payload)
