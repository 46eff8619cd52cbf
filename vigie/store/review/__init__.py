"""SQL of the review desk, one module per concern.

``people``: reservists, sessions, login attempts, audit log. ``cases``: cases, assignments,
decisions, queues and search. ``casefile``: the read model of one case page (narrative,
items, evidence, sources and their groups).
"""

from vigie.store.review import casefile, cases, people

__all__ = ["casefile", "cases", "people"]
