import { describe, expect, expectTypeOf, test } from "vitest";
import {
  type ActionsOf,
  actor,
  type ConnParamsOf,
  DEFAULT_ACTOR_OPTIONS,
  type InputOf,
  type StateOf,
} from "./definition.ts";
import { setup } from "./registry.ts";

const noop = () => {};

describe("actor()", () => {
  test("actor() refuses state and createState together, naming both", () => {
    expect(() => actor({ state: {}, createState: () => ({}), actions: {} })).toThrow(
      new TypeError("actor(): both `state` and `createState` given; choose one"),
    );
    expect(() => actor({ vars: {}, createVars: () => ({}), actions: {} })).toThrow(
      /`vars` and `createVars`/,
    );
    expect(() => actor({ connState: {}, createConnState: () => ({}), actions: {} })).toThrow(
      /`connState` and `createConnState`/,
    );
  });

  test("actor() names an unknown option and a hook that is not a function", () => {
    expect(() => actor({ actions: {}, onStrat: noop } as never)).toThrow(
      /unknown option `onStrat`/,
    );
    expect(() => actor({ actions: {}, options: { actionTimout: 5 } } as never)).toThrow(
      /unknown option `options.actionTimout`/,
    );
    expect(() => actor({ actions: {}, onConnect: 5 } as never)).toThrow(
      /`onConnect` must be a function/,
    );
    expect(() => actor({ actions: { go: "x" } } as never)).toThrow(
      /`actions.go` must be a function/,
    );
  });

  test("actor() requires actions and positive timeouts", () => {
    expect(() => actor({} as never)).toThrow(/`actions`/);
    expect(() => actor({ actions: {}, options: { actionTimeout: 0 } })).toThrow(
      /`options.actionTimeout`/,
    );
  });

  test("actor() refuses a state the persistence encoding cannot carry, naming the path", () => {
    expect(() => actor({ state: { nested: { fn: noop } }, actions: {} })).toThrow(
      /state\.nested\.fn is a function/,
    );
    class Point {}
    expect(() => actor({ state: { p: new Point() }, actions: {} })).toThrow(
      /state\.p is an instance of Point/,
    );
  });

  test("actor() fills option defaults and keeps given ones", () => {
    const d = actor({ actions: {}, options: { actionTimeout: 250 } });
    expect(d.config.options).toEqual({ ...DEFAULT_ACTOR_OPTIONS, actionTimeout: 250 });
    expect(d.config.options.stateSaveInterval).toBe(1000);
    expect(d.config.options.onConnectTimeout).toBe(5000);
  });

  test("actor() exposes hooks on config, as the manager router reads onAuth", () => {
    const onAuth = () => ({ user: "u" });
    expect(actor({ actions: {}, onAuth }).config.onAuth).toBe(onAuth);
  });
});

describe("setup()", () => {
  const a = actor({ actions: {} });

  test("setup() keeps the definitions by name", () => {
    const registry = setup({ use: { counter: a } });
    expect(registry.actors.counter).toBe(a);
    expect(Object.isFrozen(registry.actors)).toBe(true);
  });

  test('setup() refuses an empty name, a name with "/", and a value that is not a definition', () => {
    expect(() => setup({ use: { "": a } })).toThrow(
      /invalid actor name "": actor names must not be empty/,
    );
    expect(() => setup({ use: { "a/b": a } })).toThrow(/invalid actor name "a\/b"/);
    expect(() => setup({ use: { counter: {} as never } })).toThrow(
      /`use.counter` is not an actor definition/,
    );
  });
});

describe("types", () => {
  test("c.state, c.vars, c.conn.state, c.conn.params and c.conn.auth are inferred", () => {
    const counter = actor({
      state: { count: 0, tags: new Map<string, number>() },
      vars: { started: 1 },
      createConnState: (_c, { params }: { params: { name?: string } | undefined }) => ({
        name: params?.name ?? "anon",
      }),
      onBeforeConnect: (_c, { params }: { params: { name?: string } | undefined }) => {
        void params;
      },
      onAuth: () => ({ userId: "u" }),
      actions: {
        increment: (c, x: number) => {
          expectTypeOf(c.state.count).toEqualTypeOf<number>();
          expectTypeOf(c.vars.started).toEqualTypeOf<number>();
          expectTypeOf(c.conn.state.name).toEqualTypeOf<string>();
          expectTypeOf(c.conn.params).toEqualTypeOf<{ name?: string } | undefined>();
          expectTypeOf(c.conn.auth.userId).toEqualTypeOf<string>();
          c.state.count += x;
          return c.state.count;
        },
        getCount: async (c) => c.state.count,
      },
    });
    expectTypeOf<ActionsOf<typeof counter>>().toEqualTypeOf<{
      increment: (x: number) => Promise<number>;
      getCount: () => Promise<number>;
    }>();
    expectTypeOf<StateOf<typeof counter>>().toEqualTypeOf<{
      count: number;
      tags: Map<string, number>;
    }>();
    expectTypeOf<ConnParamsOf<typeof counter>>().toEqualTypeOf<{ name?: string } | undefined>();
  });

  test("state and input are inferred from an annotated createState", () => {
    const d = actor({
      createState: (_c, { input }: { input: { start: number } }) => ({ count: input.start }),
      actions: { get: (c) => c.state.count },
    });
    expectTypeOf<ActionsOf<typeof d>["get"]>().toEqualTypeOf<() => Promise<number>>();
    expectTypeOf<InputOf<typeof d>>().toEqualTypeOf<{ start: number }>();
    // @ts-expect-error state has no member `nope`
    actor({ state: { a: 1 }, actions: { x: (c) => c.state.nope } });
  });
});
