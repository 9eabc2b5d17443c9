"""The kiosk's citizen session, put together from the domain and the outbox.

Here, not in the UI, because it joins the outbox (sync) to the session (domain): the outbox is
the session's sink, its disk check says whether a new case can be stored, and its records keep
the case-number counter above every number it still holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sync.outbox import Outbox
from terminal.casenumber import CaseNumbers
from terminal.catalog import load_catalog
from terminal.config import Config
from terminal.session import CaseSink, Session


def make_session(config: Config, clock: Callable[[], float] = time.monotonic, outbox: Outbox | None = None,
                 sink: CaseSink | None = None) -> Session:
    """The kiosk's session: the region's catalog (an installed update only while its signature holds),
    the outbox as sink (unless `sink`) and as the judge of whether a new case can be stored, case
    numbers in the data folder that never fall below a number the outbox still holds."""
    data_dir = config.storage.data_dir
    box = outbox or Outbox.from_config(config)
    catalog = load_catalog(config.terminal.region, data_dir, catalog_keys=config.platform.catalog_keys)

    def intake() -> str:
        answer = box.can_accept()
        return "" if answer.ok else answer.reason_zh

    numbers = CaseNumbers(data_dir, config.terminal.id,
                          known=lambda: [record.record_id for record in box.records(limit=1_000_000)])
    return Session(config, catalog, sink or box, numbers, ratings=box, complaints=box, supplements=box,
                   callbacks=box, clock=clock, intake=intake)
