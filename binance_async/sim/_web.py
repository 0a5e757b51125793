"""Starting an aiohttp app on a socket (shared by the local exchange and the replay server)."""

from __future__ import annotations

from aiohttp import web


async def start_site(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app` on host:port (0 = any free port); the runner and the bound port."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    sockets = [a for a in runner.addresses if isinstance(a, tuple)]
    return runner, int(sockets[0][1]) if sockets else port
