"""The config reference: every field, its default and its rule, and what each
config file sets, as Markdown (the docs' configs page is built from it).

Example:
    >>> text = markdown(["configs/demo.py"])
"""

import importlib.util
import math
import os

from keras_sasrnet.train import rules
from keras_sasrnet.train.config import base


def rule_text(rule):
    """What a rule allows, in words."""
    if isinstance(rule, rules.Choice):
        return "one of " + ", ".join(f"`{v}`" for v in rule.values)
    if isinstance(rule, rules.Flag):
        return "True or False" + (" (or None)" if rule.none else "")
    if isinstance(rule, rules.Text):
        return "text (a path or a name)"
    kind = "integer" if rule.integer else "number"
    if rule.hi == math.inf:
        if rule.lo == -math.inf:
            return kind
        return f"{kind} {'>' if rule.open_lo else '>='} {rule.lo:g}"
    left, right = "(" if rule.open_lo else "[", ")" if rule.open_hi else "]"
    return f"{kind} in {left}{rule.lo:g}, {rule.hi:g}{right}"


def load(path, arg=None):
    """``get_config(arg)`` of the config file at ``path``."""
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(f"reference_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(arg) if arg else module.get_config()


def _cell(value):
    return f"`{value!r}`".replace("|", "\\|")


def markdown(config_files=()):
    """The fields table, then per config file the fields it changes."""
    defaults = dict(rules.leaves(base()))
    lines = ["## Every field", "", "| field | default | allowed |", "|---|---|---|"]
    for name in sorted(rules.RULES):
        lines.append(
            f"| `{name}` | {_cell(defaults.get(name))} | "
            f"{rule_text(rules.RULES[name])} |"
        )
    for path in config_files:
        c = load(path)
        changed = [
            (name, value)
            for name, value in rules.leaves(c)
            if name.split(".")[0] != "bench" and defaults.get(name, object()) != value
        ]
        lines += [
            "",
            f"## {os.path.basename(path)}",
            "",
            "| field | value |",
            "|---|---|",
            *[f"| `{n}` | {_cell(v)} |" for n, v in changed],
        ]
    return "\n".join(lines) + "\n"
