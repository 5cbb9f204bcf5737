"""plan_kill is pure: table tests and a property test over random accounts."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from botguard.kill.plan import (
    CancelOrders,
    ClosePosition,
    KeptOpen,
    SellAsset,
    plan_kill,
    round_down,
)
from botguard.testing.fake_venue import spot_market, swap_market
from botguard.venues.types import Balance, Exposure, Order, Position, PositionSide, Side

MARKETS = {
    m.symbol: m
    for m in [
        spot_market("BTC/USDT", step="0.00001", min_notional="5"),
        spot_market("ETH/USDT", step="0.0001", min_notional="5"),
        spot_market("DOGE/USDT", step="1", min_amount="1", min_notional="1"),
        swap_market("BTC/USDT:USDT", step="0.001"),
    ]
}
PRICES = {"BTC/USDT": Decimal(60000), "ETH/USDT": Decimal(3000), "DOGE/USDT": Decimal("0.1")}


def bal(asset: str, free: str, used: str = "0") -> Balance:
    return Balance(asset, Decimal(free), Decimal(used))


def test_sells_everything_but_quote_and_keep_rounded_down() -> None:
    exposure = Exposure(
        "a", balances=(bal("USDT", "100"), bal("BTC", "0.123456789"), bal("ETH", "2", "1")),
        prices=PRICES,
    )  # fmt: skip
    plan = plan_kill(exposure, keep={"ETH"}, quote="USDT", markets_info=MARKETS)
    assert plan.sells == (SellAsset("a", "BTC", "BTC/USDT", Decimal("0.12345")),)
    assert plan.kept == ("ETH",)
    assert plan.dust == ()


def test_locked_balance_is_sold_after_its_order_is_cancelled() -> None:
    order = Order("1", "ETH/USDT", "spot", Side.SELL, Decimal(1), Decimal(9000))
    exposure = Exposure("a", orders=(order,), balances=(bal("ETH", "1", "1"),), prices=PRICES)
    plan = plan_kill(exposure, keep=(), quote="USDT", markets_info=MARKETS)
    assert plan.cancels == (CancelOrders("a", "ETH/USDT", "spot", False, 1),)
    assert plan.sells[0].amount == Decimal(2)


def test_below_min_notional_is_dust_and_unlisted_is_unsellable() -> None:
    exposure = Exposure(
        "a", balances=(bal("BTC", "0.00005"), bal("DOGE", "0.5"), bal("XYZ", "3")), prices=PRICES
    )
    plan = plan_kill(exposure, keep=(), quote="USDT", markets_info=MARKETS)
    assert plan.sells == ()
    reasons = {d.asset: d.reason for d in plan.dust}
    assert "minimum notional" in reasons["BTC"]
    assert reasons["DOGE"] == "below the amount step"
    assert "XYZ" not in reasons  # no market is not "too small": it is exposure left
    assert [(u.asset, u.reason) for u in plan.unsellable] == [("XYZ", "no XYZ/USDT market")]
    assert plan.empty


def test_conditional_orders_get_their_own_cancel_and_positions_close_both_sides() -> None:
    orders = (
        Order("1", "BTC/USDT:USDT", "swap", Side.SELL, Decimal(1), conditional=True),
        Order("2", "BTC/USDT:USDT", "swap", Side.BUY, Decimal(1), Decimal(50000)),
        Order("3", "BTC/USDT:USDT", "swap", Side.BUY, Decimal(1), Decimal(49000)),
    )
    positions = (
        Position("BTC/USDT:USDT", "swap", PositionSide.LONG, Decimal("0.0105"), hedged=True),
        Position("BTC/USDT:USDT", "swap", PositionSide.SHORT, Decimal("0.02"), hedged=True),
    )
    plan = plan_kill(Exposure("a", orders, (), positions), keep=(), quote="USDT",
                     markets_info=MARKETS)  # fmt: skip
    assert {(c.conditional, c.count) for c in plan.cancels} == {(True, 1), (False, 2)}
    assert plan.closes == (
        ClosePosition("a", "BTC/USDT:USDT", PositionSide.LONG, Decimal("0.010"), True),
        ClosePosition("a", "BTC/USDT:USDT", PositionSide.SHORT, Decimal("0.020"), True),
    )


def test_no_flatten_only_cancels() -> None:
    order = Order("1", "ETH/USDT", "spot", Side.SELL, Decimal(1), Decimal(9000))
    pos = Position("BTC/USDT:USDT", "swap", PositionSide.LONG, Decimal(1))
    exposure = Exposure("a", (order,), (bal("BTC", "1"),), (pos,), PRICES)
    plan = plan_kill(exposure, keep=(), quote="USDT", markets_info=MARKETS, flatten=False)
    assert len(plan.cancels) == 1
    assert not plan.closes
    assert not plan.sells


def test_no_flatten_lists_whole_holdings_kept_but_not_dust_keep_or_quote() -> None:
    """What a flatten would close or sell (unsellable too) is kept open, in whole amounts
    (coins in orders included); dust and the keep list stay as a plain kill shows them."""
    pos = Position("BTC/USDT:USDT", "swap", PositionSide.SHORT, Decimal("0.0105"))
    balances = (bal("USDT", "100"), bal("BTC", "0.1", "0.02"), bal("ETH", "0.0001"),
                bal("BNB", "2"), bal("XYZ", "5"))  # fmt: skip
    exposure = Exposure("a", (), balances, (pos,), PRICES)
    plan = plan_kill(exposure, keep={"BNB"}, quote="USDT", markets_info=MARKETS, flatten=False)
    assert plan.kept_open == (
        KeptOpen("a", "BTC/USDT:USDT", Decimal("0.0105"), PositionSide.SHORT),
        KeptOpen("a", "BTC", Decimal("0.12")),
        KeptOpen("a", "XYZ", Decimal(5)),
    )
    assert [d.asset for d in plan.dust] == ["ETH"]  # 0.3 USDT: below the 5 USDT minimum
    assert plan.kept == ("BNB",)
    assert plan.empty


amounts = st.decimals(min_value=0, max_value=10**6, places=8, allow_nan=False)


@given(amount=amounts, step=st.sampled_from(["1", "0.1", "0.001", "0.00001"]))
def test_round_down_never_exceeds_and_is_on_the_step(amount: Decimal, step: str) -> None:
    out = round_down(amount, Decimal(step))
    assert out <= amount
    assert amount - out < Decimal(step)
    assert out % Decimal(step) == 0


@given(st.dictionaries(st.sampled_from(["BTC", "ETH", "DOGE", "USDT", "XYZ"]), amounts),
       st.sets(st.sampled_from(["BTC", "ETH", "DOGE"])))  # fmt: skip
def test_every_asset_is_exactly_one_of_sold_kept_dust_or_unsellable(
    holdings: dict[str, Decimal], keep: set[str]
) -> None:
    balances = tuple(bal(a, str(v)) for a, v in holdings.items() if v > 0)
    plan = plan_kill(Exposure("a", balances=balances, prices=PRICES), keep=keep, quote="USDT",
                     markets_info=MARKETS)  # fmt: skip
    sold = [s.asset for s in plan.sells]
    dust = [d.asset for d in plan.dust] + [u.asset for u in plan.unsellable]
    seen = sold + dust + list(plan.kept)
    assert sorted(seen) == sorted(b.asset for b in balances if b.asset != "USDT")
    assert not set(sold) & keep
    for sell in plan.sells:
        assert sell.amount <= holdings[sell.asset]


def test_a_position_below_the_step_is_stuck_exposure_not_flat() -> None:
    pos = Position("BTC/USDT:USDT", "swap", PositionSide.LONG, Decimal("0.0004"))
    plan = plan_kill(Exposure("a", positions=(pos,)), keep=(), quote="USDT", markets_info=MARKETS)
    assert plan.empty  # nothing can be sent ...
    assert [d.asset for d in plan.stuck_positions] == ["BTC/USDT:USDT"]  # ... yet not flat


ROUTED = {**MARKETS, "WBTC/BTC": spot_market("WBTC/BTC", step="0.0001", min_notional="0.0001")}


def test_no_market_into_the_quote_sells_through_a_listed_one_never_into_keep() -> None:
    exposure = Exposure("a", balances=(bal("WBTC", "0.5"),), prices={"WBTC/BTC": Decimal(1)})
    plan = plan_kill(exposure, keep=(), quote="USDT", markets_info=ROUTED)
    assert plan.sells == (SellAsset("a", "WBTC", "WBTC/BTC", Decimal("0.5"), via="BTC"),)
    kept = plan_kill(exposure, keep=("BTC",), quote="USDT", markets_info=ROUTED)
    assert kept.sells == ()
    assert [u.asset for u in kept.unsellable] == ["WBTC"]


def test_a_bot_share_sells_only_the_bots_part_and_lists_the_rest() -> None:
    """flatten = "bot": capped by the balance, the rest left alone, positions likewise."""
    from botguard.kill.plan import BotShare, LeftAlone

    exposure = Exposure(
        "a",
        balances=(bal("USDT", "100"), bal("BTC", "1.5"), bal("ETH", "2"), bal("DOGE", "50")),
        positions=(
            Position("BTC/USDT:USDT", "swap", PositionSide.LONG, Decimal("0.05")),
            Position("BTC/USDT:USDT", "swap", PositionSide.SHORT, Decimal("0.02"), hedged=True),
        ),
        prices=PRICES,
    )
    share = BotShare(
        assets={"BTC": Decimal("0.5"), "DOGE": Decimal("900")},
        positions={("BTC/USDT:USDT", PositionSide.LONG): Decimal("0.03")},
    )
    plan = plan_kill(exposure, keep=set(), quote="USDT", markets_info=MARKETS, share=share)
    assert plan.sells == (
        SellAsset("a", "BTC", "BTC/USDT", Decimal("0.5")),
        SellAsset("a", "DOGE", "DOGE/USDT", Decimal("50")),  # the books' 900: capped at 50
    )
    assert plan.closes == (
        ClosePosition("a", "BTC/USDT:USDT", PositionSide.LONG, Decimal("0.030"), False),
    )
    assert set(plan.left_alone) == {
        LeftAlone("a", "BTC", Decimal("1.0")),
        LeftAlone("a", "ETH", Decimal("2")),
        LeftAlone("a", "BTC/USDT:USDT long", Decimal("0.02")),
        LeftAlone("a", "BTC/USDT:USDT short", Decimal("0.02")),
    }
    next_read = Exposure(  # what the exchange shows once those went through
        "a",
        balances=(bal("USDT", "200"), bal("BTC", "1.0"), bal("ETH", "2")),
        positions=(
            Position("BTC/USDT:USDT", "swap", PositionSide.LONG, Decimal("0.02")),
            Position("BTC/USDT:USDT", "swap", PositionSide.SHORT, Decimal("0.02"), hedged=True),
        ),
        prices=PRICES,
    )
    after = share.minus(plan.sells, plan.closes)
    again = plan_kill(next_read, keep=set(), quote="USDT", markets_info=MARKETS, share=after)
    assert again.empty  # the account's own 1 BTC and positions are never the bot's


def test_a_zero_price_is_no_price_and_never_makes_a_holding_dust() -> None:
    """A ticker answering 0 (a symbol with no trade yet, a hollow quote) says nothing
    about the holding's worth: 1.5 BTC is sold (the exchange's own minimum decides),
    never called dust and the account flat."""
    exposure = Exposure("a", balances=(bal("BTC", "1.5"),), prices={"BTC/USDT": Decimal(0)})
    plan = plan_kill(exposure, keep=(), quote="USDT", markets_info=MARKETS)
    assert plan.dust == ()
    assert plan.sells == (SellAsset("a", "BTC", "BTC/USDT", Decimal("1.5")),)


def test_below_the_minimum_amount_yet_worth_more_than_the_minimum_notional_is_residual() -> None:
    """0.9 of a coin whose market takes whole coins only, at 50 000 USDT a coin, is not
    dust: it is 45 000 USDT the kill cannot sell (residual), never "flat"."""
    markets = {**MARKETS, "YFI/USDT": spot_market("YFI/USDT", step="1", min_amount="1",
                                                   min_notional="5")}  # fmt: skip
    exposure = Exposure(
        "a", balances=(bal("YFI", "0.9"), bal("DOGE", "0.5")),
        prices={**PRICES, "YFI/USDT": Decimal(50000)},
    )  # fmt: skip
    plan = plan_kill(exposure, keep=(), quote="USDT", markets_info=markets)
    assert [d.asset for d in plan.dust] == ["DOGE"]  # 0.05 USDT: true dust
    [stuck] = plan.unsellable
    assert (stuck.asset, stuck.amount) == ("YFI", Decimal("0.9"))
    assert "45000" in stuck.reason
