"""Interface words that templates show from data (statuses, roles, verdicts, evidence kinds).

Listed here with ``N_`` so ``pybabel extract`` puts them in the ``review`` catalog; templates
translate them with ``_(value)``.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, don't translate"
    return message


STATUSES = (N_("new"), N_("assigned"), N_("in_review"), N_("confirmed"), N_("not_campaign"),
            N_("needs_info"), N_("escalated"), N_("open"), N_("done"), N_("reassigned"))
ROLES = (N_("reservist"), N_("coordinator"), N_("communication"), N_("admin"))
EVIDENCE = (N_("copy_paste"), N_("rewording"), N_("translation"), N_("synchrony"), N_("burst"),
            N_("co_publication"), N_("lookalike_domain"), N_("new_source"), N_("watchlist"),
            N_("syndication"))
RESPONSES = (N_("Detect"), N_("Deny"), N_("Disrupt"), N_("Degrade"), N_("Deceive"),
             N_("Destroy"), N_("Deter"), N_("Prebunk"), N_("Debunk"), N_("Notify the platform"),
             N_("Brief the embassy"))
