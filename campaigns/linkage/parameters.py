"""Linkage parameters: m and u probabilities per comparison level, name frequencies, prior and thresholds.

Fellegi–Sunter: a level weighs log2(m/u), m = P(level | same household), u = P(level | two records taken at random).
Both are estimated from the data (campaigns/linkage/training.py), never set by hand: u from random pairs, m by
expectation–maximisation over blocked pairs, as splink does. An exact name weighs log2(m / frequency of that name)
when the name is common (Martin, Nguyen, Diallo weigh less than a rare name), never more than the level's average.
A missing value weighs 0. The total weight plus the prior log-odds gives the match probability.

The shipped defaults (default_parameters.json) were trained offline by bench/train_linkage.py; an operator retrains
on the live base with `chaine rapprochement entrainer` and activates a version (campaigns/linkage/versions.py).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from campaigns.linkage.levels import LEVELS

DEFAULTS_PATH = Path(__file__).with_name("default_parameters.json")
_FLOOR = 1e-6  # no probability is taken as 0: a level never seen in training still has a finite weight
TF_FIELDS = ("nom", "prenom")


@dataclass(frozen=True)
class Parameters:
    """One version of the linkage parameters (JSON-serialisable: `to_json` / `from_json`)."""

    version: str
    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    prior: float  # P(same household) for a blocked pair
    match_probability: float = 0.99  # at or above: linked
    review_probability: float = 0.5  # at or above (and below match): a pilot reviews the pair
    tf: dict[str, dict[str, float]] = field(default_factory=dict)  # field -> common name -> frequency
    trained: dict[str, Any] = field(default_factory=dict)  # how and on what (rows, pairs, iterations, date)

    @cached_property
    def weights(self) -> dict[str, dict[str, float]]:
        return {name: {level: math.log2(max(self.m[name].get(level, 0.0), _FLOOR)
                                        / max(self.u[name].get(level, 0.0), _FLOOR)) for level in levels}
                for name, levels in LEVELS.items()}

    @cached_property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    @cached_property
    def match_weight(self) -> float:
        """Total weight (prior included) at which a pair is linked."""
        return _logit2(self.match_probability)

    @cached_property
    def review_weight(self) -> float:
        return _logit2(self.review_probability)

    def weight(self, name: str, level: str | None, value: str = "") -> float:
        """Weight of one field's level; an exact name is adjusted for its frequency (common names weigh less)."""
        if level is None:
            return 0.0
        weight = self.weights[name][level]
        if level == "exact" and value and name in self.tf:
            frequency = self.tf[name].get(value)
            if frequency is not None:
                weight = min(weight, math.log2(max(self.m[name]["exact"], _FLOOR) / frequency))
        return weight

    @staticmethod
    def probability(total_weight: float) -> float:
        """Match probability of a total weight (prior included)."""
        return 1.0 / (1.0 + math.pow(2.0, -max(min(total_weight, 60.0), -60.0)))

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "prior": self.prior, "match_probability": self.match_probability,
                "review_probability": self.review_probability, "m": self.m, "u": self.u, "tf": self.tf,
                "trained": self.trained}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Parameters:
        for name, levels in LEVELS.items():
            for table in ("m", "u"):
                missing = set(levels) - set(data[table].get(name, {}))
                if missing:
                    raise ValueError(f"paramètres incomplets : {table}[{name}] sans {sorted(missing)}")
        return cls(version=str(data["version"]), m=data["m"], u=data["u"], prior=float(data["prior"]),
                   match_probability=float(data.get("match_probability", 0.99)),
                   review_probability=float(data.get("review_probability", 0.5)), tf=data.get("tf", {}),
                   trained=data.get("trained", {}))


def _logit2(probability: float) -> float:
    return math.log2(probability / (1 - probability))


@lru_cache(maxsize=1)
def defaults() -> Parameters:
    """The parameters shipped with the code (trained offline, committed)."""
    return Parameters.from_json(json.loads(DEFAULTS_PATH.read_text(encoding="utf-8")))
