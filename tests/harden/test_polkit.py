"""The polkit rule, executed: the watchdog may stop the bot's unit and nothing else.

polkitd runs rules in an embedded JavaScript engine with a `polkit` object; here
node runs the same file with a minimal stand-in for that object (the rule uses
only addRule, Result.YES, action.id, action.lookup and subject.user).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from botguard.config import Config
from botguard.harden.polkit import render_polkit_rule

pytestmark = pytest.mark.host

HARNESS = """  // with -e, process.argv[1] is the first argument
const fs = require("fs");
const rules = [];
const polkit = { Result: { YES: "yes" }, addRule: (f) => rules.push(f) };
eval(fs.readFileSync(process.argv[1], "utf8"));
const cases = JSON.parse(process.argv[2]);
const out = cases.map(([id, unit, verb, user]) => {
  const action = { id, lookup: (k) => ({ unit, verb })[k] };
  return rules.map((r) => r(action, { user })).find((x) => x !== undefined) || "ask";
});
console.log(JSON.stringify(out));
"""


def test_only_stop_of_the_bot_by_the_watch_user_is_allowed(config: Config, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (used only to execute the polkit rule)")
    rule = tmp_path / "50-botguard-watch.rules"
    rule.write_text(render_polkit_rule(config, unit="gridbot.service"))
    manage = "org.freedesktop.systemd1.manage-units"
    cases = [
        [manage, "gridbot.service", "stop", "botguard"],
        [manage, "gridbot.service", "start", "botguard"],
        [manage, "gridbot.service", "stop", "gridbot"],
        [manage, "sshd.service", "stop", "botguard"],
        ["org.freedesktop.login1.reboot", "gridbot.service", "stop", "botguard"],
    ]
    proc = subprocess.run(
        [node, "-e", HARNESS, str(rule), json.dumps(cases)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert json.loads(proc.stdout) == ["yes", "ask", "ask", "ask", "ask"]
