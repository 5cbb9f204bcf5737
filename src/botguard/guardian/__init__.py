"""The resident guardian: `botguard watch` keeps warm venues and a kill runner that
`botguard kill` reaches over a local Unix socket (and, with [fleet], a signed halt).

`wire` and `client` stay light to import (stdlib only): the CLI tries the socket
before it imports pydantic, ccxt or aiohttp, so a kill through a running guardian
starts sending in well under the second a cold start takes.
"""
