"""Binance's JSON shapes for markets, orders, balances and positions.

Field names and string-typed numbers follow the real responses (ccxt parses these with
`safe_string`), so a field ccxt reads but the sim forgot shows up as a None in tests.
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Any

from botguard.sim.orders import MAX_PRICE_FACTOR, MAX_QTY
from botguard.sim.scenario import MarketSpec
from botguard.sim.state import ZERO, Account, Exchange, Order, Position, Trade, now_ms

Json = dict[str, Any]

SPOT_ORDER_TYPES = [
    "LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
]  # fmt: skip
SWAP_ORDER_TYPES = [
    "LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
    "TRAILING_STOP_MARKET",
]  # fmt: skip


def fmt(value: Decimal) -> str:
    """A decimal as Binance writes it: plain notation, no exponent."""
    text = format(value.normalize(), "f") if value else "0"
    return text


def _decimals(step: Decimal) -> int:
    return max(-step.normalize().as_tuple().exponent, 0)  # type: ignore[operator]


def _rate_limits(ex: Exchange) -> list[Json]:
    limits = ex.scenario.limits
    return [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
         "limit": limits.weight_per_minute},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
         "limit": limits.orders_per_10s},
    ]  # fmt: skip


def _common_filters(m: MarketSpec) -> list[Json]:
    max_price, max_qty = m.price * MAX_PRICE_FACTOR, fmt(MAX_QTY)  # what check_filters enforces
    return [
        {"filterType": "PRICE_FILTER", "minPrice": fmt(m.tick_size), "maxPrice": fmt(max_price),
         "tickSize": fmt(m.tick_size)},
        {"filterType": "LOT_SIZE", "minQty": fmt(m.step_size), "maxQty": max_qty,
         "stepSize": fmt(m.step_size)},
        {"filterType": "MARKET_LOT_SIZE", "minQty": fmt(m.step_size), "maxQty": max_qty,
         "stepSize": fmt(m.step_size)},
    ]  # fmt: skip


def spot_symbol(m: MarketSpec) -> Json:
    """One spot entry of GET /api/v3/exchangeInfo."""
    filters = [
        *_common_filters(m),
        {"filterType": "NOTIONAL", "minNotional": fmt(m.min_notional), "applyMinToMarket": True,
         "maxNotional": "9000000", "applyMaxToMarket": False, "avgPriceMins": 5},
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
    ]  # fmt: skip
    return {
        "symbol": m.market_id, "status": "TRADING", "baseAsset": m.base,
        "baseAssetPrecision": 8, "quoteAsset": m.quote, "quotePrecision": 8,
        "quoteAssetPrecision": 8, "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
        "orderTypes": SPOT_ORDER_TYPES, "icebergAllowed": True, "ocoAllowed": True,
        "otoAllowed": True, "quoteOrderQtyMarketAllowed": True, "allowTrailingStop": True,
        "cancelReplaceAllowed": True, "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False, "filters": filters, "permissions": [],
        "permissionSets": [["SPOT"]], "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }  # fmt: skip


def swap_symbol(m: MarketSpec) -> Json:
    """One perpetual entry of GET /fapi/v1/exchangeInfo."""
    filters = [
        *_common_filters(m),
        {"filterType": "MAX_NUM_ORDERS", "limit": 200},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
        {"filterType": "MIN_NOTIONAL", "notional": fmt(m.min_notional)},
        {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500",
         "multiplierDecimal": "4"},
    ]  # fmt: skip
    return {
        "symbol": m.market_id, "pair": m.market_id, "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": "TRADING",
        "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
        "baseAsset": m.base, "quoteAsset": m.quote, "marginAsset": m.quote,
        "pricePrecision": _decimals(m.tick_size), "quantityPrecision": _decimals(m.step_size),
        "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
        "underlyingSubType": [], "triggerProtect": "0.0500", "liquidationFee": "0.012500",
        "marketTakeBound": "0.05", "maxMoveOrderLimit": 10000, "filters": filters,
        "orderTypes": SWAP_ORDER_TYPES, "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
        "permissionSets": ["GRID", "COPY"],
    }  # fmt: skip


def exchange_info(ex: Exchange, *, swap: bool) -> Json:
    """GET /api/v3/exchangeInfo or /fapi/v1/exchangeInfo."""
    markets = ex.swap_markets if swap else ex.spot_markets
    render = swap_symbol if swap else spot_symbol
    info: Json = {
        "timezone": "UTC", "serverTime": now_ms(), "rateLimits": _rate_limits(ex),
        "exchangeFilters": [], "symbols": [render(m) for m in markets.values()],
    }  # fmt: skip
    if swap:
        info["assets"] = [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "0"}]
    return info


def spot_order(o: Order, fills: list[Trade] | None = None) -> Json:
    """A spot order as POST/GET/DELETE /api/v3/order and openOrders return it."""
    body: Json = {
        "symbol": o.market.market_id, "orderId": o.order_id, "orderListId": -1,
        "clientOrderId": o.client_id, "transactTime": o.updated_ms, "price": fmt(o.price),
        "origQty": fmt(o.qty), "executedQty": fmt(o.executed),
        "cummulativeQuoteQty": fmt(o.cum_quote), "status": o.status,
        "timeInForce": o.time_in_force, "type": o.type, "side": o.side,
        "stopPrice": fmt(o.stop_price), "icebergQty": "0", "time": o.created_ms,
        "updateTime": o.updated_ms, "isWorking": o.is_open, "workingTime": o.created_ms,
        "origQuoteOrderQty": "0", "selfTradePreventionMode": "EXPIRE_MAKER",
    }  # fmt: skip
    if fills is not None:
        body["fills"] = [
            {"price": fmt(t.price), "qty": fmt(t.qty), "commission": fmt(t.fee),
             "commissionAsset": t.fee_asset, "tradeId": t.trade_id}
            for t in fills
        ]  # fmt: skip
    return body


def futures_order(o: Order) -> Json:
    """A plain USDⓈ-M order as /fapi/v1/order, openOrders and batchOrders return it."""
    return {
        "orderId": o.order_id, "symbol": o.market.market_id, "status": o.status,
        "clientOrderId": o.client_id, "price": fmt(o.price), "avgPrice": fmt(o.avg_price),
        "origQty": fmt(o.qty), "executedQty": fmt(o.executed), "cumQty": fmt(o.executed),
        "cumQuote": fmt(o.cum_quote), "timeInForce": o.time_in_force, "type": o.type,
        "reduceOnly": o.reduce_only, "closePosition": o.close_position, "side": o.side,
        "positionSide": o.position_side, "stopPrice": fmt(o.stop_price),
        "workingType": "CONTRACT_PRICE", "priceProtect": False, "origType": o.type,
        "priceMatch": "NONE", "selfTradePreventionMode": "EXPIRE_MAKER", "goodTillDate": 0,
        "time": o.created_ms, "updateTime": o.updated_ms,
    }  # fmt: skip


def algo_order(o: Order) -> Json:
    """A conditional order in the algo book (/fapi/v1/algoOrder, openAlgoOrders)."""
    return {
        "algoId": o.order_id, "clientAlgoId": o.client_id, "algoType": "CONDITIONAL",
        "orderType": o.type, "symbol": o.market.market_id, "side": o.side,
        "positionSide": o.position_side, "timeInForce": o.time_in_force,
        "quantity": fmt(o.qty), "algoStatus": o.status, "triggerPrice": fmt(o.stop_price),
        "price": fmt(o.price), "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER", "workingType": "CONTRACT_PRICE",
        "priceMatch": "NONE", "closePosition": o.close_position, "priceProtect": False,
        "reduceOnly": o.reduce_only, "createTime": o.created_ms, "updateTime": o.updated_ms,
        "triggerTime": 0, "goodTillDate": 0,
    }  # fmt: skip


def spot_account(account: Account) -> Json:
    """GET /api/v3/account."""
    perms = account.spec.permissions
    return {
        "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0,
        "sellerCommission": 0, "commissionRates": {"maker": "0.00100000", "taker": "0.00100000",
        "buyer": "0.00000000", "seller": "0.00000000"}, "canTrade": perms.spot,
        "canWithdraw": True, "canDeposit": True, "brokered": False,
        "requireSelfTradePrevention": False, "preventSor": False, "updateTime": now_ms(),
        "accountType": "SPOT", "uid": 10_000 + zlib.crc32(account.spec.name.encode()) % 90_000,
        "permissions": ["SPOT"],
        "balances": [
            {"asset": a, "free": fmt(b.free), "locked": fmt(b.locked)}
            for a, b in account.spot.items()
        ],
    }  # fmt: skip


def unrealized(ex: Exchange, p: Position) -> Decimal:
    """Unrealised PnL of a position at the current price (mark = last in the sim)."""
    signed = -p.amount if p.position_side == "SHORT" else p.amount
    return signed * (ex.prices[p.market.symbol] - p.entry_price)


def position_risk(ex: Exchange, account: Account, p: Position) -> Json:
    """One entry of GET /fapi/v3/positionRisk."""
    mark = ex.prices[p.market.symbol]
    notional = (-p.amount if p.position_side == "SHORT" else p.amount) * mark
    leverage = account.leverage.get(p.market.market_id, 20)
    margin = abs(notional) / leverage
    return {
        "symbol": p.market.market_id, "positionSide": p.position_side,
        "positionAmt": fmt(-p.amount if p.position_side == "SHORT" else p.amount),
        "entryPrice": fmt(p.entry_price), "breakEvenPrice": fmt(p.entry_price),
        "markPrice": fmt(mark), "unRealizedProfit": fmt(unrealized(ex, p)),
        "liquidationPrice": "0", "isolatedMargin": "0", "notional": fmt(notional),
        "marginAsset": "USDT", "isolatedWallet": "0", "initialMargin": fmt(margin),
        "maintMargin": fmt(abs(notional) * Decimal("0.004")),
        "positionInitialMargin": fmt(margin), "openOrderInitialMargin": "0", "adl": 0,
        "bidNotional": "0", "askNotional": "0", "updateTime": p.updated_ms,
    }  # fmt: skip


def futures_account(ex: Exchange, account: Account, *, used_margin: Decimal) -> Json:
    """GET /fapi/v3/account (and v2, which ccxt can be told to use)."""
    open_positions = [p for p in account.positions.values() if p.amount]
    upnl = sum((unrealized(ex, p) for p in open_positions), ZERO)
    wallet = account.wallet.get("USDT", ZERO)
    available = wallet + upnl - used_margin
    assets = [
        {"asset": asset, "walletBalance": fmt(bal),
         "unrealizedProfit": fmt(upnl if asset == "USDT" else ZERO),
         "marginBalance": fmt(bal + (upnl if asset == "USDT" else ZERO)),
         "maintMargin": "0", "initialMargin": fmt(used_margin if asset == "USDT" else ZERO),
         "positionInitialMargin": "0", "openOrderInitialMargin": "0",
         "crossWalletBalance": fmt(bal), "crossUnPnl": "0",
         "availableBalance": fmt(available if asset == "USDT" else bal),
         "maxWithdrawAmount": fmt(available if asset == "USDT" else bal),
         "updateTime": now_ms()}
        for asset, bal in account.wallet.items()
    ]  # fmt: skip
    return {
        "totalInitialMargin": fmt(used_margin), "totalMaintMargin": "0",
        "totalWalletBalance": fmt(wallet), "totalUnrealizedProfit": fmt(upnl),
        "totalMarginBalance": fmt(wallet + upnl), "totalPositionInitialMargin": "0",
        "totalOpenOrderInitialMargin": "0", "totalCrossWalletBalance": fmt(wallet),
        "totalCrossUnPnl": fmt(upnl), "availableBalance": fmt(available),
        "maxWithdrawAmount": fmt(available), "canTrade": account.spec.permissions.futures,
        "assets": assets,
        "positions": [
            {"symbol": p.market.market_id, "positionSide": p.position_side,
             "positionAmt": position_risk(ex, account, p)["positionAmt"],
             "unrealizedProfit": fmt(unrealized(ex, p)), "isolatedMargin": "0",
             "notional": position_risk(ex, account, p)["notional"], "isolatedWallet": "0",
             "initialMargin": "0", "maintMargin": "0", "updateTime": p.updated_ms}
            for p in open_positions
        ],
    }  # fmt: skip
