"""botguard sim speaking OKX v5: unified account, spot and USDT perpetual swaps.

Paths are OKX's own (/api/v5/...), answered from the same books as the Binance dialect
(sizes in contracts, `ctVal` per swap). Modules: `wire` (envelope, errors, instrument
ids), `auth` (OK-ACCESS-* signing), `views` (JSON shapes), `trade` (orders, cancels,
close-position), `book` (algo types, cancel-all-after, rate limits), `api` (the route
table), `serve` (the request path). Endpoints (a test keeps this list equal to
`api.ROUTES`):

    GET    /api/v5/account/balance
    GET    /api/v5/account/config
    GET    /api/v5/account/positions
    GET    /api/v5/asset/currencies
    GET    /api/v5/market/ticker
    GET    /api/v5/asset/currencies
    GET    /api/v5/market/tickers
    GET    /api/v5/public/instruments
    GET    /api/v5/public/time
    GET    /api/v5/trade/fills
    GET    /api/v5/trade/fills-history
    GET    /api/v5/trade/order
    GET    /api/v5/trade/orders-algo-pending
    GET    /api/v5/trade/orders-pending
    POST   /api/v5/trade/batch-orders
    POST   /api/v5/trade/cancel-algos
    POST   /api/v5/trade/cancel-all-after
    POST   /api/v5/trade/cancel-batch-orders
    POST   /api/v5/trade/cancel-order
    POST   /api/v5/trade/close-position
    POST   /api/v5/trade/order
    POST   /api/v5/trade/order-algo

Not modelled: isolated margin, FUTURES/OPTION/MARGIN instruments (listed empty),
oco/iceberg/twap placement (they can only be seeded as conditional/trigger), spot algo
orders firing on a price move, funding, liquidation, sub-accounts, websockets.
"""
