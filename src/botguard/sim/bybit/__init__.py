"""botguard sim speaking Bybit v5: unified trading account, spot and USDT perpetuals.

Paths are Bybit's own (/v5/...), answered from the same books as the Binance dialect;
every answer is HTTP 200 with a retCode. Modules: `wire` (envelope, filters), `auth`
(X-BAPI-* signing), `views` (JSON shapes), `trade` (orders, cancels), `api` (the route
table, paging, rate limits), `serve` (the request path). Endpoints (a test keeps this
list equal to `api.ROUTES`):

    GET    /v5/account/info
    GET    /v5/account/wallet-balance
    GET    /v5/asset/coin/query-info
    GET    /v5/execution/list
    GET    /v5/market/instruments-info
    GET    /v5/market/tickers
    GET    /v5/market/time
    GET    /v5/order/history
    GET    /v5/order/realtime
    GET    /v5/position/list
    GET    /v5/user/query-api
    POST   /v5/order/cancel
    POST   /v5/order/cancel-all
    POST   /v5/order/create
    POST   /v5/order/create-batch
    POST   /v5/order/disconnected-cancel-all

Not modelled: inverse and option categories (listed empty), isolated margin, TP/SL
attached to orders, trailing stops, OCO, DCP firing (it needs a websocket, which the sim
has not), the 600-per-5-s IP limit (403), funding, liquidation, sub-accounts.
"""
