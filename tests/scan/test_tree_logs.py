"""Working trees (ignored files marked) and logs (wrapped, truncated, rotated, gzipped)."""

from __future__ import annotations

import gzip
from pathlib import Path
from urllib.parse import quote

from botguard.scan import scan_logs, scan_tree
from botguard.secrets.secret import Secret

from .conftest import KEY, KEY_REF, SECRET, SECRET_REF, Commit


def test_ignored_env_is_reported_and_marked_ignored(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    commit({".gitignore": ".env\n", "bot.py": "import os\n"})
    (repo / ".env").write_text(f"EX_API_KEY={KEY}\n")
    (repo / "notes.txt").write_text(f"remember {SECRET}\n")

    leaks = {(x.location, x.secret_ref): x for x in scan_tree(repo, secrets)}

    assert leaks[(".env", KEY_REF)].ignored is True
    assert leaks[("notes.txt", SECRET_REF)].ignored is False


def test_tracked_file_matching_gitignore_is_not_marked_ignored(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    commit({"config.env": f"K={KEY}\n"})
    commit({".gitignore": "*.env\n"})
    [leak] = scan_tree(repo, secrets)
    assert (leak.location, leak.ignored) == ("config.env", False)


def test_symlinks_are_not_followed_out_of_the_tree(tmp_path: Path, secrets: list[Secret]) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(f"{KEY}\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.txt").symlink_to(outside)
    assert scan_tree(tree, secrets) == []


def test_tree_scan_skips_the_git_directory(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    commit({"a.txt": f"{KEY}\n"})
    commit({"a.txt": "gone\n"})
    assert scan_tree(repo, secrets) == []


def test_url_encoded_and_json_escaped_values(tmp_path: Path) -> None:
    value = 'p@ss/w0rd+with"quote&more'
    secret = Secret("env:PW", value, register=False)
    (tmp_path / "req.log").write_text(f"GET /x?sig={quote(value, safe='')}\n")
    (tmp_path / "c.json").write_text('{"pw": "p@ss\\/w0rd+with\\"quote&more"}\n')

    got = {(x.location, x.encoding) for x in scan_tree(tmp_path, [secret], patterns=False)}

    assert got == {("req.log", "url"), ("c.json", "json")}


def test_value_split_across_a_wrapped_log_line(tmp_path: Path, secrets: list[Secret]) -> None:
    log = tmp_path / "bot.log"
    log.write_text(
        "2024-05-01 INFO starting\n"
        f"2024-05-01 DEBUG headers={{'X-MBX-APIKEY': '{KEY[:20]}\n"
        f"    {KEY[20:]}'}}\n"
        "2024-05-01 INFO done\n"
    )

    leaks = scan_logs([str(log)], secrets)

    assert [(x.line, x.secret_ref, x.encoding) for x in leaks] == [(2, KEY_REF, "raw")]


def test_truncated_prefix_in_a_log(tmp_path: Path, secrets: list[Secret]) -> None:
    (tmp_path / "bot.log").write_text(f"auth failed for key {SECRET[:14]}...\n")

    [leak] = scan_logs([str(tmp_path / "*.log")], secrets, min_prefix=12)

    assert (leak.secret_ref, leak.encoding, leak.confidence) == (SECRET_REF, "prefix", "high")


def test_short_prefix_below_the_minimum_is_not_a_leak(
    tmp_path: Path, secrets: list[Secret]
) -> None:
    (tmp_path / "bot.log").write_text(f"key {SECRET[:10]}\n")
    assert scan_logs([str(tmp_path / "bot.log")], secrets, min_prefix=12) == []


def test_gzipped_rotated_log_is_found_from_the_live_glob(
    tmp_path: Path, secrets: list[Secret]
) -> None:
    (tmp_path / "bot.log").write_text("all quiet\n")
    with gzip.open(tmp_path / "bot.log.3.gz", "wt") as fh:
        fh.write("line one\n" * 5 + f"signed with secret={SECRET}\n")

    leaks = scan_logs([str(tmp_path / "bot.log")], secrets)

    assert [(Path(x.location).name, x.line) for x in leaks] == [("bot.log.3.gz", 6)]


def test_untracked_tree_outside_git_is_scanned(tmp_path: Path, secrets: list[Secret]) -> None:
    (tmp_path / "x.cfg").write_text(f"k={KEY}\n")
    [leak] = scan_tree(tmp_path, secrets, patterns=False)
    assert (leak.location, leak.ignored) == ("x.cfg", False)


def test_one_leak_per_line_keeps_the_most_certain_form(
    tmp_path: Path, secrets: list[Secret]
) -> None:
    from botguard.scan.run import ScanRequest, run_scan

    (tmp_path / "bot.log").write_text(f"auth {SECRET[:14]}... retried with {SECRET}\n")
    request = ScanRequest(paths=(tmp_path,), log_globs=(str(tmp_path / "bot.log"),))

    leaks = run_scan(request, secrets)

    assert [(x.location, x.line, x.encoding, x.confidence) for x in leaks] == [
        ("bot.log", 1, "raw", "certain")
    ]
