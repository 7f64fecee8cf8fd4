"""Twisted side of the differential check (see README.md): reads programs as JSON lines on stdin,
runs each against twisted.internet.defer and writes one trace line per program on stdout.

Must produce exactly the trace format of interp.ts; the two files mirror each other op by op.
"""

import json
import sys
import traceback

from twisted.internet import defer
from twisted.internet.defer import (
    CancelledError,
    Deferred,
    DeferredList,
    DeferredLock,
    DeferredQueue,
    DeferredSemaphore,
    FirstError,
    gatherResults,
    inlineCallbacks,
)
from twisted.python.failure import Failure


class MyError(Exception):
    """The program's own error; its label says which raise produced it."""

    def __init__(self, label):
        super().__init__(label)
        self.label = label


class Run:
    def __init__(self, prog):
        self.prog = prog
        self.trace = []
        self.names = {}  # name -> Deferred / primitive, in creation order
        self.user_pauses = {}

    # -- rendering -------------------------------------------------------------------------

    def name_of(self, obj):
        for name, o in self.names.items():
            if o is obj:
                return name
        return "?"

    def err_name(self, e):
        if isinstance(e, MyError):
            return "MyError:" + e.label
        if isinstance(e, FirstError):
            return "FirstError(%s,%d)" % (self.render(e.subFailure), e.index)
        name = type(e).__name__
        # Twisted's marker is private (leading underscore); deferkit's is the same class, named
        # without it. Only the spelling differs.
        return "InternalInlineCallbacksCancelledError" if name == "_InternalInlineCallbacksCancelledError" else name

    def render(self, v):
        if v is None or isinstance(v, (bool, int, str)):
            return v
        if isinstance(v, (list, tuple)):
            return [self.render(x) for x in v]
        if isinstance(v, Failure):
            return "Failure(%s)" % self.err_name(v.value)
        if isinstance(v, BaseException):
            return "Failure(%s)" % self.err_name(v)
        if isinstance(v, Deferred):
            return "Deferred(%s)" % self.name_of(v)
        if isinstance(v, DeferredLock):
            return "Lock(%s)" % self.name_of(v)
        if isinstance(v, DeferredSemaphore):
            return "Semaphore(%s)" % self.name_of(v)
        return "Obj(%s)" % type(v).__name__

    def ev(self, *e):
        self.trace.append(list(e))

    # -- ops -------------------------------------------------------------------------------

    def bound(self, *names):
        return all(n in self.names for n in names)

    def run_op(self, op):
        try:
            self.do_op(op)
        except Exception as e:
            name = self.err_name(e)
            if op["op"] == "release" and isinstance(e, AssertionError):
                name = "ReleaseError"
            self.ev("raise", describe(op), name)

    def make_callback(self, op, owner):
        cid, act = op["id"], op["act"]

        def cb(arg):
            self.ev("cb", cid, self.render(arg))
            for sub in act.get("do", []):
                self.run_op(sub)
            then = act["then"]
            if then == "val":
                return act["v"]
            if then == "raise":
                raise MyError(act["e"])
            if then == "d" and act["d"] in self.names:
                target = self.names[act["d"]]
                if target is owner:
                    # Normalised (README N3): returning the Deferred a callback runs on.
                    self.ev("selfReturn", cid)
                    return arg
                return target
            return arg

        return cb

    def make_canceller(self, name, kind):
        def canceller(d):
            self.ev("canceller", name)
            if kind == "callback":
                d.callback(-1)
            elif kind == "errback":
                d.errback(MyError("x" + name))

        return canceller

    def start_generator(self, op):
        into, steps, end = op["into"], op["steps"], op["end"]
        run = self

        @inlineCallbacks
        def gen():
            for step in steps:
                if "do" in step:
                    run.run_op(step["do"])
                    continue
                if step["yield"] not in run.names:
                    continue
                try:
                    r = yield run.names[step["yield"]]
                except Exception as e:
                    if not step["catch"]:
                        raise
                    run.ev("gen", into, "caught", run.render(e))
                else:
                    run.ev("gen", into, "got", run.render(r))
            if "raise" in end:
                raise MyError(end["raise"])
            return end["ret"]

        d = gen()
        self.names[into] = d

    def do_op(self, op):
        kind = op["op"]
        n = self.names
        if kind == "new":
            c = op["canceller"]
            n[op["d"]] = Deferred(self.make_canceller(op["d"], c) if c else None)
        elif kind in ("addCallback", "addErrback", "addBoth"):
            if not self.bound(op["d"]):
                return
            d = n[op["d"]]
            getattr(d, kind)(self.make_callback(op, d))
        elif kind == "callback":
            if self.bound(op["d"]):
                n[op["d"]].callback(op["v"])
        elif kind == "errback":
            if self.bound(op["d"]):
                n[op["d"]].errback(MyError(op["e"]))
        elif kind == "pause":
            if self.bound(op["d"]):
                self.user_pauses[op["d"]] = self.user_pauses.get(op["d"], 0) + 1
                n[op["d"]].pause()
        elif kind == "unpause":
            if self.bound(op["d"]):
                if self.user_pauses.get(op["d"], 0) == 0:
                    # Normalised (README N2, J10): an unpause without a pause of ours.
                    self.ev("unpauseSkipped", op["d"])
                    return
                self.user_pauses[op["d"]] -= 1
                n[op["d"]].unpause()
        elif kind == "chainDeferred":
            if self.bound(op["d"], op["to"]):
                n[op["d"]].chainDeferred(n[op["to"]])
        elif kind == "cancel":
            if self.bound(op["d"]):
                n[op["d"]].cancel()
        elif kind == "DeferredList":
            ds = [n[x] for x in op["ds"] if x in n]
            n[op["into"]] = DeferredList(
                ds,
                fireOnOneCallback=op["fireOnOneCallback"],
                fireOnOneErrback=op["fireOnOneErrback"],
                consumeErrors=op["consumeErrors"],
            )
        elif kind == "gatherResults":
            ds = [n[x] for x in op["ds"] if x in n]
            n[op["into"]] = gatherResults(ds, consumeErrors=op["consumeErrors"])
        elif kind == "inlineCallbacks":
            self.start_generator(op)
        elif kind == "lock":
            n[op["l"]] = DeferredLock()
        elif kind == "sem":
            n[op["l"]] = DeferredSemaphore(op["tokens"])
        elif kind == "queue":
            n[op["l"]] = DeferredQueue(op["size"], op["backlog"])
        elif kind in ("acquire", "get"):
            if self.bound(op["l"]):
                n[op["into"]] = getattr(n[op["l"]], kind)()
        elif kind == "release":
            if self.bound(op["l"]):
                n[op["l"]].release()
        elif kind == "put":
            if self.bound(op["l"]):
                n[op["l"]].put(op["v"])
        elif kind == "__spin":
            # Harness self-test only (harness.test.ts): never answers, for the watchdog.
            while True:
                pass
        else:
            raise ValueError("unknown op " + kind)

    def final_states(self):
        for name, d in list(self.names.items()):
            if not isinstance(d, Deferred):
                continue
            called, paused = d.called, d.paused
            box = []

            def observe(r, box=box):
                box.append(self.render(r))
                return r

            d.addBoth(observe)
            if box:
                self.ev("state", name, "result", box[0])
                d.addErrback(lambda f: None)
            elif paused:
                self.ev("state", name, "paused")
            elif called:
                self.ev("state", name, "waiting")
            else:
                self.ev("state", name, "pending")

    def run(self):
        for op in self.prog["ops"]:
            self.run_op(op)
        self.final_states()
        return self.trace


def describe(op):
    return "%s %s" % (op["op"], op.get("d") or op.get("l") or op.get("into") or "")


def main():
    # The driver starts its watchdog only after this line: start-up time is not a hang.
    sys.stdout.write('{"ready":true}\n')
    sys.stdout.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        msg = json.loads(line)
        try:
            out = {"id": msg["id"], "trace": Run(msg["prog"]).run()}
        except BaseException:
            out = {"id": msg["id"], "error": traceback.format_exc()}
        sys.stdout.write(json.dumps(out, separators=(",", ":")) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
