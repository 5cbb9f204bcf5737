"""Run `botguard sim` inside a test: in a background thread, or in the running event loop.

    with run_sim() as sim:                      # sync tests, or a bot in another loop
        exchange.urls["api"] = rebase(exchange.urls["api"], sim.url)
        ...
        assert sim.state()["accounts"]["demo"]["open_orders"] == []

    async with start_sim(scenario) as sim:      # async tests: the server shares your loop
        ...

The implementation is botguard.sim.embedded (the drill and the demo use it too).
"""

from __future__ import annotations

from botguard.sim.embedded import SimHandle, run_sim, start_sim

__all__ = ["SimHandle", "run_sim", "start_sim"]
