"""The French summary printed at the end of `chaine demo`."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.locale.labels import plural
from campaigns.models import Case, Dispatch, Household, HumanTask, Partner, Response

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def _day(moment: datetime) -> str:
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {_MONTHS[moment.month - 1]} {moment.year}"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "—"


def summary(session: Session, data_dir: Path, *, days: int, start: datetime, ddets_key: str) -> str:
    households = session.scalar(select(func.count(Household.id))) or 0
    cases = session.scalar(select(func.count(Case.id))) or 0
    status = Counter(session.execute(select(Dispatch.channel, Dispatch.status, Dispatch.reason)).all())
    sent = Counter({ch: n for (ch, st, _r), n in status.items() if st == "delivered"})
    skipped = sum(n for (_c, st, _r), n in status.items() if st == "skipped")
    cancelled = Counter({r: n for (_c, st, r), n in status.items() if st == "cancelled"})
    tasks = Counter(session.scalars(select(HumanTask.kind)).all())
    responders = set(session.scalars(select(Response.household_id)).all())
    contacted = set(session.scalars(select(Dispatch.household_id).where(Dispatch.status == "delivered")).all())
    owners = defaultdict(set)
    for partner, household_id in session.execute(
        select(Partner.name, Case.household_id).join(Partner, Partner.id == Case.partner_id)
        .where(Partner.kind == "bailleur_social")
    ):
        owners[partner].add(household_id)
    per_household = Counter(session.execute(
        select(Dispatch.household_id, Dispatch.channel).where(Dispatch.status == "delivered")).all())
    end = start + timedelta(days=days - 1)
    lines = [
        f"Démonstration chaîne — Loire-Atlantique, {plural(days, 'jour simulé', 'jours simulés')} "
        f"(du {_day(start)} au {_day(end)})",
        "",
        f"Ménages : {households}, à partir de {plural(cases, 'signalement', 'signalements')} "
        f"({cases - households} reçus de deux partenaires et rapprochés)",
        f"Courriers envoyés : {sent['courrier']} (PDF dans {data_dir / 'outbox' / 'courrier'})",
        f"SMS envoyés : {sent['sms']} ; e-mails : {sent['email']}",
        f"Tâches d'appel créées : {tasks['appel']} ; tâches de visite : {tasks['visite']}",
        f"Étapes sautées faute de coordonnées : {skipped}",
        f"Ménages ayant répondu : {len(responders & contacted)} sur {len(contacted)} contactés "
        f"({_pct(len(responders & contacted), len(contacted))})",
        f"Contacts annulés : {cancelled['responded'] + cancelled['responded_other_campaign']} après une réponse, "
        f"{cancelled['stage_changed']} après un changement de stade, {cancelled['closed']} après une clôture",
        "",
        f"{'Bailleur':<28}{'ménages':>9}{'courriers':>11}{'SMS':>6}{'appels':>8}{'visites':>9}{'réponses':>10}",
    ]
    for partner in sorted(owners):
        ids = owners[partner]
        count = {ch: sum(n for (h, c), n in per_household.items() if c == ch and h in ids)
                 for ch in ("courrier", "sms", "appel", "visite")}
        lines.append(
            f"{partner:<28}{len(ids):>9}{count['courrier']:>11}{count['sms']:>6}{count['appel']:>8}"
            f"{count['visite']:>9}{len(ids & responders):>10}"
        )
    private = set(session.scalars(select(Case.household_id).where(Case.parc == "prive")).all())
    lines.append(f"{'Parc privé (via la DDETS)':<28}{len(private):>9}"
                 + "".join(f"{sum(n for (h, c), n in per_household.items() if c == ch and h in private):>{w}}"
                           for ch, w in (("courrier", 11), ("sms", 6), ("appel", 8), ("visite", 9)))
                 + f"{len(private & responders):>10}")
    lines += [
        "",
        "Pour explorer l'API sur ces données :",
        f"  CHAINE_DATA_DIR={data_dir} chaine serveur   puis http://127.0.0.1:8000/docs",
        "Clé d'API de la DDETS (en-tête « Authorization: Bearer … ») :",
        ddets_key,
    ]
    return "\n".join(lines)
