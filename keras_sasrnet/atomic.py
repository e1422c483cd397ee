"""Atomic file writes: a temp file in the same folder, then a rename.

A reader (or a resumed run) sees the old file or the new one, never half.
"""

import contextlib
import json
import os
import shutil
import tempfile

PARTIAL = ".partial"


@contextlib.contextmanager
def replacing(path, suffix=""):
    """Yields a temp path beside ``path``; renames it onto ``path`` on success.

    Example:
        >>> with replacing("model.keras", suffix=".keras") as tmp:
        ...     model.save(tmp)
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        # mkstemp makes 0600 files; the result gets the mode any new file
        # gets under the user's umask (0644 under 022), so that data sets
        # and models can be shared as usual.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _umask():
    mask = os.umask(0o022)  # reading the umask means setting it
    os.umask(mask)
    return mask


def write_text(path, text):
    """Writes ``text`` to ``path`` atomically."""
    with replacing(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)


def write_json(path, data):
    """Writes ``data`` as indented JSON to ``path`` atomically."""
    write_text(path, json.dumps(data, indent=1) + "\n")


def remove_stale(folder):
    """Deletes temp files a killed run left in ``folder``; returns their count."""
    stale = [n for n in os.listdir(folder) if n.startswith(".tmp-")]
    for name in stale:
        os.remove(os.path.join(folder, name))
    return len(stale)


def check_folder(folder):
    """Raises NotADirectoryError when ``folder`` exists as something else."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise NotADirectoryError(f"{folder} exists and is not a folder")


@contextlib.contextmanager
def staged_folder(folder):
    """Yields where to build output folder ``folder``; renamed there at the end.

    An existing ``folder`` (a finished output being rerun) is worked on in
    place. A new one is built as ``folder + ".partial"`` and renamed to
    ``folder`` when the body returns, so that a run stopped by bad input
    leaves no half-made ``folder``. If the body raises, the partial folder
    is deleted when this call created it; one left by an earlier, killed
    (or interrupted) run is kept, and the next run resumes in it.

    Example:
        >>> with staged_folder("boss256") as work:
        ...     convert_into(work)
    """
    check_folder(folder)
    if os.path.isdir(folder):
        yield folder
        return
    partial = os.path.normpath(folder) + PARTIAL
    check_folder(partial)
    created = not os.path.exists(partial)
    os.makedirs(partial, exist_ok=True)
    try:
        yield partial
    except Exception:
        if created:
            shutil.rmtree(partial, ignore_errors=True)
        raise
    os.replace(partial, folder)
