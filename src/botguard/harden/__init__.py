"""botguard.harden: deployment files for the bot, and the `botguard run` gate.

`bundle.build_bundle(config)` renders every file (systemd units, sshd drop-in,
nftables ruleset, unattended-upgrades settings, README) as values; `apply`
writes them to their targets only after showing a diff; `validate` runs the
real tools (systemd-analyze, sshd, nft) on them; `gate` and `runner` are the
pre-flight gate and child supervisor behind `botguard run`.
"""
