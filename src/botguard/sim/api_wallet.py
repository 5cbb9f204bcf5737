"""Signed /sapi endpoints: key restrictions, coin config, margin pairs, withdraw."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botguard.sim import errors
from botguard.sim.auth import Permission
from botguard.sim.orders import decimal_param
from botguard.sim.routes import Call, Endpoint, signed
from botguard.sim.state import Exchange, now_ms

Json = dict[str, Any]


def _api_restrictions(call: Call) -> Json:
    spec = call.me.spec
    perms = spec.permissions
    answer: Json = {
        "ipRestrict": bool(spec.ip_whitelist), "createTime": call.ex.started_ms,
        "enableReading": perms.reading, "enableWithdrawals": perms.withdraw,
        "enableInternalTransfer": perms.internal_transfer, "enableMargin": perms.margin,
        "enableFutures": perms.futures, "permitsUniversalTransfer": perms.universal_transfer,
        "enableVanillaOptions": False, "enableFixApiTrade": False, "enableFixReadOnly": False,
        "enableSpotAndMarginTrading": perms.spot, "enablePortfolioMarginTrading": False,
    }  # fmt: skip
    if spec.trading_expires_ms is not None:  # Binance sends it only when the key has one
        answer["tradingAuthorityExpirationTime"] = spec.trading_expires_ms
    return answer


def _ip_restriction(call: Call) -> Json:
    """GET /sapi/v1/account/apiRestrictions/ipRestriction.

    Shaped as Binance documents the same answer for a sub-account key
    (GET /sapi/v1/sub-account/subAccountApi/ipRestriction): `ipRestrict` is the
    string "true"/"false", and `ipList` is sent only when the key is restricted.
    """
    whitelist = call.me.spec.ip_whitelist
    answer: Json = {
        "ipRestrict": "true" if whitelist else "false",
        "updateTime": call.ex.started_ms,
        "apiKey": call.me.spec.api_key,
    }
    if whitelist:
        answer["ipList"] = list(whitelist)
    return answer


def _withdraw_addresses(call: Call) -> list[Json]:
    """GET /sapi/v1/capital/withdraw/address/list: the saved addresses and `whiteStatus`."""
    return [
        {"address": a.address, "addressTag": "", "coin": a.coin, "name": a.name,
         "network": a.network, "origin": "", "originType": "others",
         "whiteStatus": a.whitelisted}
        for a in call.me.spec.withdraw_addresses
    ]  # fmt: skip


def _assets(ex: Exchange) -> list[str]:
    assets = {m.base for m in ex.scenario.markets} | {m.quote for m in ex.scenario.markets}
    return sorted(assets)


def _coin(call: Call, asset: str) -> Json:
    bal = call.me.spot.get(asset)
    network = {
        "network": asset if asset != "USDT" else "ETH", "coin": asset, "name": asset,
        "withdrawIntegerMultiple": "0.00000001", "isDefault": True, "depositEnable": True,
        "withdrawEnable": True, "depositDesc": "", "withdrawDesc": "", "specialTips": "",
        "busy": False, "minConfirm": 12, "unLockConfirm": 0, "withdrawFee": "0.0005",
        "withdrawMin": "0.001", "withdrawMax": "9999999", "sameAddress": False,
        "addressRegex": "", "memoRegex": "", "estimatedArrivalTime": 5,
    }  # fmt: skip
    return {
        "coin": asset, "name": asset, "free": str(bal.free if bal else 0),
        "locked": str(bal.locked if bal else 0), "freeze": "0", "withdrawing": "0",
        "ipoing": "0", "ipoable": "0", "storage": "0", "isLegalMoney": False, "trading": True,
        "depositAllEnable": True, "withdrawAllEnable": True, "networkList": [network],
    }  # fmt: skip


def _margin_pairs(call: Call) -> list[Json]:
    return [
        {"id": i, "symbol": m.market_id, "base": m.base, "quote": m.quote, "isMarginTrade": True,
         "isBuyAllowed": True, "isSellAllowed": True}
        for i, m in enumerate(call.ex.spot_markets.values(), start=1)
    ]  # fmt: skip


def _isolated_pairs(call: Call) -> list[Json]:
    return [
        {"symbol": m.market_id, "base": m.base, "quote": m.quote, "isMarginTrade": True,
         "isBuyAllowed": True, "isSellAllowed": True}
        for m in call.ex.spot_markets.values()
    ]  # fmt: skip


def _withdraw(call: Call) -> Json:
    coin = call.params.get("coin")
    if not coin:
        raise errors.missing("coin")
    if not call.params.get("address"):
        raise errors.missing("address")
    amount = decimal_param(call.params, "amount", required=True) or Decimal(0)
    bal = call.me.spot.get(coin)
    if bal is None or bal.free < amount:
        raise errors.BinanceError(400, -4026, "User has insufficient balance")
    bal.free -= amount
    withdrawal_id = f"sim-withdraw-{call.ex.next_id()}"
    call.me.withdrawals.append(
        {"id": withdrawal_id, "coin": coin, "amount": str(amount), "time": now_ms(),
         "address": call.params["address"], "network": call.params.get("network", coin)}
    )  # fmt: skip
    return {"id": withdrawal_id}


_TRANSFERS = {"MAIN_UMFUTURE": ("spot", "futures"), "UMFUTURE_MAIN": ("futures", "spot")}


def _transfer(call: Call) -> Json:
    """POST /sapi/v1/asset/transfer between spot and USDⓈ-M (needs universal transfer)."""
    kind = call.params.get("type", "")
    if kind not in _TRANSFERS:
        raise errors.bad_param("type")  # the sim moves USDⓈ-M <-> spot only
    asset = call.params.get("asset") or ""
    amount = decimal_param(call.params, "amount", required=True) or Decimal(0)
    source, _ = _TRANSFERS[kind]
    account = call.me
    if source == "spot":
        bal = account.spot.get(asset)
        if bal is None or bal.free < amount:
            raise errors.BinanceError(400, -5002, "You have insufficient balance.")
        bal.free -= amount
        account.wallet[asset] = account.wallet.get(asset, Decimal(0)) + amount
    else:
        if account.wallet.get(asset, Decimal(0)) < amount:
            raise errors.BinanceError(400, -5002, "You have insufficient balance.")
        account.wallet[asset] -= amount
        account.balance(asset).free += amount
    tran_id = call.ex.next_id()
    record: dict[str, str | int] = {
        "tranId": tran_id, "asset": asset, "amount": str(amount), "type": kind,
        "status": "CONFIRMED", "timestamp": now_ms(),
    }  # fmt: skip
    account.transfers.append(record)
    return {"tranId": tran_id}


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("GET", "/sapi/v1/account/apiRestrictions"): signed(_api_restrictions, 1),
    ("GET", "/sapi/v1/account/apiRestrictions/ipRestriction"): signed(_ip_restriction, 1),
    ("GET", "/sapi/v1/capital/withdraw/address/list"): signed(_withdraw_addresses, 10),
    ("GET", "/sapi/v1/capital/config/getall"): signed(
        lambda c: [_coin(c, a) for a in _assets(c.ex)], 10
    ),
    ("GET", "/sapi/v1/margin/allPairs"): signed(_margin_pairs, 1),
    ("GET", "/sapi/v1/margin/isolated/allPairs"): signed(_isolated_pairs, 10),
    ("POST", "/sapi/v1/capital/withdraw/apply"): signed(_withdraw, 1, Permission.WITHDRAW),
    ("POST", "/sapi/v1/asset/transfer"): signed(_transfer, 1, Permission.UNIVERSAL_TRANSFER),
    ("GET", "/sapi/v1/asset/transfer"): signed(
        lambda c: {
            "total": len(c.me.transfers),
            "rows": [t for t in c.me.transfers if t["type"] == c.params.get("type", t["type"])],
        },
        1,
    ),
}
