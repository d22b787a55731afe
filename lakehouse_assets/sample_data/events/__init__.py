"""Landing events: Kafka S3 sink style JSON Lines objects for `user-activity` and `api-requests`.

Writes `events/topic=<topic>/date=YYYY-MM-DD/hour=HH/<topic>+<partition>+<offset>.json[.gz]`
under a landing root, in the layout of the events contract (our readings of it are in
`lakehouse_assets/events/CONTRACT_NOTES.md`). Per ingest hour and topic there are 2-4 objects,
about a third gzipped. User activity comes as sessions walking the funnel
page_view -> product_click -> add_to_cart -> purchase; API requests carry server, status and a
lognormal latency. A `bad_share` of the non-blank lines does not reach Silver: most are rejected
(every reason of the contract, in rotation), the rest repeat an event of the same hour or of the
previous hour. Event times are mostly inside the ingest hour, some a few minutes before it, a few
late (before the previous hour) and a few in the future (after the next hour).

Everything derives from `random.Random` seeded by (seed, hour): the same arguments give the same
bytes, and no wall clock is read.

Modules: `common` (topics, time units, run state, an hour's clock and ids), `traffic` (valid
sessions and API requests), `rejects` (the bad-line factory), `landing` (naming, encoding, gzip
and writing objects), `generate` (mixing one hour's lines into objects, and the counts), `cli`.
"""

from lakehouse_assets.sample_data.events.cli import add_arguments, run
from lakehouse_assets.sample_data.events.common import API_REQUESTS, TOPICS, USER_ACTIVITY
from lakehouse_assets.sample_data.events.generate import generate_event_objects, summarize, write_events
from lakehouse_assets.sample_data.events.landing import LandingObject, write_landing_objects
from lakehouse_assets.sample_data.events.rejects import REJECT_REASONS

__all__ = [
    "API_REQUESTS",
    "REJECT_REASONS",
    "TOPICS",
    "USER_ACTIVITY",
    "LandingObject",
    "add_arguments",
    "generate_event_objects",
    "run",
    "summarize",
    "write_events",
    "write_landing_objects",
]
