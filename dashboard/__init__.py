"""Dated event records in YAML, browsed as an interactive timeline with linked cards, a map and exports."""

import os

# Arrow allocates through mimalloc, which by default keeps the pages a request freed for later: a server over a
# million events then holds on to every request's largest temporaries (1.52 GB against 1.43 GB at its peak, for
# 6 % more time per request). Read once, when pyarrow is first imported: so here, before anything imports it.
os.environ.setdefault("MIMALLOC_PURGE_DELAY", "0")
