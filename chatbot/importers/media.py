"""Files an export keeps beside itself (DiscordChatExporter ``--media``: ``<export>_Files/``).

DiscordChatExporter writes each downloaded file's path relative to the export's folder in place of
its URL (with the exporting system's separator: ``general.json_Files\\photo-662EF.png`` from
Windows), or an absolute path when the media folder lies elsewhere. Only a relative path that stays
inside the export's folder, through no symbolic link, to a regular file is taken: the recap copies
what is named here into its own folder, so nothing else on the machine may be named.
"""

from __future__ import annotations

import re
from pathlib import Path

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # http:, file:, C: (a Windows drive)


def local_file(export: Path, address: str) -> str:
    """The absolute path of the file ``address`` names beside ``export``, or "" when it names none
    there: a URL, an absolute path, a way out of the export's folder (``..``, a symbolic link), or
    a file that is not there."""
    if not address or _SCHEME.match(address) or "\x00" in address:
        return ""
    rel = address.replace("\\", "/")
    if rel.startswith("/"):
        return ""
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return ""
    try:
        base = export.parent.resolve(strict=True)
        target = base.joinpath(*parts)
        # resolve() follows every link: any in the path between the folder and the file shows here
        if target.resolve(strict=True) != target or not target.is_file():
            return ""
    except (OSError, RuntimeError, ValueError):  # missing, a link loop, a name the system refuses
        return ""
    return str(target)
