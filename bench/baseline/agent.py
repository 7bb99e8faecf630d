#!/usr/bin/env python3
"""Baseline voice agent for parley's benchmark: the same agent loop, in plain asyncio + aiohttp.

One event loop, one aiohttp ClientSession, one task per call (plus one task per call that sends
its speech, so /say and /flush go out strictly in order). See README.md next to this file.
"""

import argparse
import asyncio
import collections
import json
import logging
import re
import signal
import sys

import aiohttp

log = logging.getLogger("baseline")

# The same event-type topics parley subscribes to (actors/gateway.cpp subscription_topics):
# each event arrives once, and a bare speech frame without text is a start of speech.
TOPICS = (
    "call:call_progressing",
    "call:call_terminating",
    "call:call_canceling",
    "call:call_hangup",
    "transcript:transcript_created",
    "transcribe:transcribe_done",
    "transcribe:transcribe_speech_started",
    "transcribe:transcribe_speech_interim",
)

DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful voice assistant on a phone call. Answer in one to three short "
    "spoken sentences, without lists or markup."
)
INTERRUPTED_MARKER = "[interrupted by the caller]"

# A sentence ends at . ! ? or an ellipsis (closing quotes/brackets stay with it), followed by space.
SENTENCE_END = re.compile(r"[.!?\u2026]+[\"')\]\u201d\u2019]*\s+")

FLUSH = object()  # marker in a call's speech queue


def words(text):
    return len(text.split())


class Reply:
    """One answer of the agent: the LLM task and what of it went to /say."""

    def __init__(self):
        self.task = None
        self.said = []  # sentences queued for /say, in order
        self.done = False  # the LLM stream ended
        self.history_index = None  # its assistant message, once it has one


class Call:
    def __init__(self, agent, call_id):
        self.agent = agent
        self.id = call_id
        self.transcribe_id = None
        self.speaking_id = None
        self.history = [{"role": "system", "content": agent.args.system_prompt}] if agent.args.system_prompt else []
        self.reply = None
        self.epoch = 0  # texts of older epochs are stale (flushed)
        self.unplayed = collections.deque()  # texts sent to /say whose playout was not heard yet
        self.playing = ""  # the words heard so far of the text playing now (out interims)
        self.speech = asyncio.Queue()  # (epoch, text) or FLUSH, sent by the speaker task in order
        self.ended = False
        self.setup_task = asyncio.create_task(self.setup())
        self.speaker_task = asyncio.create_task(self.speaker())

    # ---- sessions ----

    async def setup(self):
        args = self.agent.args
        body = {"reference_type": "call", "reference_id": self.id, "language": args.language, "direction": "both"}
        speaking = dict(body)
        if args.tts_provider:
            speaking["provider"] = args.tts_provider
        (t_status, t_body), (s_status, s_body) = await asyncio.gather(
            self.agent.api("POST", "/transcribes", body), self.agent.api("POST", "/speakings", speaking)
        )
        if t_status == 200:
            self.transcribe_id = t_body["id"]
            self.agent.by_transcribe[self.transcribe_id] = self
        else:
            log.warning("call %s: transcribe create failed: %s %s", self.id, t_status, t_body)
        if s_status in (200, 201):
            self.speaking_id = s_body["id"]
        else:
            log.warning("call %s: speaking create failed: %s %s", self.id, s_status, s_body)

    async def speaker(self):
        """Sends the call's /say and /flush one at a time, in order."""
        await self.setup_task
        while True:
            item = await self.speech.get()
            if self.speaking_id is None:
                continue
            if item is FLUSH:
                status, body = await self.agent.api("POST", f"/speakings/{self.speaking_id}/flush")
                if status != 200:
                    log.warning("call %s: flush failed: %s %s", self.id, status, body)
                continue
            epoch, text = item
            if epoch != self.epoch:
                continue  # flushed while it waited
            status, body = await self.agent.api("POST", f"/speakings/{self.speaking_id}/say", {"text": text})
            if status != 200:
                log.warning("call %s: say failed: %s %s", self.id, status, body)
                try:
                    self.unplayed.remove(text)
                except ValueError:
                    pass

    async def end(self):
        """The call hung up (or we shut down): stop everything and forget it."""
        if self.ended:
            return
        self.ended = True
        if self.reply and self.reply.task:
            self.reply.task.cancel()
        self.speaker_task.cancel()
        try:
            await self.setup_task
        except Exception:
            log.exception("call %s: setup failed", self.id)
        stops = []
        if self.speaking_id:
            stops.append(self.agent.api("POST", f"/speakings/{self.speaking_id}/stop"))
        if self.transcribe_id:
            stops.append(self.agent.api("POST", f"/transcribes/{self.transcribe_id}/stop"))
        for status, body in await asyncio.gather(*stops):
            if status != 200:
                log.warning("call %s: stop failed: %s %s", self.id, status, body)
        self.agent.by_transcribe.pop(self.transcribe_id, None)
        log.info("call %s: ended", self.id)

    # ---- turn-taking ----

    def phase(self):
        r = self.reply
        if r is None:
            return "listening"
        if r.said and (not r.done or self.unplayed):
            return "speaking"
        if not r.done:
            return "thinking"
        return "listening"

    def on_caller_final(self, text):
        if not text.strip():
            return
        phase = self.phase()
        if phase == "thinking":
            # Nothing said yet: the caller went on, both texts are one turn.
            log.info("call %s: caller went on: %s", self.id, text)
            self.reply.task.cancel()
            self.reply = None
            self.history[-1]["content"] += " " + text
            self.answer()
            return
        if phase == "speaking":
            self.barge_in()
        log.info("call %s: caller: %s", self.id, text)
        self.history.append({"role": "user", "content": text})
        self.answer()

    def on_caller_interim(self, text):
        if self.agent.args.barge_in == "interim" and words(text) >= 2 and self.phase() == "speaking":
            self.barge_in()

    def on_caller_speech_started(self):
        if self.agent.args.barge_in == "speech" and self.phase() == "speaking":
            self.barge_in()

    def on_agent_interim(self, text):
        self.playing = text

    def on_agent_transcript(self, text):
        # The agent's own voice (direction out): that text has been played.
        self.playing = ""
        if text in self.unplayed:
            while self.unplayed.popleft() != text:
                pass
        if self.reply and self.reply.done and not self.unplayed:
            self.reply = None  # heard in full: the caller has the floor

    def barge_in(self):
        r = self.reply
        heard = r.said[: len(r.said) - len(self.unplayed)]
        if self.playing and self.unplayed:
            heard.append(self.playing)
        r.task.cancel()  # closes the LLM stream if it still runs
        self.reply = None
        self.epoch += 1
        self.unplayed.clear()
        self.playing = ""
        while not self.speech.empty():  # queued sentences are never said
            self.speech.get_nowait()
        self.speech.put_nowait(FLUSH)
        # History keeps what the caller heard, marked as interrupted.
        message = {"role": "assistant", "content": " ".join(heard) + " " + INTERRUPTED_MARKER}
        if r.history_index is not None:
            if heard:
                self.history[r.history_index] = message
            else:
                del self.history[r.history_index]
        elif heard:
            self.history.append(message)
        log.info("call %s: caller interrupted the agent; heard: %r", self.id, " ".join(heard))

    def answer(self):
        self.reply = Reply()
        self.reply.task = asyncio.create_task(self.generate(self.reply))

    def say(self, reply, text):
        text = text.strip()
        if not text:
            return
        reply.said.append(text)
        self.unplayed.append(text)
        self.speech.put_nowait((self.epoch, text))

    async def generate(self, reply):
        args = self.agent.args
        body = {
            "model": args.llm_model,
            "messages": list(self.history),
            "stream": True,
            "max_tokens": args.llm_max_tokens,
            "temperature": args.llm_temperature,
        }
        if log.isEnabledFor(logging.DEBUG):
            log.debug("call %s: LLM request: %s", self.id, json.dumps(body["messages"]))
        buffer = ""
        full = []
        try:
            async with self.agent.session.post(
                args.llm_url.rstrip("/") + "/chat/completions",
                json=body,
                headers={"Authorization": f"Bearer {args.llm_key}"},
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=30),
            ) as resp:
                if resp.status != 200:
                    log.warning("call %s: LLM answered %s: %s", self.id, resp.status, await resp.text())
                    return
                async for raw in resp.content:
                    line = raw.decode("utf-8", "replace").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    if "error" in chunk:
                        log.warning("call %s: LLM stream error: %s", self.id, chunk["error"])
                        break
                    choices = chunk.get("choices") or [{}]
                    delta = (choices[0].get("delta") or {}).get("content")
                    if not delta:
                        continue
                    buffer += delta
                    full.append(delta)
                    # Say each sentence as soon as it is complete.
                    while m := SENTENCE_END.search(buffer):
                        self.say(reply, buffer[: m.end()])
                        buffer = buffer[m.end():]
            self.say(reply, buffer)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("call %s: LLM request failed: %r", self.id, e)
        finally:
            if self.reply is reply:  # not cut off by the caller
                reply.done = True
                text = "".join(full).strip()
                if text:
                    log.info("call %s: agent: %s", self.id, text)
                    self.history.append({"role": "assistant", "content": text})
                    reply.history_index = len(self.history) - 1
                if not self.unplayed:
                    self.reply = None


class Agent:
    def __init__(self, args, session):
        self.args = args
        self.session = session
        self.calls = {}
        self.by_transcribe = {}
        self.ended = collections.OrderedDict()  # recently ended calls: a late event must not revive them
        self.end_tasks = set()

    async def api(self, method, path, body=None):
        """One VoIPBIN REST request; returns (status, parsed JSON or text). Status 0: no answer."""
        url = self.args.api_url.rstrip("/") + path
        try:
            async with self.session.request(
                method, url, params={"accesskey": self.args.accesskey}, json=body,
                timeout=aiohttp.ClientTimeout(total=15),
            ) as resp:
                text = await resp.text()
                try:
                    return resp.status, json.loads(text) if text else None
                except ValueError:
                    return resp.status, text
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            return 0, repr(e)

    # ---- events ----

    def on_frame(self, frame):
        try:
            j = json.loads(frame)
        except ValueError:
            log.debug("frame ignored: not JSON")
            return
        if not isinstance(j, dict):
            return
        kind = None
        # Legacy {"type", "data"} frames name their event; current ones are the bare resource.
        if isinstance(j.get("type"), str) and isinstance(j.get("data"), dict):
            kind, j = j["type"], j["data"]
            if kind.startswith("call_"):
                kind = "call"
            elif kind == "transcript_created":
                kind = "transcript"
            elif kind == "transcribe_speech_interim":
                kind = "interim"
            elif kind == "transcribe_speech_started":
                kind = "speech_started"
            else:
                kind = None
        elif "streaming_id" in j:
            kind = "interim" if "message" in j else "speech_started"
        elif "tm_transcript" in j or ("transcribe_id" in j and "message" in j):
            kind = "transcript"
        elif "source" in j or "destination" in j or "hangup_reason" in j:
            kind = "call"
        if kind is None or j.get("customer_id") != self.args.customer_id:
            return
        if kind == "call":
            self.on_call(j)
            return
        call = self.by_transcribe.get(j.get("transcribe_id"))
        if call is None or call.ended:
            return
        inbound = j.get("direction") != "out"
        if kind == "transcript":
            if inbound:
                call.on_caller_final(j.get("message", ""))
            else:
                call.on_agent_transcript(j.get("message", ""))
        elif kind == "interim":
            if inbound:
                call.on_caller_interim(j.get("message", ""))
            else:
                call.on_agent_interim(j.get("message", ""))
        elif kind == "speech_started" and inbound:
            call.on_caller_speech_started()

    def on_call(self, c):
        call_id, status = c.get("id"), c.get("status")
        if status == "progressing":
            if call_id in self.calls or call_id in self.ended:
                return
            log.info("call %s: answering", call_id)
            self.calls[call_id] = Call(self, call_id)
        elif status in ("terminating", "canceling", "hangup"):
            self.ended[call_id] = True
            if len(self.ended) > 10000:
                self.ended.popitem(last=False)
            call = self.calls.pop(call_id, None)
            if call:
                task = asyncio.create_task(call.end())
                self.end_tasks.add(task)
                task.add_done_callback(self.end_tasks.discard)

    async def listen(self):
        """The WebSocket, reconnected whenever it drops."""
        url = self.args.ws_url
        topics = [f"customer_id:{self.args.customer_id}:{t}" for t in TOPICS]
        while True:
            try:
                async with self.session.ws_connect(url, params={"accesskey": self.args.accesskey},
                                                   max_msg_size=0) as ws:
                    await ws.send_json({"type": "subscribe", "topics": topics})
                    log.info("VoIPBIN WebSocket connected; subscribed")
                    async for msg in ws:
                        if msg.type == aiohttp.WSMsgType.TEXT:
                            self.on_frame(msg.data)
                        elif msg.type == aiohttp.WSMsgType.ERROR:
                            break
                log.warning("VoIPBIN WebSocket closed")
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
                log.warning("VoIPBIN WebSocket failed: %r", e)
            await asyncio.sleep(1)

    async def shutdown(self):
        calls = list(self.calls.values())
        self.calls.clear()
        log.info("shutting down: ending %d calls", len(calls))
        await asyncio.gather(*(c.end() for c in calls), *self.end_tasks, return_exceptions=True)


async def main(args):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        agent = Agent(args, session)
        listener = asyncio.create_task(agent.listen())
        await stop.wait()
        listener.cancel()
        try:
            await asyncio.wait_for(agent.shutdown(), timeout=15)
        except asyncio.TimeoutError:
            log.warning("shutdown: sessions not all stopped in time")
    return 0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Baseline asyncio/aiohttp voice agent for VoIPBIN (parley's benchmark)")
    p.add_argument("--api-url", required=True, help="VoIPBIN REST base, e.g. http://127.0.0.1:28080/v1.0")
    p.add_argument("--ws-url", required=True, help="VoIPBIN WebSocket, e.g. ws://127.0.0.1:28080/v1.0/ws")
    p.add_argument("--accesskey", required=True)
    p.add_argument("--customer-id", required=True)
    p.add_argument("--llm-url", required=True, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:28090/v1")
    p.add_argument("--llm-model", default="gpt-4o-mini")
    p.add_argument("--llm-key", default="sim-key")
    p.add_argument("--llm-max-tokens", type=int, default=300)
    p.add_argument("--llm-temperature", type=float, default=0.7)
    p.add_argument("--system-prompt", default=DEFAULT_SYSTEM_PROMPT)
    p.add_argument("--language", default="en-US")
    p.add_argument("--tts-provider", default="", help="provider for POST /speakings (empty: VoIPBIN's default)")
    p.add_argument("--barge-in", choices=("speech", "interim", "final"), default="interim",
                   help="what cuts the agent off: any speech start, an interim of 2+ words (parley's "
                        "default), or only a final transcript")
    p.add_argument("--log-level", default="info", help="debug, info, warning, error")
    return p.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    level = {"warn": "WARNING"}.get(args.log_level.lower(), args.log_level.upper())
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s")
    sys.exit(asyncio.run(main(args)))
