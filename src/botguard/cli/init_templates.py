"""The files `botguard init` writes: a commented botguard.toml and a .env template."""

from __future__ import annotations

CONFIG_TEMPLATE = """\
# botguard.toml: what botguard protects and how. Every key is listed; commented
# lines show optional keys with their defaults. Secrets are REFERENCES, never values:
#   env:NAME                 environment variable
#   dotenv:PATH#NAME         a key in a dotenv file (chmod 600)
#   file:PATH                a whole file (chmod 600)
#   systemd:NAME             systemd credential ($CREDENTIALS_DIRECTORY, systemd-creds)
#   keyring:SERVICE/NAME     the OS keyring           (pip install botguard[keyring])
#   vault:MOUNT/PATH#FIELD   HashiCorp Vault KV v2    (pip install botguard[vault])
# Check them with `botguard secrets check`. Relative paths are relative to this file.

[bot]
name = "mybot"                    # letters, digits, _ . @ -
# workdir = "/opt/mybot"          # the bot's source tree (scanned for leaks)
# user = "mybot"                  # unix user the bot runs as (never root)
# service = "mybot.service"       # systemd unit that kill stops
# pidfile = "/run/mybot.pid"      # or a pid file to signal when there is no unit
# command = ["/opt/mybot/.venv/bin/python", "bot.py"]   # how to start the bot
# logs = ["/var/log/mybot/*.log"] # globs of the bot's logs (rotated/gzipped too)
# heartbeat = "/run/mybot/heartbeat"   # touched by the bot; watch trips when stale
# client_id_prefix = "bg"         # prefix of the guarded bot's client order ids
# client_id_prefixes = ["x-TKT5PX2F", "x-cvBPrNm9"]   # more: ccxt's Binance broker ids
# framework = "freqtrade"         # a bot framework botguard audits (its API, its config)
# framework_config = ["config.json"]   # its config files, in the order it reads them
# secrets = []                    # more references run hands the bot, e.g. a framework's
#                                 # "dotenv:.env#FREQTRADE__TELEGRAM__TOKEN" (as that variable)

[state]
dir = "state"                     # journal, halt flag, caches (default /var/lib/botguard)

[[account]]
name = "main"
exchange = "binance"              # ccxt exchange id
api_key = "dotenv:.env#EX_API_KEY"     # create the key trade-only: no withdrawals, IP whitelist
secret = "dotenv:.env#EX_API_SECRET"   # read from the .env beside this file (or "env:NAME")
# password = "dotenv:.env#EX_PASSPHRASE"   # passphrase (OKX, KuCoin, Bitget)
# uid = "env:EX_UID"              # exchanges that need a uid
# private_key = "env:EX_PRIVATE_KEY"    # wallet key (Hyperliquid agent wallet)
# wallet_address = "0x..."        # public address, not a secret
markets = ["spot"]                # what kill cancels and flattens: spot, swap, future
quote = "USDT"                    # kill sells into this
keep = []                         # assets kill never sells, e.g. ["BNB"]
# flatten = "all"                 # "bot": sell/close only what the bot's open trades hold
# base_url = "http://127.0.0.1:8899"   # route every call to `botguard sim`
# sandbox = false                 # the exchange's testnet

[kill]
# deadline_s = 30.0               # time to cancel, flatten and verify
# grace_s = 10.0                  # SIGTERM -> SIGKILL when stopping the bot by pid
# flatten = true                  # sell positions and balances into quote

[guard]                           # amounts in the account's quote currency
# symbols = []                    # allowed symbols; empty allows all
# max_order_notional = "1000"
# max_position_notional = "5000"
# max_total_notional = "10000"
# max_open_orders = 50
# max_orders_per_second = 5
# max_orders_per_minute = 120
# price_band_pct = 5              # reject orders this far from the last price
# max_daily_loss = "500"
# trip_after_breaches = 3         # breaches within a minute that trip kill
# max_drawdown_pct = 20           # watch: trip on this drawdown from the peak
# poll_s = 5.0
# heartbeat_max_age_s = 120.0
# max_auth_errors = 3
# dead_man_s = 60.0               # exchange cancel-all-after timer

[alerts]
# urls = ["env:BOTGUARD_ALERT_URL"]    # apprise URLs (they hold tokens: references)

[scan]
# min_prefix = 12                 # a secret's prefix this long counts as a leak
# exclude = []                    # globs the leak scan skips

[harden]
# ssh_allow = []                  # networks allowed to reach SSH, e.g. ["203.0.113.0/24"]
# ssh_port = 22
# ssh_users = []                  # AllowUsers
# egress_tcp_ports = [443]        # outbound ports (add 9443 for Binance websockets)
# watch_user = "botguard"         # the watchdog's user (not the bot's)
# memory_deny_write_execute = true
# botguard = "/usr/local/bin/botguard"
# writable_paths = []             # paths the bot writes (freqtrade: user_data is added)
# notify = false                  # true when the bot speaks sd_notify (freqtrade --sd-notify)
"""

DOTENV_TEMPLATE = """\
# Secrets for botguard.toml's references. Mode 600, listed in .gitignore: never commit.
# Use a trade-only API key: withdrawals disabled, IP whitelist on.
EX_API_KEY=
EX_API_SECRET=
# EX_PASSPHRASE=
"""
