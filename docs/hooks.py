"""MkDocs hooks: pages generated from the package when the docs are built.

``commands.md`` is the binaries' own ``--help`` (``cli.reference``) and
``configs.md`` ends with every config field, its default and its rule
(``train.rules``) and what each shipped config sets, so neither can drift.
"""

GENERATED = "<!-- generated -->"


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == "studies.md":
        import os

        return studies(os.path.dirname(config["config_file_path"]))
    if page.file.src_uri == "commands.md":
        from keras_sasrnet.bin import reference

        return reference.markdown()
    if page.file.src_uri == "configs.md" and GENERATED in markdown:
        import glob
        import os
        import sys

        from keras_sasrnet.train import config_reference

        root = os.path.dirname(config["config_file_path"])
        if root not in sys.path:  # configs/bench_cpu.py imports benchmarks/
            sys.path.insert(0, root)
        files = sorted(glob.glob(os.path.join(root, "configs", "*.py")))
        files = [f for f in files if not f.endswith("__init__.py")]
        return markdown.replace(GENERATED, config_reference.markdown(files))
    return markdown


def studies(root):
    """Every study's README (generated from its rows.json), one section each;
    figures become their paths (they live beside the rows, not in docs/)."""
    import glob
    import os
    import re

    parts = [
        "# Studies",
        "",
        "Each study under `benchmarks/` keeps its rows in `rows.json` and",
        "generates its README from them (`benchmarks/study.py`); this page is",
        "those READMEs, gathered when the docs are built. The first line of each",
        "says the command that made its rows.",
        "",
    ]
    for rows in sorted(glob.glob(os.path.join(root, "benchmarks", "*", "rows.json"))):
        folder = os.path.dirname(rows)
        name = os.path.basename(folder)
        with open(os.path.join(folder, "README.md")) as f:
            text = f.read()
        text = re.sub(r"^(#+) ", r"#\1 ", text, flags=re.M)  # one level down
        text = re.sub(
            r"!\[([^\]]*)\]\(([^)]+)\)",
            lambda m, name=name: f"(figure: `benchmarks/{name}/{m[2]}`)",
            text,
        )
        parts += [f"## benchmarks/{name}", "", text.strip(), ""]
    return "\n".join(parts)
