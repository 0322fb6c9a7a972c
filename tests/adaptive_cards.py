"""A validator for the Adaptive Card elements chatops sends, encoding the rules of the Adaptive
Card schema (adaptivecards.io) for each: allowed and required properties, enumerations, and the
schema version each element or property first appeared in, checked against the card's own
declared version. Anything not listed here is refused, so a new element must be added knowingly.
"""

from __future__ import annotations

from typing import Any

SPACING = {"default", "none", "small", "medium", "large", "extraLarge", "padding"}
COMMON = {
    "id": "1.0",
    "spacing": "1.0",
    "separator": "1.0",
    "isVisible": "1.2",
    "height": "1.1",
    "requires": "1.2",
    "fallback": "1.2",
}
ELEMENTS: dict[str, dict[str, Any]] = {
    "TextBlock": {
        "since": "1.0",
        "required": {"text"},
        "props": {
            "text": "1.0",
            "color": "1.0",
            "fontType": "1.2",
            "horizontalAlignment": "1.0",
            "isSubtle": "1.0",
            "maxLines": "1.0",
            "size": "1.0",
            "weight": "1.0",
            "wrap": "1.0",
            "style": "1.5",
        },
        "enums": {
            "size": {"default", "small", "medium", "large", "extraLarge"},
            "weight": {"default", "lighter", "bolder"},
            "style": {"default", "heading"},
            "color": {"default", "dark", "light", "accent", "good", "warning", "attention"},
        },
    },
    "Container": {
        "since": "1.0",
        "required": {"items"},
        "props": {
            "items": "1.0",
            "selectAction": "1.1",
            "style": "1.0",
            "verticalContentAlignment": "1.1",
            "bleed": "1.2",
            "backgroundImage": "1.2",
            "minHeight": "1.2",
            "rtl": "1.5",
        },
        "enums": {"style": {"default", "emphasis", "good", "attention", "warning", "accent"}},
    },
    "ActionSet": {"since": "1.2", "required": {"actions"}, "props": {"actions": "1.2"}, "enums": {}},
    "FactSet": {"since": "1.0", "required": {"facts"}, "props": {"facts": "1.0"}, "enums": {}},
    "Input.ChoiceSet": {
        "since": "1.0",
        "required": {"id", "choices"},
        "props": {
            "choices": "1.0",
            "isMultiSelect": "1.0",
            "style": "1.0",
            "value": "1.0",
            "placeholder": "1.2",
            "wrap": "1.2",
            "isRequired": "1.3",
            "errorMessage": "1.3",
            "label": "1.3",
        },
        "enums": {"style": {"compact", "expanded", "filtered"}},
    },
}
ACTIONS: dict[str, dict[str, Any]] = {
    "Action.Submit": {
        "since": "1.0",
        "required": set(),
        "props": {
            "title": "1.0",
            "data": "1.0",
            "id": "1.0",
            "iconUrl": "1.1",
            "style": "1.2",
            "associatedInputs": "1.3",
            "tooltip": "1.5",
            "isEnabled": "1.5",
            "mode": "1.5",
        },
    },
    "Action.ToggleVisibility": {
        "since": "1.2",
        "required": {"targetElements"},
        "props": {"title": "1.2", "targetElements": "1.2", "id": "1.2", "tooltip": "1.5", "isEnabled": "1.5"},
    },
}
CARD = {
    "type",
    "version",
    "$schema",
    "body",
    "actions",
    "fallbackText",
    "speak",
    "lang",
    "selectAction",
    "minHeight",
    "verticalContentAlignment",
    "backgroundImage",
    "rtl",
    "msteams",
}


def _v(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def validate_card(card: dict[str, Any]) -> None:
    problems: list[str] = []
    if card.get("type") != "AdaptiveCard":
        problems.append("type must be AdaptiveCard")
    version = str(card.get("version", ""))
    if not version or not all(p.isdigit() for p in version.split(".")):
        raise AssertionError("a top-level card needs a version")
    if _v(version) > (1, 5):
        problems.append(f"version {version} is newer than Teams supports (1.5)")
    problems += [f"card: unknown property {k}" for k in card if k not in CARD]
    for element in card.get("body", []):
        _element(element, version, "body", problems)
    for action in card.get("actions", []):
        _action(action, version, "actions", problems)
    if problems:
        raise AssertionError("; ".join(problems))


def _element(element: dict[str, Any], version: str, where: str, problems: list[str]) -> None:
    kind = element.get("type")
    rules = ELEMENTS.get(str(kind))
    if rules is None:
        problems.append(f"{where}: element type {kind!r} is not allowed")
        return
    if _v(rules["since"]) > _v(version):
        problems.append(f"{where}: {kind} needs version {rules['since']}")
    allowed = {**COMMON, **rules["props"], "type": "1.0"}
    for key, value in element.items():
        if key not in allowed:
            problems.append(f"{where}: {kind} has unknown property {key}")
        elif _v(allowed[key]) > _v(version):
            problems.append(f"{where}: {kind}.{key} needs version {allowed[key]}")
        # the schema's enumerations are case-insensitive ("Medium" and "medium" both valid)
        if key in rules["enums"] and str(value).lower() not in {e.lower() for e in rules["enums"][key]}:
            problems.append(f"{where}: {kind}.{key} = {value!r} is not allowed")
        if key == "spacing" and str(value).lower() not in {s.lower() for s in SPACING}:
            problems.append(f"{where}: spacing {value!r} is not allowed")
    for key in rules["required"]:
        if key not in element:
            problems.append(f"{where}: {kind} needs {key}")
    if kind == "TextBlock" and not isinstance(element.get("text"), str):
        problems.append(f"{where}: TextBlock.text must be a string")
    if kind == "FactSet" and not all(set(f) == {"title", "value"} for f in element.get("facts", [])):
        problems.append(f"{where}: a fact has a title and a value, nothing else")
    if kind == "Input.ChoiceSet" and not all(set(c) == {"title", "value"} for c in element.get("choices", [])):
        problems.append(f"{where}: a choice has a title and a value, nothing else")
    if "selectAction" in element:
        _action(element["selectAction"], version, f"{where}.{kind}.selectAction", problems)
    for child in element.get("items", []):
        _element(child, version, f"{where}.{kind}", problems)
    for action in element.get("actions", []):
        _action(action, version, f"{where}.{kind}", problems)


def _action(action: dict[str, Any], version: str, where: str, problems: list[str]) -> None:
    kind = action.get("type")
    rules = ACTIONS.get(str(kind))
    if rules is None:
        problems.append(f"{where}: action type {kind!r} is not allowed")
        return
    if _v(rules["since"]) > _v(version):
        problems.append(f"{where}: {kind} needs version {rules['since']}")
    for key in rules["required"]:
        if key not in action:
            problems.append(f"{where}: {kind} needs {key}")
    allowed = {**rules["props"], "type": "1.0"}
    for key in action:
        if key not in allowed:
            problems.append(f"{where}: {kind} has unknown property {key}")
        elif _v(allowed[key]) > _v(version):
            problems.append(f"{where}: {kind}.{key} needs version {allowed[key]}")
    if "data" in action and not isinstance(action["data"], (str, dict)):
        problems.append(f"{where}: {kind}.data must be a string or an object")
