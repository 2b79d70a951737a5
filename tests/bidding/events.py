"""Listening to an auction room on the real channel layer, as a consumer would."""

import asyncio
import json

from channels.layers import channel_layers

from auctions.events import auction_group


class RoomListener:
    """Its own layer instance on its own event loop: channels-redis binds its receive buffers to one loop."""

    def __init__(self, auction_id: int):
        self.loop = asyncio.new_event_loop()
        self.layer = channel_layers.make_backend("default")
        self.channel = self.loop.run_until_complete(self.layer.new_channel())
        self.loop.run_until_complete(self.layer.group_add(auction_group(auction_id), self.channel))

    def events(self, timeout: float = 0.5) -> list[dict]:
        """Every event that arrives until the room is quiet for `timeout` seconds."""

        async def drain():
            received = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), timeout)
                except TimeoutError:
                    return received
                received.append(json.loads(message["text"]))

        return self.loop.run_until_complete(drain())

    def close(self) -> None:
        """Unsubscribe and close the loop now. Left to the garbage collector, closing the loop flushes the layer
        from inside a finalizer, which can hang the test run at exit."""
        self.loop.run_until_complete(self.layer.flush())
        self.loop.close()
