"""The command reference: every binary's purpose and flags, from the binaries
(the top layer, beside them: it imports each one).

``markdown()`` imports each binary of ``keras_sasrnet.bin`` in turn (its
module defines its flags, absl's registry is emptied between binaries) and
writes what ``--help`` says: the module docstring and, per flag, its name,
default and help. The docs build calls it (``docs/hooks.py``), so the page
cannot drift from ``--help``.

Example:
    >>> text = markdown()  # "## sasrnet_prepare" ... "| `--src` | ..."
"""

import importlib
import pkgutil
import sys

from absl import app, flags


def binaries():
    """The binaries' names (``sasrnet_*`` modules of ``keras_sasrnet.bin``)."""
    import keras_sasrnet.bin

    return sorted(
        m.name
        for m in pkgutil.iter_modules(keras_sasrnet.bin.__path__)
        if m.name.startswith("sasrnet_")
    )


def forget_flags():
    """Removes every flag not defined by absl itself, so that the next binary
    imported defines its own."""
    app.define_help_flags()
    names = {
        flag.name
        for module, defined in flags.FLAGS.flags_by_module_dict().items()
        if not module.startswith("absl")
        for flag in defined
    }
    for name in names & set(flags.FLAGS):
        delattr(flags.FLAGS, name)
    flags.FLAGS.unparse_flags()


def binary_flags(binary):
    """(docstring, [(name, default, help)]) of ``binary``, sorted by name."""
    forget_flags()
    name = f"keras_sasrnet.bin.{binary}"
    sys.modules.pop(name, None)
    module = importlib.import_module(name)
    found = {}
    for owner, defined in flags.FLAGS.flags_by_module_dict().items():
        if owner.startswith("absl"):
            continue
        for flag in defined:
            found[flag.name] = (flag.name, flag.default_as_str, flag.help)
    return (module.__doc__ or "").strip(), [found[k] for k in sorted(found)]


def _escape(text):
    return text.replace("|", "\\|")


def markdown():
    """The reference page (Markdown): one section per binary."""
    lines = [
        "# Command reference",
        "",
        "Generated from the binaries when the docs are built (what `--help`",
        "prints); every command also takes absl's `--help`, `--helpfull` and",
        "`--flagfile`.",
        "",
    ]
    try:
        for binary in binaries():
            doc, rows = binary_flags(binary)
            lines += [f"## {binary}", "", "```text", doc, "```", ""]
            lines += ["| flag | default | what it does |", "|---|---|---|"]
            for name, default, text in rows:
                cell = _escape(" ".join(str(text).split()))
                value = "" if default in (None, "None") else _escape(f"`{default}`")
                lines.append(f"| `--{name}` | {value} | {cell} |")
            lines.append("")
    finally:
        forget_flags()
    return "\n".join(lines)
