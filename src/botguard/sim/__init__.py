"""botguard sim: a local Binance (spot + USDⓈ-M futures) that unmodified ccxt trades against.

It is the exchange, so it shares no code with `botguard.venues`, `kill` or `guard` and
never imports ccxt: a sim built from the client's own assumptions would only confirm
them. Wire shapes, error codes and HTTP statuses are Binance's own.

OKX v5 (/api/v5/...) and Bybit v5 (/v5/...) are served by the same server from the same
books, each with its own signing, errors, limits and paging (`okx/`, `bybit/`, routed by
`dialects`); a scenario account names the exchange its key answers on.

Modules: `scenario` (files and the mapping format), `catalogue` (built-in markets and
the demo account), `state` (accounts, balances, orders, positions), `spot` / `futures`
(matching), `views` (JSON shapes), `auth` (HMAC, timestamp, IP, permissions), `limits`
(weight and order-rate limits), `faults` (injected failures), `api_*` (the endpoints),
`admin` (/_sim/*), `server` (aiohttp), `cli_main` (`botguard sim`).

Binance endpoints served (a test keeps this list equal to the route table):

    GET    /api/v3/account
    GET    /api/v3/aggTrades
    GET    /api/v3/allOrders
    GET    /api/v3/avgPrice
    GET    /api/v3/depth
    GET    /api/v3/exchangeInfo
    GET    /api/v3/klines
    GET    /api/v3/myTrades
    DELETE /api/v3/openOrders
    GET    /api/v3/openOrders
    DELETE /api/v3/order
    GET    /api/v3/order
    POST   /api/v3/order
    POST   /api/v3/order/test
    GET    /api/v3/ping
    GET    /api/v3/ticker/24hr
    GET    /api/v3/ticker/bookTicker
    GET    /api/v3/ticker/price
    GET    /api/v3/time
    GET    /dapi/v1/exchangeInfo
    GET    /fapi/v1/aggTrades
    DELETE /fapi/v1/algoOpenOrders
    DELETE /fapi/v1/algoOrder
    GET    /fapi/v1/algoOrder
    POST   /fapi/v1/algoOrder
    GET    /fapi/v1/allAlgoOrders
    DELETE /fapi/v1/allOpenOrders
    GET    /fapi/v1/allOrders
    DELETE /fapi/v1/batchOrders
    POST   /fapi/v1/batchOrders
    GET    /fapi/v1/commissionRate
    POST   /fapi/v1/countdownCancelAll
    GET    /fapi/v1/depth
    GET    /fapi/v1/exchangeInfo
    GET    /fapi/v1/income
    GET    /fapi/v1/klines
    POST   /fapi/v1/leverage
    GET    /fapi/v1/leverageBracket
    POST   /fapi/v1/marginType
    GET    /fapi/v1/multiAssetsMargin
    GET    /fapi/v1/openAlgoOrders
    GET    /fapi/v1/openInterest
    GET    /fapi/v1/openOrder
    GET    /fapi/v1/openOrders
    DELETE /fapi/v1/order
    GET    /fapi/v1/order
    POST   /fapi/v1/order
    PUT    /fapi/v1/order
    GET    /fapi/v1/ping
    GET    /fapi/v1/positionSide/dual
    POST   /fapi/v1/positionSide/dual
    GET    /fapi/v1/premiumIndex
    GET    /fapi/v1/symbolConfig
    GET    /fapi/v1/ticker/24hr
    GET    /fapi/v1/ticker/bookTicker
    GET    /fapi/v1/ticker/price
    GET    /fapi/v1/time
    GET    /fapi/v1/userTrades
    GET    /fapi/v2/account
    GET    /fapi/v2/balance
    GET    /fapi/v2/positionRisk
    GET    /fapi/v2/ticker/price
    GET    /fapi/v3/account
    GET    /fapi/v3/balance
    GET    /fapi/v3/positionRisk
    GET    /sapi/v1/account/apiRestrictions
    GET    /sapi/v1/account/apiRestrictions/ipRestriction
    GET    /sapi/v1/asset/tradeFee
    GET    /sapi/v1/asset/transfer
    POST   /sapi/v1/asset/transfer
    GET    /sapi/v1/capital/config/getall
    GET    /sapi/v1/capital/deposit/hisrec
    GET    /sapi/v1/capital/withdraw/address/list
    POST   /sapi/v1/capital/withdraw/apply
    GET    /sapi/v1/capital/withdraw/history
    GET    /sapi/v1/margin/allPairs
    GET    /sapi/v1/margin/isolated/allPairs
    GET    /sapi/v1/system/status

Anything else is answered 404 `{"code": -5000}`, logged as a warning and flagged
`unknown` in /_sim/log;
so is a websocket upgrade (the sim serves no streams: a client whose `wss://` URLs
`rebase_urls` pointed here is refused, never sent to the exchange). Admin (loopback
only): GET /_sim/state, GET|DELETE /_sim/log, GET|POST /_sim/prices.
"""
