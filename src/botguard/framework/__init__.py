"""Bot frameworks botguard knows (freqtrade): their config files and their books.

Read-only helpers with no ccxt and no network: `init --from-freqtrade` converts a
framework's config, and the kill reads what the bot holds (`flatten = "bot"`).
"""
