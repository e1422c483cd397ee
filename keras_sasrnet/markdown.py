"""Markdown tables: the one helper every report and benchmark table uses."""


def table(header, rows):
    """A Markdown table: the header, a rule, one line per row of cells.

    Example:
        >>> print(table(["model", "accuracy"], [["full", "91.41 %"]]))
        | model | accuracy |
        |---|---|
        | full | 91.41 % |
    """
    lines = [_line(header), "|" + "---|" * len(header)]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row of {len(row)} cells under {len(header)} columns")
        lines.append(_line(row))
    return "\n".join(lines)


def _line(cells):
    return "| " + " | ".join(str(c) for c in cells) + " |"
