"""The DSF deadline chain (docs/domain.md §6) in jours ouvrés, the public holidays of the household's territory
excluded (Alsace-Moselle, overseas départements: campaigns/locale/clock.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from campaigns.locale.clock import add_working_days, is_working_day

# Notice DSF [002 L1227–1263]: each delay is in jours ouvrés.
FIRST_CONTACT_DAYS = 15  # interview offer within 15 working days of the State's signalement [L1229]
SECOND_OFFER_DAYS = 15  # no answer 15 working days before the hearing: offer a new interview [L1233]
CCAPEX_DAYS = 10  # contact the CCAPEX at least 10 working days before the hearing [L1237]
TRANSMISSION_DAYS = 5  # DSF to the judge and the CCAPEX at the latest 5 working days before [L1263]


@dataclass(frozen=True)
class DsfDeadlines:
    """Due dates (the last day allowed); the hearing-bound ones are None until a hearing date is known."""

    first_contact_due: date
    second_offer_due: date | None
    ccapex_request_due: date | None
    transmission_due: date | None
    warnings: tuple[str, ...] = ()


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def dsf_deadlines(received: date, hearing: date | None, territory: str | None = None) -> DsfDeadlines:
    """Deadlines from the day the signalement was received, in the working days of `territory` (the household's
    département code); warnings (in French) when the hearing is too close."""
    first_contact = add_working_days(received, FIRST_CONTACT_DAYS, territory)
    if hearing is None:
        return DsfDeadlines(first_contact, None, None, None)
    second_offer = add_working_days(hearing, -SECOND_OFFER_DAYS, territory)
    ccapex = add_working_days(hearing, -CCAPEX_DAYS, territory)
    transmission = add_working_days(hearing, -TRANSMISSION_DAYS, territory)

    warnings: list[str] = []
    if not is_working_day(hearing, territory):
        # Counting back from a weekend or a holiday shifts every deadline: the date is probably mistyped.
        warnings.append(f"l'audience du {_fr(hearing)} tombe un jour non ouvré : vérifiez la date")
    past = [
        (label, due)
        for label, due in (
            ("seconde proposition d'entretien", second_offer),
            ("demande à la CCAPEX", ccapex),
            ("transmission du DSF au juge et à la CCAPEX", transmission),
        )
        if due < received
    ]
    warnings += [
        f"{label} : échéance du {_fr(due)} déjà dépassée à la réception du signalement ({_fr(received)})"
        for label, due in past
    ]
    if second_offer < first_contact and not past:
        warnings.append(
            f"audience trop proche : la seconde proposition d'entretien (au plus tard le {_fr(second_offer)}) "
            f"tombe avant l'échéance du premier contact ({_fr(first_contact)}) ; proposez l'entretien sans attendre"
        )
    return DsfDeadlines(first_contact, second_offer, ccapex, transmission, tuple(warnings))
