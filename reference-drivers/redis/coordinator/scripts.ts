/**
 * The Lua scripts that make the driver's checks atomic in Redis: creation, lease grant and
 * renewal, and every owner write compared against the fence in the same step as the write
 * (DIST-5: a paused owner whose lease was taken over cannot write when it wakes).
 *
 * A lease value is `<nodeId>|<fence>`; the fence comes from INCR on the namespace counter, so a
 * later grant always carries a larger token. Expiry is Redis's own (PX), never a node clock.
 */

/** A script and how many of its arguments are keys. */
export interface LuaScript {
  readonly name: string;
  readonly keys: number;
  readonly lua: string;
}

/**
 * KEYS: key index, actor hash, state. ARGV: actor id, name, key JSON, region ("" for none),
 * initial bytes. Returns `{1, id}` when created, `{0, existingId}` when the name and key are
 * taken (MGR-4, MGR-5: one transaction, so racing creators from any node get one actor).
 */
export const CREATE_ACTOR: LuaScript = {
  name: "dcCreateActor",
  keys: 3,
  lua: `
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'name', ARGV[2], 'key', ARGV[3], 'region', ARGV[4])
redis.call('SET', KEYS[3], ARGV[5])
return {1, ARGV[1]}
`,
};

/**
 * KEYS: lease, fence counter, actor hash. ARGV: node id, lease ms. Returns `{1, token}` when the
 * lease was free and is now this node's, `{0, holder}` when another token holds it (or this
 * node's own, which the caller then keeps), `{-1, ""}` when the actor does not exist.
 */
export const ACQUIRE_LEASE: LuaScript = {
  name: "dcAcquireLease",
  keys: 3,
  lua: `
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1, ''} end
local holder = redis.call('GET', KEYS[1])
if holder then return {0, holder} end
local fence = redis.call('INCR', KEYS[2])
local token = ARGV[1] .. '|' .. fence
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {1, token}
`,
};

/** KEYS: lease. ARGV: token, lease ms. 1 when the token still holds the lease (extended), else 0. */
export const RENEW_LEASE: LuaScript = {
  name: "dcRenewLease",
  keys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`,
};

/** KEYS: lease. ARGV: token. Deletes the lease when the token holds it (graceful handover). */
export const RELEASE_LEASE: LuaScript = {
  name: "dcReleaseLease",
  keys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
};

/**
 * KEYS: lease, state, refuse-writes flag. ARGV: token, bytes. Writes only while the token holds
 * the lease: the fence check and the write are one step (DIST-5). 1 written, 0 refused by the
 * fence, -1 refused while the actor's writes fail (PERSIST-9 hook; the bytes stay as they were).
 */
export const FENCED_WRITE: LuaScript = {
  name: "dcFencedWrite",
  keys: 3,
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`,
};

/** KEYS: lease, alarms. ARGV: token, actor id, due ms. Arms the alarm only for the holder. */
export const FENCED_SET_ALARM: LuaScript = {
  name: "dcFencedSetAlarm",
  keys: 2,
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
return 1
`,
};

/**
 * KEYS: lease, alarms. ARGV: token, actor id, due score seen, retry ms. The holder claims a due
 * alarm by moving it to the retry time: if the run dies, the alarm comes due again there (at
 * least once); a second claim of the same due score fails (never two runs at once, DIST-10).
 */
export const CLAIM_ALARM: LuaScript = {
  name: "dcClaimAlarm",
  keys: 2,
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local score = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not score or tonumber(score) ~= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
return 1
`,
};

/**
 * KEYS: alarms. ARGV: actor id, retry score, restore score ("" for none). After a run: when the
 * claim is still in place (the run armed no new time meanwhile, which replaces the score), drops
 * it, or with a restore score puts the alarm back to that time (a run cut short by a stop or a
 * lost lease, whose events are still in the actor's persisted schedule).
 */
export const FINISH_ALARM: LuaScript = {
  name: "dcFinishAlarm",
  keys: 1,
  lua: `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] ~= '' then return redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]) end
return redis.call('ZREM', KEYS[1], ARGV[1])
`,
};

export const SCRIPTS: readonly LuaScript[] = [
  CREATE_ACTOR,
  ACQUIRE_LEASE,
  RENEW_LEASE,
  RELEASE_LEASE,
  FENCED_WRITE,
  FENCED_SET_ALARM,
  CLAIM_ALARM,
  FINISH_ALARM,
];
