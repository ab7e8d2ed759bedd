/**
 * Sleep suite (capability `sleep`): idle actors sleep after their timeout and not before; open
 * connections, raw WebSockets and requests in flight keep them awake; state survives the
 * unload; alarms, requests, connections and raw WebSockets wake them; onSleep and onWake run
 * once per cycle; requests racing the sleep are served; vars are rebuilt (SLEEP-1..SLEEP-8).
 *
 * Every wait is on a report the fixtures send to `sleepWitness` (harness/fixtures/core/sleep.ts)
 * when they sleep, wake, hold a request or run an alarm; none is a fixed delay. "Stayed awake
 * for at least the timeout" is shown by a control actor with the same timeout that was used
 * after the subject and slept twice meanwhile.
 */
import { SLEEP_TIMEOUT_MS, type SleepInfo, type SleepReport } from "../fixtures/core/sleep.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { SocketInbox } from "./connectivity-wire.ts";
import { clientOf, openConnection, pollUntil, restartDown, show } from "./core-support.ts";

/** Tests whose path crosses a connection: every cell of the matrix. */
const CONNECTION_AXES = ["client", "transport", "encoding"] as const;
/**
 * Stateless requests and raw handlers: both clients. The encoding only carries values (the
 * actions, values and state suites cover it); every encoding meets sleep through
 * CONNECTION_AXES.
 */
const CLIENT_AXES = ["client"] as const;
/** Bound on waiting for one report (ms): far above a sleep, far below the test's budget. */
const REPORT_MS = 5000;

type Kind = SleepReport["kind"];

const handleOf = (
  t: TestContext,
  name: "sleepy" | "drowsy",
  key: string[],
  params?: unknown,
): any => clientOf(t)[name].getOrCreate(key, params === undefined ? undefined : { params });

/** What `sleepWitness[key]` holds once it has at least `n` reports of `kind`. */
async function reported(
  t: TestContext,
  key: string[],
  kind: Kind,
  n = 1,
  ms = REPORT_MS,
): Promise<SleepReport[]> {
  const all = await pollUntil(
    t,
    `${n} "${kind}" report(s) of ${show(key)}`,
    () => clientOf(t).sleepWitness.getOrCreate(key).getReports() as Promise<SleepReport[]>,
    (reports) => reports.filter((r) => r.kind === kind).length >= n,
    ms,
  );
  return all;
}

/** The reports of `kind` in `reports`. */
const only = (reports: SleepReport[], kind: Kind) => reports.filter((r) => r.kind === kind);

/** Reads the witness once (no wait). */
const reportsNow = (t: TestContext, key: string[]) =>
  t.step(
    `reports of ${show(key)}`,
    clientOf(t).sleepWitness.getOrCreate(key).getReports() as Promise<SleepReport[]>,
  );

/**
 * Lets at least two sleep timeouts pass, measured by the actors themselves: a fresh `sleepy`
 * control actor is used, sleeps, is used again and sleeps again. Resolves once it reported its
 * second sleep.
 */
async function twoTimeoutsPass(t: TestContext): Promise<void> {
  const key = t.uniqueKey("control");
  const control = handleOf(t, "sleepy", key);
  await t.step("control actor: first use", control.setValue("first"));
  await reported(t, key, "sleep", 1);
  await t.step("control actor: second use", control.setValue("second"));
  await reported(t, key, "sleep", 2);
}

/** Asks `handle` to sleep and waits for its `n`-th sleep report; returns that report. */
async function sleepNow(
  t: TestContext,
  handle: any,
  key: string[],
  n: number,
  lingerMs = 0,
  alarmOnSleepMs = 0,
) {
  await t.step(`requestSleep #${n}`, handle.requestSleep(lingerMs, alarmOnSleepMs));
  return only(await reported(t, key, "sleep", n), "sleep")[n - 1]!;
}

/** Opens `handle.websocket()` and reads its welcome: `{ type: "welcome", instance }`. */
async function openRaw(t: TestContext, handle: any) {
  const socket = await t.step("raw WebSocket opens", handle.websocket());
  const inbox = new SocketInbox(socket as any);
  t.defer(() => (socket as { close(): void }).close());
  const welcome = (await inbox.nextJson("the welcome")) as { type: string; instance: string };
  t.expect(welcome.type, "the first frame is the welcome").toBe("welcome");
  return { socket: socket as { send(data: string): void; close(): void }, inbox, welcome };
}

/** A raw HTTP request's JSON body (the actor's SleepInfo); fails on a non-200. */
async function fetchInfo(t: TestContext, handle: any, path: string): Promise<SleepInfo> {
  const response = (await t.step(`fetch ${path}`, handle.fetch(path))) as Response;
  const body = await t.step(`body of ${path}`, response.text());
  t.expect(response.status, `GET ${path}: ${body}`).toBe(200);
  return JSON.parse(body) as SleepInfo;
}

export const sleepSuite = defineSuite("sleep", (s) => {
  s.test({
    id: "sleeps-after-timeout-not-before",
    title: "an idle actor sleeps once idle for its sleepTimeout, not before, and wakes on a call",
    clause: "SLEEP-1",
    axes: CLIENT_AXES,
    async run(t) {
      const key = t.uniqueKey("idle");
      const handle = handleOf(t, "sleepy", key);
      const before = (await t.step("setValue", handle.setValue(1))) as SleepInfo;
      const [slept] = only(await reported(t, key, "sleep"), "sleep");
      t.expect(slept!.instance, "the instance that served the call slept").toBe(before.instance);
      // 1 ms of slack for the millisecond clock the actor reports with.
      t.expect(
        slept!.idleMs,
        `idle time before sleep, ms (sleepTimeout ${SLEEP_TIMEOUT_MS})`,
      ).toBeGreaterThanOrEqual(SLEEP_TIMEOUT_MS - 1);
      const after = (await t.step("getInfo wakes it", handle.getInfo())) as SleepInfo;
      t.expect(after.instance, "a new instance answers").not.toBe(before.instance);
      t.expect(after.value, "state kept").toBe(1);
    },
  });

  s.test({
    id: "c-sleep-when-idle",
    title: "c.sleep() sleeps an idle actor at once, without waiting for its timeout",
    clause: "SLEEP-1",
    axes: CLIENT_AXES,
    async run(t) {
      const key = t.uniqueKey("asked");
      const handle = handleOf(t, "drowsy", key);
      const before = (await t.step("getInfo", handle.getInfo())) as SleepInfo;
      // drowsy's timeout is ten minutes: only c.sleep() can make it sleep within the bound.
      const slept = await sleepNow(t, handle, key, 1);
      t.expect(slept.instance).toBe(before.instance);
      const after = (await t.step("getInfo", handle.getInfo())) as SleepInfo;
      t.expect({ starts: after.starts, sleeps: after.sleeps, wakes: after.wakes }).toEqual({
        starts: 2,
        sleeps: 1,
        wakes: 1,
      });
    },
  });

  s.test({
    id: "open-connection-keeps-awake",
    title: "an open connection keeps an actor awake past its timeout, even after c.sleep()",
    clause: "SLEEP-2",
    axes: CONNECTION_AXES,
    async run(t) {
      const key = t.uniqueKey("held-by-conn");
      const conn = await openConnection(t, handleOf(t, "sleepy", key));
      const first = (await t.step(
        "requestSleep over the connection",
        conn.requestSleep(),
      )) as SleepInfo;
      await twoTimeoutsPass(t);
      const still = (await t.step("getInfo over the connection", conn.getInfo())) as SleepInfo;
      t.expect(still.instance, "the same instance serves the open connection").toBe(first.instance);
      t.expect(still.starts, "never restarted").toBe(1);
      t.expect(only(await reportsNow(t, key), "sleep"), "no sleep while connected").toEqual([]);
      await t.step("dispose the connection", conn.dispose());
      const [slept] = only(await reported(t, key, "sleep"), "sleep");
      t.expect(slept!.instance, "it sleeps once the connection closed").toBe(first.instance);
    },
  });

  s.test({
    id: "raw-websocket-keeps-awake",
    title: "an open raw WebSocket keeps an actor awake past its timeout; its close lets it sleep",
    clause: "SLEEP-2",
    axes: CLIENT_AXES,
    async run(t) {
      const key = t.uniqueKey("held-by-raw");
      const raw = await openRaw(t, handleOf(t, "sleepy", key));
      await twoTimeoutsPass(t);
      raw.socket.send("ping");
      const reply = (await raw.inbox.nextJson("info over the raw socket")) as { info: SleepInfo };
      t.expect(reply.info.instance, "the socket's instance still runs").toBe(raw.welcome.instance);
      t.expect(reply.info.starts, "never restarted").toBe(1);
      t.expect(
        only(await reportsNow(t, key), "sleep"),
        "no sleep while the socket is open",
      ).toEqual([]);
      raw.socket.close();
      const [slept] = only(await reported(t, key, "sleep"), "sleep");
      t.expect(slept!.instance).toBe(raw.welcome.instance);
    },
  });

  s.test({
    id: "requests-in-flight-keep-awake",
    title: "an action and a raw request in flight keep an actor awake past its timeout",
    clause: "SLEEP-2",
    axes: CLIENT_AXES,
    async run(t) {
      const key = t.uniqueKey("held-by-request");
      const handle = handleOf(t, "sleepy", key);
      const action = handle.hold() as Promise<SleepInfo>;
      const fetched = fetchInfo(t, handle, "hold");
      action.catch(() => {});
      fetched.catch(() => {});
      await reported(t, key, "hold", 2);
      await twoTimeoutsPass(t);
      t.expect(only(await reportsNow(t, key), "sleep"), "no sleep with requests in flight").toEqual(
        [],
      );
      const released = (await t.step("release", handle.release())) as SleepInfo;
      const held = [await t.step("the held action", action), await fetched];
      for (const info of held) {
        t.expect(info.instance, "held requests finish on the instance that took them").toBe(
          released.instance,
        );
        t.expect(info.starts, "never restarted").toBe(1);
      }
    },
  });

  s.test({
    id: "state-survives-sleep-with-connect",
    title:
      "connect, change state, disconnect, sleep: a stateless handle reads the state the action, onDisconnect and onSleep wrote",
    clause: "SLEEP-3",
    axes: CONNECTION_AXES,
    async run(t) {
      const key = t.uniqueKey("with-connect");
      const conn = await openConnection(t, handleOf(t, "drowsy", key, { mark: "left" }));
      const before = (await t.step(
        "setValue over the connection",
        conn.setValue("v1"),
      )) as SleepInfo;
      await t.step("requestSleep over the connection", conn.requestSleep());
      await t.step("dispose the connection", conn.dispose());
      const [slept] = only(await reported(t, key, "sleep"), "sleep");
      t.expect(slept!.instance).toBe(before.instance);
      const after = (await t.step(
        "getInfo, stateless",
        handleOf(t, "drowsy", key).getInfo(),
      )) as SleepInfo;
      t.expect(after.instance, "a new instance").not.toBe(before.instance);
      t.expect({
        value: after.value,
        disconnectMark: after.disconnectMark,
        sleeps: after.sleeps,
        wakes: after.wakes,
        starts: after.starts,
      }).toEqual({ value: "v1", disconnectMark: "left", sleeps: 1, wakes: 1, starts: 2 });
    },
  });

  s.test({
    id: "state-survives-sleep-raw",
    title: "state written by onFetch and by a raw WebSocket handler is there after a sleep",
    clause: "SLEEP-3",
    axes: CLIENT_AXES,
    async run(t) {
      const key = t.uniqueKey("raw-state");
      const handle = handleOf(t, "drowsy", key);
      await fetchInfo(t, handle, "set?v=from-fetch");
      await sleepNow(t, handle, key, 1);
      const afterFetch = (await t.step("getInfo", handle.getInfo())) as SleepInfo;
      t.expect(afterFetch.rawValue, "onFetch's write").toBe("from-fetch");
      const raw = await openRaw(t, handle);
      raw.socket.send("set:from-socket");
      await raw.inbox.nextJson("the reply to set");
      raw.socket.close();
      await t.step("socket closed", raw.inbox.waitClosed());
      await sleepNow(t, handle, key, 2);
      const afterSocket = (await t.step("getInfo", handle.getInfo())) as SleepInfo;
      t.expect(afterSocket.rawValue, "the raw WebSocket handler's write").toBe("from-socket");
      t.expect(afterSocket.sleeps, "onSleep's writes").toBe(2);
    },
  });

  s.test({
    id: "alarm-wakes-sleeping-actor",
    title: "a due alarm wakes a sleeping actor and runs its event on the new instance",
    clause: "SLEEP-4",
    axes: CLIENT_AXES,
    async run(t) {
      const key = t.uniqueKey("alarm");
      const handle = handleOf(t, "drowsy", key);
      const before = (await t.step("getInfo", handle.getInfo())) as SleepInfo;
      // onSleep schedules the alarm, so it comes due only once the actor went to sleep.
      const slept = await sleepNow(t, handle, key, 1, 0, 200);
      const reports = await reported(t, key, "alarm");
      const alarm = only(reports, "alarm")[0]!;
      t.expect(slept.instance).toBe(before.instance);
      t.expect(
        reports.indexOf(alarm) > reports.indexOf(slept),
        `the alarm ran after the sleep: ${show(reports.map((r) => r.kind))}`,
      ).toBe(true);
      t.expect(alarm.instance, "a new instance ran the alarm").not.toBe(before.instance);
      t.expect(only(reports, "wake").length, "onWake ran for the alarm's wake").toBe(1);
    },
  });

  s.test({
    id: "alarm-wakes-after-restart",
    title:
      "an alarm due while the driver was down fires after the restart and wakes the sleeping actor",
    clause: "SLEEP-4",
    requires: ["durable"],
    timeoutMs: 30_000,
    async run(t) {
      const key = t.uniqueKey("alarm-restart");
      const handle = handleOf(t, "drowsy", key);
      // Scheduled by onSleep 600 ms ahead; the driver is down from soon after the sleep until
      // well past that, so the alarm comes due while it is down and must fire after the restart.
      await sleepNow(t, handle, key, 1, 0, 600);
      const { started } = await restartDown(t, 1500);
      const reports = await reported(t, key, "alarm", 1, 10_000);
      const alarm = only(reports, "alarm")[0]!;
      t.expect(
        alarm.at,
        "the alarm ran after the driver went down (it came due while it was down)",
      ).toBeGreaterThanOrEqual(started);
      t.expect(only(reports, "wake").length, "onWake ran once, after the restart").toBe(1);
      const info = (await t.step("getInfo", handleOf(t, "drowsy", key).getInfo())) as SleepInfo;
      t.expect({ alarms: info.alarms, sleeps: info.sleeps, wakes: info.wakes }).toEqual({
        alarms: 1,
        sleeps: 1,
        wakes: 1,
      });
    },
  });

  s.test({
    id: "hooks-once-per-cycle",
    title: "onSleep and onWake run once per cycle over three cycles, onWake before serving",
    clause: "SLEEP-5",
    axes: CLIENT_AXES,
    async run(t) {
      const key = t.uniqueKey("cycles");
      const handle = handleOf(t, "drowsy", key);
      await t.step("getInfo", handle.getInfo());
      for (let cycle = 1; cycle <= 3; cycle++) {
        await sleepNow(t, handle, key, cycle);
        const info = (await t.step(`getInfo after sleep ${cycle}`, handle.getInfo())) as SleepInfo;
        t.expect(
          { starts: info.starts, sleeps: info.sleeps, wakes: info.wakes },
          `counts as the woken instance's first request saw them, cycle ${cycle}`,
        ).toEqual({ starts: cycle + 1, sleeps: cycle, wakes: cycle });
      }
      const reports = await reportsNow(t, key);
      t.expect(only(reports, "sleep").length, "onSleep reports").toBe(3);
      t.expect(only(reports, "wake").length, "onWake reports").toBe(3);
    },
  });

  s.test({
    id: "requests-racing-sleep-served",
    title:
      "actions, a connection and a raw request sent while the actor goes to sleep are all served",
    clause: "SLEEP-6",
    axes: CONNECTION_AXES,
    async run(t) {
      const key = t.uniqueKey("race");
      const handle = handleOf(t, "drowsy", key);
      // onSleep lingers 300 ms: everything below reaches the actor while it goes to sleep.
      const asked = (await t.step("requestSleep(300)", handle.requestSleep(300))) as SleepInfo;
      const actions = Array.from({ length: 5 }, (_, i) => handle.setValue(i) as Promise<SleepInfo>);
      const conn = handle.connect();
      t.defer(() => conn.dispose());
      const viaConn = conn.getInfo() as Promise<SleepInfo>;
      const raw = fetchInfo(t, handle, "set?v=raced");
      const served = await t.step(
        "every racing request",
        Promise.all([...actions, viaConn, raw]),
        10_000,
      );
      for (const info of served) {
        t.expect(info.instance, "served by the next instance").not.toBe(asked.instance);
        t.expect(info.sleeps, "after the sleep completed").toBe(1);
      }
      const after = (await t.step("getInfo", handle.getInfo())) as SleepInfo;
      t.expect(after.rawValue).toBe("raced");
      t.expect([0, 1, 2, 3, 4], "the last write is one of the racing actions'").toContain(
        after.value,
      );
      t.expect({ starts: after.starts, wakes: after.wakes }).toEqual({ starts: 2, wakes: 1 });
    },
  });

  s.test({
    id: "vars-rebuilt-on-wake",
    title: "vars are rebuilt on wake: createVars runs again and what was kept in vars is gone",
    clause: "SLEEP-7",
    axes: CLIENT_AXES,
    async run(t) {
      const key = t.uniqueKey("vars");
      const handle = handleOf(t, "drowsy", key);
      const kept = (await t.step("keepInVars", handle.keepInVars("scratch"))) as SleepInfo;
      t.expect(kept.scratch).toBe("scratch");
      await sleepNow(t, handle, key, 1);
      const after = (await t.step("getInfo", handle.getInfo())) as SleepInfo;
      t.expect(after.instance, "createVars ran again").not.toBe(kept.instance);
      t.expect(after.scratch, "fresh vars").toBe(null);
    },
  });

  s.test({
    id: "request-connection-raw-socket-wake",
    title:
      "a connection, a raw WebSocket, a raw request and an action each wake a sleeping actor on a new instance",
    clause: "SLEEP-8",
    axes: CONNECTION_AXES,
    async run(t) {
      const key = t.uniqueKey("wake");
      const handle = handleOf(t, "drowsy", key);
      const seen = [((await t.step("getInfo", handle.getInfo())) as SleepInfo).instance];
      const fresh = (instance: string, what: string) => {
        t.expect(seen, `${what} is served by a new instance`).not.toContain(instance);
        seen.push(instance);
      };
      await sleepNow(t, handle, key, 1);
      const conn = await openConnection(t, handle);
      fresh(
        ((await t.step("getInfo over the connection", conn.getInfo())) as SleepInfo).instance,
        "a connection",
      );
      await t.step("dispose", conn.dispose());
      await sleepNow(t, handle, key, 2);
      const raw = await openRaw(t, handle);
      fresh(raw.welcome.instance, "a raw WebSocket");
      raw.socket.close();
      await t.step("socket closed", raw.inbox.waitClosed());
      await sleepNow(t, handle, key, 3);
      fresh((await fetchInfo(t, handle, "get")).instance, "a raw request");
      await sleepNow(t, handle, key, 4);
      const last = (await t.step("getInfo", handle.getInfo())) as SleepInfo;
      fresh(last.instance, "an action");
      t.expect(last.starts, "one instance per wake").toBe(5);
    },
  });
});
