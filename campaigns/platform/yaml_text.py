"""YAML read from an operator or a pilot (attribution rules, territory, campaign files): every error is a French
`ValidationError` (the API answers 422) naming where it is, never a bare exception. A date YAML cannot build
(« 2026-02-30 ») is one: `yaml.safe_load` raises a plain `ValueError` for it."""

from __future__ import annotations

from typing import Any

import yaml

from campaigns.platform.errors import ValidationError


class _DateError(yaml.MarkedYAMLError):
    """A timestamp YAML recognised but no calendar has; carries its node to name its key."""

    def __init__(self, node: yaml.Node, reason: str) -> None:
        super().__init__(problem=reason, problem_mark=node.start_mark)
        self.node = node


class _Loader(yaml.SafeLoader):
    pass


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        raise _DateError(node, f"date impossible « {node.value} »") from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _key_of(root: yaml.Node | None, target: yaml.Node) -> str | None:
    """The mapping key whose value is `target` (by position), if any."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if value.start_mark.index == target.start_mark.index and isinstance(key, yaml.ScalarNode):
                    return str(key.value)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def read_yaml(text: str, *, source: str) -> Any:
    """The document `text` holds; `source` names it in errors (« règles », « territoire »…)."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass: safe tags only
    except _DateError as exc:
        mark = exc.problem_mark
        key = _key_of(yaml.compose(text, Loader=yaml.SafeLoader), exc.node)
        field = f"champ « {key} », " if key else ""
        where = f"ligne {mark.line + 1}, colonne {mark.column + 1}" if mark is not None else "position inconnue"
        raise ValidationError(f"{source}, {field}{where} : {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"YAML illisible : {exc}") from None
    except ValueError as exc:  # any other value YAML cannot build
        raise ValidationError(f"{source} : valeur impossible : {exc}") from None
