"""The data directory is readable only by the app's user: patients' records, the reference
databases of the production snapshot, the storage secret and the session files (0600 for
files, 0700 for folders). A workstation in a crisis is shared; its other accounts see nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700
# Every file the process creates from now on is private (DuckDB, NiceGUI's session files,
# the exports written to the data directory).
PRIVATE_UMASK = 0o077


def make_private(data_dir: Path) -> None:
    """Set the private umask and tighten what already exists in `data_dir` (an installation
    made before, or files copied in)."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    for folder, subfolders, files in os.walk(data_dir):
        _chmod(Path(folder), FOLDER_MODE)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                _chmod(path, FILE_MODE)
        subfolders[:] = [s for s in subfolders if not (Path(folder) / s).is_symlink()]


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except OSError:
        pass  # a file we do not own: the store's own files are ours, and those matter
