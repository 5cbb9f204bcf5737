"""Find the bot's secrets wherever they escaped: files, git history, logs, host.

Known values (from the config's secret references) are matched exactly in many
encodings; unknown exchange credentials are found by patterns. A Leak never
holds the value: only where, which reference or rule, and a masked preview.
"""

from __future__ import annotations

from botguard.scan.history import scan_git_history, scan_staged
from botguard.scan.host import scan_host
from botguard.scan.logs import scan_logs
from botguard.scan.model import Leak
from botguard.scan.tree import scan_tree

__all__ = ["Leak", "scan_git_history", "scan_host", "scan_logs", "scan_staged", "scan_tree"]
