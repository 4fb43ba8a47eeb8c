"""The light check before anything personal shows (docs/web.md, « Le lien de réponse »): the reference printed on
the letter, or the birth year of the tenant or co-tenant. Attempts are limited per link (kept in the database, so
every process counts them) and per client address (campaigns/answers/limits.py)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.models import AnswerLink, Case

# Wrong answers a link takes before it locks itself: the household is then asked to call instead.
MAX_FAILED_CHECKS = 5
_YEAR_RE = re.compile(r"^(19|20)\d\d$")


def _folded(text: str) -> str:
    """Case, accents, spaces and punctuation do not matter: « dos-2026 00042 » is DOS202600042."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum()).upper()


def is_locked(link: AnswerLink) -> bool:
    return link.failed_checks >= MAX_FAILED_CHECKS


def check_answer(session: Session, link: AnswerLink, given: str, *, now: datetime) -> bool:
    """True when `given` is the letter's reference or a birth year of the case; a wrong answer is counted.

    A locked link answers False whatever is given. `now` is kept for the audit trail of the caller."""
    del now
    if is_locked(link):
        return False
    case = session.get_one(Case, link.case_id)
    answer = given.strip()
    right = False
    if _YEAR_RE.match(answer):
        years = {born.year for born in (case.date_naissance, case.date_naissance_cotitulaire) if born}
        right = int(answer) in years
    elif answer:
        right = _folded(answer) == _folded(case.reference)
    if not right:
        link.failed_checks += 1
        session.flush()
    return right
