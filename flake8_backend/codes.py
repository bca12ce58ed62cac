"""The code table: which family owns which codes, and every rule's fixed pylint id.

A published code or pylint id never changes meaning, so neither is derived from
anything that can move: each shipped rule's pylint id is written here once.
`registry.register` refuses a rule whose code is not in its family's range, whose
name differs from the catalog's, or whose pylint id is missing or taken.
"""

from __future__ import annotations

from typing import NamedTuple


class Family(NamedTuple):
    """A concern with its own range of ten codes and its own folder under `rules/`."""

    prefix: str  # "BE00" owns BE000-BE009
    package: str  # the folder under flake8_backend/rules/
    title: str


FAMILIES = (
    Family("BE00", "data", "SQL and data access"),
    Family("BE01", "calls", "External calls, timeouts and async"),
    Family("BE02", "errors", "Error handling"),
    Family("BE03", "security", "Security"),
    Family("BE04", "observability", "Logging and observability"),
    Family("BE05", "routes", "API design and route handlers"),
    Family("BE06", "state", "Shared state and caching"),
)

# Every code of the product catalog (shared/CATALOG.md) with its name: a code is reserved
# for its concern even before the rule is built.
CATALOG = {
    "BE001": "sql-fstring", "BE002": "sql-string-building", "BE003": "select-star",
    "BE004": "query-in-loop", "BE005": "unbounded-query-in-handler",
    "BE006": "connection-per-request", "BE007": "foreign-key-without-index",
    "BE008": "irreversible-migration",
    "BE010": "blocking-call-in-async", "BE011": "sync-db-client-in-async",
    "BE012": "network-call-without-timeout", "BE013": "retry-without-backoff",
    "BE014": "requests-without-timeout", "BE015": "slow-work-in-request-handler",
    "BE020": "bare-except-handler", "BE021": "swallowed-exception",
    "BE022": "broad-except-swallowed", "BE023": "raise-without-from",
    "BE024": "generic-exception-raised", "BE025": "error-log-without-traceback",
    "BE026": "exception-detail-in-response", "BE027": "error-body-with-2xx-status",
    "BE030": "hardcoded-secret", "BE031": "weak-password-hash",
    "BE032": "tls-verification-disabled", "BE033": "plaintext-http-url",
    "BE034": "jwt-verification-disabled", "BE035": "jwt-without-expiry",
    "BE036": "debug-mode-enabled", "BE037": "credentials-in-connection-string",
    "BE038": "csrf-protection-disabled",
    "BE040": "print-in-service-code", "BE041": "sensitive-data-logged",
    "BE042": "eager-log-formatting", "BE043": "log-without-context",
    "BE050": "db-access-in-route-handler", "BE051": "rpc-verb-in-route-path",
    "BE052": "unsafe-get-handler", "BE053": "unvalidated-request-body",
    "BE054": "mass-assignment",
    "BE060": "mutable-global-state", "BE061": "cache-without-ttl",
}

# pylint message ids, one per catalog code: `73` + the code's last two digits, the letter
# pylint's category (E error, W warning, C convention), which must match the severity the
# rule ships with. An id is fixed forever once its rule ships; the ids of rules not built
# yet are reserved here so that rules built in parallel cannot collide.
PYLINT_IDS = {
    "BE001": "E7301", "BE002": "E7302", "BE003": "W7303", "BE004": "W7304", "BE005": "W7305",
    "BE006": "W7306", "BE007": "W7307", "BE008": "W7308", "BE010": "W7310", "BE011": "W7311",
    "BE012": "W7312", "BE013": "W7313", "BE014": "W7314", "BE015": "W7315", "BE020": "W7320",
    "BE021": "W7321", "BE022": "W7322", "BE023": "W7323", "BE024": "W7324", "BE025": "W7325",
    "BE026": "E7326", "BE027": "W7327", "BE030": "E7330", "BE031": "E7331", "BE032": "E7332",
    "BE033": "W7333", "BE034": "E7334", "BE035": "W7335", "BE036": "E7336", "BE037": "E7337",
    "BE038": "E7338", "BE040": "W7340", "BE041": "E7341", "BE042": "C7342", "BE043": "C7343",
    "BE050": "W7350", "BE051": "C7351", "BE052": "W7352", "BE053": "W7353", "BE054": "E7354",
    "BE060": "W7360", "BE061": "W7361",
}


def family_of(code: str) -> Family | None:
    """The family whose range holds `code`."""
    for family in FAMILIES:
        if code.startswith(family.prefix) and len(code) == len(family.prefix) + 1:
            return family
    return None


def alias_id(pylint_id: str) -> str:
    """The id under which pylint knows the BE code as an old name (`W7314` -> `I7314`)."""
    return "I" + pylint_id[1:]


def check_table() -> list[str]:
    """Inconsistencies of the table itself (a test asserts there are none)."""
    problems = []
    numbers = [pid[1:] for pid in PYLINT_IDS.values()]
    if len(numbers) != len(set(numbers)):
        problems.append("two codes share a pylint id number")
    for code, pid in PYLINT_IDS.items():
        if code not in CATALOG:
            problems.append(f"{code} has a pylint id but is not in the catalog")
        if pid[0] not in "EWC" or not pid[1:].isdigit() or not 51 <= int(pid[1:3]) <= 99:
            problems.append(f"{code}: malformed pylint id {pid}")
    for code in CATALOG:
        if family_of(code) is None:
            problems.append(f"{code} is in no family's range")
    return problems
