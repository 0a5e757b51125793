"""Copy-trading leader management: read the lead symbols, update the config, manage followers.

    python examples/copy_leader.py [--url URL] [--remove FOLLOWER_USER_ID]

``client.copy_leader`` is the leader API v2 (``/api/v2/copy-trading/leader/...``): the
``{"code","msg","data"}`` envelope is unwrapped and any code but 200 raises its `APIError`.
``update_config`` checks the documented rules before sending and raises `ValidationError`
naming the parameter, so a bad config never reaches the exchange; ``symbolIds`` is the full
list (pairs left out are disabled). Followers are listed page by page; removing one needs its
user id (from your copy-trading dashboard; the local exchange's demo leader has a few).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from typing import Any

from _connect import connect

from binance_async import APIError, Client, ValidationError


@dataclass
class Report:
    lead_symbols: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    followers_before: int = 0
    followers_after: int = 0
    removed: list[int] = field(default_factory=list)


def config(symbol_ids: list[str], **changes: Any) -> dict[str, Any]:
    """A complete leader config (the endpoint takes every field at once)."""
    body: dict[str, Any] = {
        "unLeadType": 0, "leadPositionType": 0, "tradeProtect": 1, "profitPeriod": 7,
        "profitRate": "0.1", "followAssetLowerLimit": "100", "fixedAmountFollowMin": "10",
        "fixedRateFollowMin": "10", "isNeedInvite": 1, "inviteScope": 2,
        "symbolIds": symbol_ids, "inviteCode": "LEADER2026",
    }  # fmt: skip
    body.update(changes)
    return body


async def manage(client: Client, remove: list[int]) -> Report:
    """Show the lead symbols, update the config (and show a refused one), manage followers."""
    report = Report()
    symbols = await client.copy_leader.symbols()
    report.lead_symbols = [s.symbol_id for s in symbols if s.is_lead]
    print(f"lead symbols: {', '.join(report.lead_symbols)} (of {len(symbols)} available)")

    await client.copy_leader.update_config(**config(report.lead_symbols))
    print("config updated: profit share 10%, invite-only, weekly settlement")
    for bad in (
        {"profitPeriod": 3},                                     # only 1 or 7
        {"recommendShare": 1, "recommendShareRate": "1.5"},      # must be in (0, 1]
        {"unLeadType": 1, "unLeadStartTime": 2, "unLeadEndTime": 1},  # ends before it starts
    ):  # fmt: skip
        try:
            await client.copy_leader.update_config(**config(report.lead_symbols, **bad))
        except ValidationError as exc:  # checked before sending: nothing reached the exchange
            report.refused.append(str(exc))
            print(f"refused before sending: {exc}")

    page = await client.copy_leader.followers(page=1, size=100)
    report.followers_before = page.total
    print(f"{page.total} followers")
    for f in page.items[:5]:
        print(f"  {f.follower_nickname}: follows {f.follow_amount_limit} USDT, "
              f"profit {f.total_profit} USDT")  # fmt: skip
    for user_id in remove:
        try:
            await client.copy_leader.remove_follower(user_id)
            report.removed.append(user_id)
            print(f"removed follower {user_id}")
        except APIError as exc:  # e.g. a follower with an open copy position
            print(f"could not remove follower {user_id}: {exc.code} {exc.msg}")
    report.followers_after = (await client.copy_leader.followers(page=1, size=1)).total
    print(f"{report.followers_after} followers now")
    return report


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="exchange REST URL (default: an in-process local exchange)")
    parser.add_argument("--remove", type=int, nargs="*", default=None, metavar="USER_ID",
                        help="follower user ids to remove")  # fmt: skip
    args = parser.parse_args()
    async with connect(args.url) as client:
        remove = args.remove
        local = getattr(client, "local_exchange", None)
        if remove is None and local is not None:  # the demo leader: its first two followers
            remove = list(local.copy_trading.leaders["demo"].followers)[:2]
        await manage(client, remove or [])


if __name__ == "__main__":
    asyncio.run(main())
