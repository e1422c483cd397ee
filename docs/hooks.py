"""MkDocs hooks: pages generated from the package when the docs are built.

``commands.md`` is the binaries' own ``--help`` (``cli.reference``) and
``configs.md`` ends with every config field, its default and its rule
(``train.rules``) and what each shipped config sets, so neither can drift.
"""

GENERATED = "<!-- generated -->"


def on_page_markdown(markdown, page, config, files):
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
