"""Deterministic, realistic seed contacts.

The same ``seed`` always gives the same portal, so a failing test or a demo
can be reproduced exactly. Timestamps are laid out from a fixed epoch for the
same reason; live writes later are stamped with the wall clock, which is
always newer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

SEED_EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
SEED_SPACING_MS = 60_000  # one contact created per minute

FIRST_NAMES = (  # noqa: SIM905 (a name list reads best as one string)
    "Amelia Aiden Ana Arjun Ava Beatriz Bruno Carla Chen Chloe Daniel Dara Diego "
    "Elena Emeka Emma Farah Felix Grace Hana Hugo Ines Isaac Jada James Jin Kai "
    "Kamala Leila Leo Lina Lucas Maya Mateo Mei Nadia Noah Nora Olivia Omar Priya "
    "Quinn Rafael Rosa Ryan Sara Sofia Tariq Theo Uma Victor Wen Yara Yusuf Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Abara Adams Alvarez Bakker Brown Chen Costa Da Silva Dubois Evans Fischer "
    "Garcia Gupta Haddad Hansen Ito Jensen Johnson Kim Kowalski Larsen Lee Lopez "
    "Martin Mensah Moreau Murphy Nakamura Nguyen Novak O'Brien Okafor Patel Perez "
    "Petrov Rossi Santos Schmidt Singh Smith Suzuki Tanaka Taylor Thompson Walker "
    "Wang Williams Wilson Yamamoto Young Zhang"
).split()
COMPANIES = (
    "Acme Logistics",
    "Blue Harbor Dental",
    "Brightline Solar",
    "Cedar & Pine Realty",
    "Copperleaf Insurance",
    "Northwind Traders",
    "Orbit Fitness",
    "Riverbend Clinic",
    "Summit Roofing",
    "Tidewater Credit Union",
    "Urban Sprout Cafe",
    "Vertex Auto Group",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")

# How seeded contacts spread over the default lead statuses: most are fresh or
# being worked, few have deals. Weights line up with DEFAULT_OPTIONS' order.
LEAD_STATUS_WEIGHTS = (22, 14, 16, 6, 8, 18, 10, 6)


def seed_contacts(
    count: int, seed: int, status_values: list[str]
) -> Iterator[tuple[int, dict[str, str], int]]:
    """Yield ``(id, properties, created_ms)`` for ``count`` contacts."""
    rng = random.Random(seed)
    choose = rng.choice
    weights = LEAD_STATUS_WEIGHTS[: len(status_values)]

    for index in range(count):
        contact_id = index + 1
        first = choose(FIRST_NAMES)
        last = choose(LAST_NAMES)
        created_ms = SEED_EPOCH_MS + index * SEED_SPACING_MS
        handle = f"{first}.{last}".lower().replace(" ", "").replace("'", "")

        properties = {
            "firstname": first,
            "lastname": last,
            "email": f"{handle}{contact_id}@{choose(EMAIL_DOMAINS)}",
            "phone": f"+1 555 {rng.randrange(100, 1000)} {rng.randrange(1000, 10000)}",
            "company": choose(COMPANIES),
            "hs_lead_status": rng.choices(status_values, weights)[0],
        }
        yield contact_id, properties, created_ms
