"""Bybit JSON shapes of the sim's orders, positions and wallet (UTA, one-way or hedge)."""

from __future__ import annotations

from decimal import Decimal

from botguard.sim.bybit.wire import Json, fmt
from botguard.sim.scenario import HeldSpec
from botguard.sim.state import ZERO, Account, Exchange, Order, Position

_STATUS = {
    "NEW": "New", "PARTIALLY_FILLED": "PartiallyFilled", "FILLED": "Filled",
    "CANCELED": "Cancelled", "EXPIRED": "Cancelled", "FINISHED": "Triggered",
}  # fmt: skip


_MARKET_TYPES = ("MARKET", "STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP_LOSS", "TAKE_PROFIT")


def conditional(o: Order) -> bool:
    """A stop / take-profit order: Bybit keeps it in the same book, `stopOrderType` set."""
    return bool(o.stop_price)


def position_idx(o: Order | Position) -> int:
    """0 one-way, 1 the buy side, 2 the sell side of a hedge-mode position."""
    return {"BOTH": 0, "LONG": 1, "SHORT": 2}[o.position_side]


def order(account: Account, o: Order) -> Json:
    """One order of /v5/order/realtime and /v5/order/history.

    https://bybit-exchange.github.io/docs/v5/order/open-order
    """
    fees = sum((t.fee for t in account.trades if t.order is o), ZERO)
    status = _STATUS.get(o.status, "New")
    if conditional(o) and o.is_open:
        status = "Untriggered"
    stop_type = ""
    if conditional(o):
        stop_type = "StopLoss" if o.type.startswith("STOP") else "TakeProfit"
    row = {
        "orderId": str(o.order_id), "orderLinkId": o.client_id, "blockTradeId": "",
        "symbol": o.market.market_id, "price": fmt(o.price), "qty": fmt(o.qty),
        "side": o.side.capitalize(), "isLeverage": "", "positionIdx": position_idx(o),
        "orderStatus": status, "cancelType": "UNKNOWN", "rejectReason": "EC_NoError",
        "avgPrice": fmt(o.avg_price) if o.executed else "", "leavesQty": fmt(o.qty - o.executed),
        "leavesValue": fmt((o.qty - o.executed) * o.price), "cumExecQty": fmt(o.executed),
        "cumExecValue": fmt(o.cum_quote), "cumExecFee": fmt(fees),
        "timeInForce": {"GTX": "PostOnly"}.get(o.time_in_force, o.time_in_force),
        "orderType": "Market" if o.type in _MARKET_TYPES else "Limit",
        "stopOrderType": stop_type, "orderIv": "",
        "triggerPrice": fmt(o.stop_price) if o.stop_price else "",
        "takeProfit": "", "stopLoss": "", "tpTriggerBy": "", "slTriggerBy": "",
        "triggerDirection": 0, "triggerBy": "LastPrice" if o.stop_price else "",
        "lastPriceOnCreated": "", "reduceOnly": o.reduce_only, "closeOnTrigger": o.close_position,
        "smpType": "None", "smpGroup": 0, "smpOrderId": "", "placeType": "",
        "createdTime": str(o.created_ms), "updatedTime": str(o.updated_ms),
    }  # fmt: skip
    if o.market.is_swap:  # spot orders have no tpslMode (ccxt tells spot from perps by it)
        row["tpslMode"] = "Full"
    return row


def unrealized(ex: Exchange, p: Position) -> Decimal:
    """Unrealised PnL at the current price (mark = last in the sim)."""
    signed = -p.amount if p.position_side == "SHORT" else p.amount
    return signed * (ex.prices[p.market.symbol] - p.entry_price)


def position(ex: Exchange, account: Account, p: Position) -> Json:
    """One entry of /v5/position/list.

    https://bybit-exchange.github.io/docs/v5/position
    """
    mark = ex.prices[p.market.symbol]
    lever = account.leverage.get(p.market.market_id, 10)
    size = abs(p.amount)
    long = p.amount > 0 if p.position_side == "BOTH" else p.position_side == "LONG"
    return {
        "positionIdx": position_idx(p), "riskId": 1, "riskLimitValue": "2000000",
        "symbol": p.market.market_id, "side": ("Buy" if long else "Sell") if size else "",
        "size": fmt(size), "avgPrice": fmt(p.entry_price),
        "positionValue": fmt(size * p.entry_price),
        "tradeMode": 0, "positionStatus": "Normal", "autoAddMargin": 0, "adlRankIndicator": 2,
        "leverage": str(lever), "positionBalance": fmt(size * mark / lever), "markPrice": fmt(mark),
        "liqPrice": "", "bustPrice": "", "positionMM": fmt(size * mark * Decimal("0.005")),
        "positionIM": fmt(size * mark / lever), "tpslMode": "Full", "takeProfit": "0",
        "stopLoss": "0", "trailingStop": "0", "unrealisedPnl": fmt(unrealized(ex, p)),
        "curRealisedPnl": "0", "cumRealisedPnl": "0", "seq": 1, "isReduceOnly": False,
        "mmrSysUpdatedTime": "", "leverageSysUpdatedTime": "",
        "createdTime": str(p.updated_ms), "updatedTime": str(p.updated_ms),
    }  # fmt: skip


def held_position(h: HeldSpec) -> Json:
    """A position in a product the sim does not trade (USDC linear, inverse), as
    /v5/position/list lists it (one-way mode).

    https://bybit-exchange.github.io/docs/v5/position
    """
    return {
        "positionIdx": 0, "riskId": 1, "riskLimitValue": "2000000", "symbol": h.instrument,
        "side": "Buy" if h.side == "long" else "Sell", "size": fmt(h.amount),
        "avgPrice": "0", "positionValue": "0", "tradeMode": 0, "positionStatus": "Normal",
        "autoAddMargin": 0, "adlRankIndicator": 2, "leverage": "10", "positionBalance": "0",
        "markPrice": "0", "liqPrice": "", "bustPrice": "", "positionMM": "0",
        "positionIM": "0", "tpslMode": "Full", "takeProfit": "0", "stopLoss": "0",
        "trailingStop": "0", "unrealisedPnl": "0", "curRealisedPnl": "0",
        "cumRealisedPnl": "0", "seq": 1, "isReduceOnly": False, "mmrSysUpdatedTime": "",
        "leverageSysUpdatedTime": "", "createdTime": "0", "updatedTime": "0",
    }  # fmt: skip


def wallet(ex: Exchange, account: Account, margin_used: Decimal) -> Json:
    """The UNIFIED entry of /v5/account/wallet-balance: one wallet for spot and perps.

    https://bybit-exchange.github.io/docs/v5/account/wallet-balance
    """
    upl = sum((unrealized(ex, p) for p in account.positions.values()), ZERO)
    coins = []
    for coin in sorted(set(account.spot) | ({"USDT"} if account.wallet else set())):
        bal = account.balance(coin)
        wallet_bal = bal.free + bal.locked
        coin_upl = ZERO
        position_im = ZERO
        if coin == "USDT":
            wallet_bal += account.wallet.get("USDT", ZERO)
            coin_upl, position_im = upl, margin_used
        if wallet_bal == 0:
            continue
        price = Decimal(1) if coin in ("USDT", "USDC") else ex.prices.get(f"{coin}/USDT", ZERO)
        coins.append({
            "coin": coin, "equity": fmt(wallet_bal + coin_upl), "walletBalance": fmt(wallet_bal),
            "usdValue": fmt((wallet_bal + coin_upl) * price), "unrealisedPnl": fmt(coin_upl),
            "locked": fmt(bal.locked), "totalOrderIM": "0", "totalPositionIM": fmt(position_im),
            "totalPositionMM": "0", "borrowAmount": "0", "accruedInterest": "0",
            "availableToWithdraw": "", "availableToBorrow": "", "bonus": "0",
            "cumRealisedPnl": "0", "collateralSwitch": True, "marginCollateral": True,
            "spotHedgingQty": "0",
        })  # fmt: skip
    total = sum((Decimal(str(c["usdValue"])) for c in coins), ZERO)
    return {
        "accountType": "UNIFIED", "totalEquity": fmt(total), "totalWalletBalance": fmt(total),
        "totalMarginBalance": fmt(total), "totalAvailableBalance": fmt(total - margin_used),
        "totalPerpUPL": fmt(upl), "totalInitialMargin": fmt(margin_used),
        "totalMaintenanceMargin": "0", "accountIMRate": "0", "accountMMRate": "0",
        "accountLTV": "0", "coin": coins,
    }  # fmt: skip
